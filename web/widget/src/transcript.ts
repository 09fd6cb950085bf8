// Re-syncing the transcript from the server (`sync_request` -> `transcript`, see
// bot/chat_transcript.py): the server's messages win, each id once; what the server cannot
// know yet stays (messages queued offline, the local greeting, anything sent or received
// after the re-sync was asked for).

import { normaliseBotMessage, type ChatState } from "./messages";
import type { StoredMessage } from "./storage";

export interface Transcript {
  state: ChatState;
  messages: StoredMessage[];
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** The `transcript` event's payload, validated; null if it is not one. */
export function parseTranscript(data: unknown): Transcript | null {
  const record = asRecord(data);
  if (!record || !Array.isArray(record.messages)) return null;
  const messages: StoredMessage[] = [];
  for (const item of record.messages) {
    const raw = asRecord(item);
    if (!raw || typeof raw.id !== "string" || !raw.id) continue;
    const at = typeof raw.at === "number" && Number.isFinite(raw.at) ? raw.at : 0;
    if (raw.from === "user") {
      if (typeof raw.text !== "string" || !raw.text) continue;
      messages.push({ id: raw.id, from: "user", text: raw.text, at });
      continue;
    }
    const bot = normaliseBotMessage(raw);
    if (!bot) continue;
    const message: StoredMessage = {
      id: raw.id,
      from: "bot",
      text: bot.text,
      imageUrl: bot.imageUrl,
      quickReplies: bot.quickReplies,
      at,
    };
    if (bot.author) message.author = bot.author;
    messages.push(message);
  }
  return { state: record.state === "with_team" ? "with_team" : "bot", messages };
}

/**
 * The transcript after a re-sync: the server's messages (with what this widget knew about
 * them, e.g. quick replies already used), then the local ones the server does not have and
 * should keep: the greeting first, queued messages and anything newer than `since` last.
 */
export function mergeTranscript(local: StoredMessage[], server: StoredMessage[], since: number): StoredMessage[] {
  const known = new Map(local.map((m) => [m.id, m]));
  const serverIds = new Set(server.map((m) => m.id));
  const merged = server.map((m) => {
    const mine = known.get(m.id);
    return mine?.repliesDone ? { ...m, repliesDone: true } : { ...m };
  });
  const greeting = local.filter((m) => m.local && !serverIds.has(m.id));
  const inFlight = local.filter((m) => !m.local && !serverIds.has(m.id) && (m.pending || m.at >= since));
  const result = [...greeting, ...merged, ...inFlight];
  // Only the newest message's quick replies can still be used.
  result.forEach((m, index) => {
    if (m.quickReplies?.length && index < result.length - 1) m.repliesDone = true;
  });
  return result;
}

/** How many assistant or agent messages of `server` this widget had not seen. */
export function unseenReplies(local: StoredMessage[], server: StoredMessage[]): number {
  const known = new Set(local.map((m) => m.id));
  return server.filter((m) => m.from === "bot" && !known.has(m.id)).length;
}
