// Conversation state kept in browser storage so the conversation survives reloads and
// navigation: the Rasa session id and a transcript (localStorage, shared by the store's
// tabs), plus per-tab UI state (sessionStorage). Storage can be unavailable (privacy
// modes, sandboxed iframes): then everything lives in memory for this page only.

import type { ChatState, QuickReply } from "./messages";

export interface StoredMessage {
  /** The server's id (a shopper message keeps the id the widget sent it with). */
  id: string;
  from: "bot" | "user";
  text: string | null;
  /** An agent's message: their name (shown as "Sam (our team)"). */
  author?: string;
  imageUrl?: string | null;
  quickReplies?: QuickReply[];
  /** Quick replies were used (or superseded by a newer message): do not show them again. */
  repliesDone?: boolean;
  /** What goes to the server when it differs from the text shown (a quick reply's payload). */
  payload?: string;
  /** A user message typed while offline, not yet sent to the server. */
  pending?: boolean;
  /** Sent, and no reply seen yet: sent again (same id) after a reconnect. */
  awaiting?: boolean;
  /** Shown by this widget only, never on the server (the configured greeting). */
  local?: boolean;
  at: number;
}

export const MAX_MESSAGES = 200;

class MemoryStorage {
  private data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
  removeItem(key: string): void {
    this.data.delete(key);
  }
}

type KeyValue = Pick<Storage, "getItem" | "setItem" | "removeItem">;

function usable(get: () => Storage): KeyValue {
  try {
    const storage = get();
    const probe = "__shopdesk_probe__";
    storage.setItem(probe, "1");
    storage.removeItem(probe);
    return storage;
  } catch {
    return new MemoryStorage();
  }
}

export function randomId(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto) return crypto.randomUUID().replace(/-/g, "");
  return Math.random().toString(36).slice(2) + Date.now().toString(36);
}

export class ConversationStore {
  readonly transcriptKey: string;
  private readonly sessionKey: string;
  private readonly stateKey: string;
  private readonly unreadKey: string;
  private readonly sessionTokenKey: string;
  private readonly openKey: string;
  private readonly tabKey: string;
  private readonly shared: KeyValue;
  private readonly perTab: KeyValue;

  constructor(options: { prefix: string; shared?: KeyValue; perTab?: KeyValue }) {
    const p = options.prefix;
    this.sessionKey = `${p}:session`;
    this.sessionTokenKey = `${p}:session-token`;
    this.transcriptKey = `${p}:transcript`;
    this.stateKey = `${p}:state`;
    this.unreadKey = `${p}:unread`;
    this.openKey = `${p}:open`;
    this.tabKey = `${p}:tab`;
    this.shared = options.shared ?? usable(() => window.localStorage);
    this.perTab = options.perTab ?? usable(() => window.sessionStorage);
  }

  sessionId(): string | null {
    return this.shared.getItem(this.sessionKey);
  }

  setSessionId(id: string): void {
    if (id !== this.sessionId()) {
      this.shared.setItem(this.sessionKey, id);
    }
  }

  /** The server's signature of the session id: proves this browser was given that session. */
  sessionToken(): string | null {
    return this.shared.getItem(this.sessionTokenKey);
  }

  setSessionToken(token: string): void {
    if (token !== this.sessionToken()) this.shared.setItem(this.sessionTokenKey, token);
  }

  messages(): StoredMessage[] {
    try {
      const parsed: unknown = JSON.parse(this.shared.getItem(this.transcriptKey) ?? "[]");
      return Array.isArray(parsed) ? (parsed as StoredMessage[]) : [];
    } catch {
      return [];
    }
  }

  save(messages: StoredMessage[]): void {
    try {
      this.shared.setItem(this.transcriptKey, JSON.stringify(messages.slice(-MAX_MESSAGES)));
    } catch {
      // Quota exceeded: keep going without persisting; the live conversation still works.
    }
  }

  /** Add a message once: false (nothing changed) if one with its id is already there. */
  append(message: StoredMessage): boolean {
    const messages = this.messages();
    if (messages.some((m) => m.id === message.id)) return false;
    // Any newer message retires older quick replies.
    for (const m of messages) if (m.quickReplies?.length) m.repliesDone = true;
    messages.push(message);
    this.save(messages);
    return true;
  }

  update(id: string, patch: Partial<StoredMessage>): void {
    this.save(this.messages().map((m) => (m.id === id ? { ...m, ...patch } : m)));
  }

  pending(): StoredMessage[] {
    return this.messages().filter((m) => m.pending);
  }

  /** A per-tab id that survives reloads and navigation in the same tab. */
  tabId(): string {
    let id = this.perTab.getItem(this.tabKey);
    if (!id) {
      id = randomId();
      this.perTab.setItem(this.tabKey, id);
    }
    return id;
  }

  /** Whether a person has the conversation (shared by the store's tabs). */
  chatState(): ChatState {
    return this.shared.getItem(this.stateKey) === "with_team" ? "with_team" : "bot";
  }

  setChatState(state: ChatState): void {
    this.shared.setItem(this.stateKey, state);
  }

  /** Messages that arrived while this tab's panel was closed. */
  unread(): number {
    const n = Number(this.perTab.getItem(this.unreadKey) ?? "0");
    return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
  }

  setUnread(count: number): void {
    this.perTab.setItem(this.unreadKey, String(Math.max(0, count)));
  }

  isOpen(): boolean {
    return this.perTab.getItem(this.openKey) === "1";
  }

  setOpen(open: boolean): void {
    this.perTab.setItem(this.openKey, open ? "1" : "0");
  }
}
