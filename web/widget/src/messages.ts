// Normalises Rasa socket.io `bot_uttered` payloads (see rasa/core/channels/socketio.py):
// {text}, {text, quick_replies: [{title, payload}]}, custom {buttons: [...]},
// {attachment: {type: "image", payload: {src}}}.

import { safeHref } from "./text";

export interface QuickReply {
  title: string;
  payload: string;
}

export interface BotMessage {
  text: string | null;
  quickReplies: QuickReply[];
  imageUrl: string | null;
}

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
  return { text, quickReplies, imageUrl };
}
