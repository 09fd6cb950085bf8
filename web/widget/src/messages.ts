// Normalises Rasa socket.io `bot_uttered` payloads (see rasa/core/channels/socketio.py and
// bot/chat_transcript.py): {id, text, from, author, state}, {text, quick_replies: [{title,
// payload}]}, custom {buttons: [...]}, {attachment: {type: "image", payload: {src}}}.

import { safeHref } from "./text";

export interface QuickReply {
  title: string;
  payload: string;
}

/** "with_team": a person has the conversation (the assistant stays quiet); "bot": it doesn't. */
export type ChatState = "with_team" | "bot";

export interface BotMessage {
  text: string | null;
  quickReplies: QuickReply[];
  imageUrl: string | null;
  /** The server's id for this message (the same live and in a re-sync). */
  id?: string;
  /** Set when an agent wrote it: their name. */
  author?: string;
  /** Whether a person has the conversation from this message on, when the message says. */
  state?: ChatState;
}

const ID = /^[A-Za-z0-9_.:-]{1,80}$/;

function asRecord(value: unknown): Record<string, unknown> | null {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function replies(value: unknown): QuickReply[] {
  if (!Array.isArray(value)) return [];
  const out: QuickReply[] = [];
  for (const item of value) {
    const r = asRecord(item);
    if (!r) continue;
    const title = r.title ?? r.payload;
    const payload = r.payload ?? r.title;
    if (typeof title !== "string" && typeof title !== "number") continue;
    out.push({ title: String(title), payload: String(payload) });
  }
  return out;
}

/** A displayable message, or null when the payload has nothing the widget can show. */
export function normaliseBotMessage(data: unknown): BotMessage | null {
  const record = asRecord(data);
  if (!record) return typeof data === "string" && data ? { text: data, quickReplies: [], imageUrl: null } : null;
  const text = typeof record.text === "string" && record.text.trim() ? record.text : null;
  const quickReplies = replies(record.quick_replies).concat(replies(record.buttons));
  let imageUrl: string | null = null;
  const attachment = asRecord(record.attachment);
  if (attachment && attachment.type === "image") {
    const src = asRecord(attachment.payload)?.src;
    const href = typeof src === "string" ? safeHref(src) : null;
    imageUrl = href && /^https?:/.test(href) ? href : null;
  }
  if (!text && !imageUrl && quickReplies.length === 0) return null;
  const message: BotMessage = { text, quickReplies, imageUrl };
  if (typeof record.id === "string" && ID.test(record.id)) message.id = record.id;
  if (record.from === "agent" && typeof record.author === "string" && record.author.trim()) {
    message.author = record.author.trim().slice(0, 100);
  }
  if (record.state === "with_team" || record.state === "bot") message.state = record.state;
  return message;
}
