// The link to Rasa's socket.io channel (session_persistence: true).
// Protocol: on every (re)connect emit `session_request {session_id, session_token}` and wait
// for `session_confirm {session_id, session_token}` (the server joins a session only with the
// token it handed out for it, else it starts a new one), then ask for the stored conversation
// (`sync_request {session_id}` -> `transcript {state, messages}`: what was missed while
// offline or away); then `user_uttered {message, session_id, customData}` goes up and
// `bot_uttered {id, ...}` comes down to the session's room. Every message carries its own
// `message_id` (in customData): the server handles an id once, so resending it after a lost
// connection or a `shopdesk_retry` (the server's stores were unreachable) never repeats a
// turn, and the transcript shows it once.

import { io, type Socket } from "socket.io-client";

export type ConnectionStatus = "connecting" | "online" | "offline";

export interface ConnectionHandlers {
  onStatus(status: ConnectionStatus): void;
  onSession(sessionId: string, sessionToken: string | null): void;
  onBotMessage(data: unknown): void;
  /** The server could not take the message now: send it again (same id) in `afterSeconds`. */
  onRetry(messageId: string | null, afterSeconds: number): void;
  onTranscript(data: unknown): void;
}

export interface ConnectionOptions {
  serverUrl: string;
  socketPath: string;
  sessionId: string | null;
  sessionToken: string | null;
  /** Sent as `customData` with every message (identity token, locale). */
  metadata: () => Record<string, unknown>;
  handlers: ConnectionHandlers;
}

export const METADATA_KEY = "customData";
export const RETRY_EVENT = "shopdesk_retry";

export class RasaConnection {
  private socket: Socket | null = null;
  private sessionId: string | null;
  private sessionToken: string | null;
  private confirmed = false;

  constructor(private readonly options: ConnectionOptions) {
    this.sessionId = options.sessionId;
    this.sessionToken = options.sessionToken;
  }

  /** True once the server confirmed the session on the current connection. */
  get ready(): boolean {
    return this.confirmed && !!this.socket?.connected;
  }

  start(): void {
    if (this.socket) return;
    const { handlers } = this.options;
    const socket = io(this.options.serverUrl, {
      path: this.options.socketPath,
      // Rasa 3.6 serves socket.io through Sanic, whose engine.io websocket driver fails;
      // HTTP long-polling is reliable there.
      transports: ["polling"],
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,
      timeout: 10000,
      autoConnect: false,
    });
    this.socket = socket;

    socket.on("connect", () => {
      this.confirmed = false;
      socket.emit("session_request", {
        session_id: this.sessionId,
        session_token: this.sessionToken,
        [METADATA_KEY]: this.options.metadata(),
      });
    });
    socket.on("session_confirm", (data: unknown) => {
      const confirmed = data as { session_id?: unknown; session_token?: unknown } | null;
      const id = typeof data === "string" ? data : confirmed?.session_id;
      if (typeof id !== "string" || !id) return;
      const token = typeof confirmed?.session_token === "string" ? confirmed.session_token : null;
      this.sessionId = id;
      this.sessionToken = token;
      this.confirmed = true;
      // Asked before anything queued is sent, so the answer's cut-off is known.
      socket.emit("sync_request", { session_id: id });
      handlers.onSession(id, token);
      handlers.onStatus("online");
    });
    socket.on("bot_uttered", (data: unknown) => handlers.onBotMessage(data));
    socket.on("transcript", (data: unknown) => {
      const record = data as { session_id?: unknown } | null;
      if (record && record.session_id === this.sessionId) handlers.onTranscript(data);
    });
    socket.on(RETRY_EVENT, (data: unknown) => {
      const body = (data ?? {}) as { message_id?: unknown; retry_after?: unknown };
      const id = typeof body.message_id === "string" ? body.message_id : null;
      const after = typeof body.retry_after === "number" && body.retry_after > 0 ? body.retry_after : 1;
      handlers.onRetry(id, after);
    });
    socket.on("disconnect", (reason: string) => {
      this.confirmed = false;
      if (reason === "io client disconnect") return; // we closed it on purpose
      handlers.onStatus("offline");
      // The manager retries on its own except after a server-side disconnect.
      if (reason === "io server disconnect") socket.connect();
    });
    socket.on("connect_error", () => {
      this.confirmed = false;
      handlers.onStatus("offline");
    });

    handlers.onStatus("connecting");
    socket.connect();
  }

  /** Ask for the stored conversation again (answered by a `transcript` event). */
  sync(): boolean {
    if (!this.ready || !this.socket || !this.sessionId) return false;
    this.socket.emit("sync_request", { session_id: this.sessionId });
    return true;
  }

  /** Send a user message with its id (the same id when resending it); returns false
   * (message not sent) while not ready. */
  send(message: string, messageId: string): boolean {
    if (!this.ready || !this.socket || !this.sessionId) return false;
    this.socket.emit("user_uttered", {
      message,
      session_id: this.sessionId,
      [METADATA_KEY]: { ...this.options.metadata(), message_id: messageId },
    });
    return true;
  }

  stop(): void {
    this.socket?.disconnect();
    this.socket = null;
    this.confirmed = false;
  }
}
