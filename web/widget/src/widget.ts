// The widget controller: wires storage, the Rasa connection and the view together.

import { accessibleAccent, readableTextOn } from "./color";
import type { WidgetConfig } from "./config";
import { RasaConnection, type ConnectionStatus } from "./connection";
import { fill, stringsFor, type Strings } from "./i18n";
import { normaliseBotMessage, type ChatState, type QuickReply } from "./messages";
import { maskSecrets } from "./privacy";
import { ConversationStore, randomId, type StoredMessage } from "./storage";
import { allowDomains, type LinkPolicy } from "./text";
import { buildCss } from "./styles";
import { mergeTranscript, parseTranscript, unseenReplies } from "./transcript";
import { announcement, buildDom, renderMessage, renderQuickReplies, type WidgetDom } from "./view";

const TYPING_TIMEOUT_MS = 20000;
// While a person has the conversation the widget also re-syncs this often: an agent's reply
// pushed through another Rasa instance than the one holding this connection (several
// instances behind a balancer) still arrives.
const TEAM_SYNC_MS = 10000;

// A message the server asked to retry is resent after 1, 2, 4, ... seconds (at most 10); the
// shopper is told the chat is reconnecting from the third attempt on.
const RETRIES_BEFORE_TELLING = 3;
const MAX_RETRY_DELAY_SECONDS = 10;

export class ShopdeskWidget {
  readonly host: HTMLElement;
  private readonly dom: WidgetDom;
  private readonly strings: Strings;
  // Links only to the store (this page's host) and the configured carriers; others are text.
  private readonly allowLink: LinkPolicy;
  private readonly store: ConversationStore;
  private connection: RasaConnection | null = null;
  private identityToken: string | null;
  private typingTimer: number | undefined;
  private status: ConnectionStatus | null = null;
  /** Resends of a message the server asked to retry, by message id (for the backoff). */
  private retries = new Map<string, number>();
  // When the current re-sync was asked for: what is newer than that stays after it.
  private syncSince = 0;
  private teamSync: number | undefined;

  // The page's language: the `locale` setting, else <html lang>; sent with every message
  // so the assistant answers in it ("" when the page says nothing: the assistant detects).
  private readonly locale: string;

  constructor(private readonly config: WidgetConfig) {
    this.locale = config.locale || document.documentElement.lang.trim();
    this.strings = stringsFor(this.locale || "en");
    this.allowLink = allowDomains([window.location.hostname, ...config.linkDomains]);
    this.identityToken = config.identityToken;
    this.store = new ConversationStore({ prefix: `${config.storageKey}:${config.serverUrl}` });

    // A custom element name: host-page rules written for div/section/... never match it.
    this.host = document.createElement("shopdesk-widget");
    this.host.setAttribute("data-shopdesk", "");
    const shadow = this.host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    const { primary, background } = config.colors;
    style.textContent = buildCss(
      {
        primary,
        onPrimary: readableTextOn(primary),
        background,
        text: readableTextOn(background),
        accent: accessibleAccent(primary, background),
      },
      config.position,
    );
    this.dom = buildDom({
      title: config.title,
      subtitle: config.subtitle,
      strings: this.strings,
      idPrefix: `sd-${randomId().slice(0, 8)}`,
    });
    this.dom.root.lang = this.locale || "en";
    shadow.append(style, this.dom.root);
    this.bindEvents();
  }

  mount(parent: HTMLElement = document.body): void {
    parent.append(this.host);
    this.renderTranscript();
    this.renderChatState();
    this.renderUnread();
    // A conversation in progress stays open across reloads and store navigation; one that
    // is closed stays connected, so replies (from our team too) reach it and are announced.
    if (this.store.isOpen() || this.config.openOnLoad) this.open({ focus: false });
    else if (this.store.sessionId()) this.connect();
  }

  // ----- public API ---------------------------------------------------------------

  open(options: { focus?: boolean } = {}): void {
    const { panel, launcher, root, input } = this.dom;
    panel.hidden = false;
    root.classList.add("sd-open");
    launcher.setAttribute("aria-expanded", "true");
    this.store.setOpen(true);
    this.store.setUnread(0);
    this.renderUnread();
    if (this.store.messages().length === 0 && this.config.greeting) {
      this.addMessage({ id: randomId(), from: "bot", text: this.config.greeting, at: Date.now(), local: true });
    }
    this.scrollToEnd();
    this.connect();
    if (options.focus !== false) input.focus();
  }

  close(): void {
    const { panel, launcher, root } = this.dom;
    panel.hidden = true;
    root.classList.remove("sd-open");
    launcher.setAttribute("aria-expanded", "false");
    this.store.setOpen(false);
    launcher.focus();
  }

  /** Replace the identity token, e.g. after the shopper logs in without a page load. */
  setIdentityToken(token: string | null): void {
    this.identityToken = token;
  }

  /** Send a message as if the shopper typed it. */
  send(text: string, display: string = text): void {
    const trimmed = text.trim();
    if (!trimmed) return;
    // Card numbers and passwords are hidden in the bubble and the stored transcript; the
    // server masks what it stores too, and tells the shopper not to share them.
    const hasSecret = maskSecrets(trimmed) !== trimmed;
    const shown = maskSecrets(display.trim() || trimmed);
    const message: StoredMessage = { id: randomId(), from: "user", text: shown, at: Date.now() };
    if (shown !== trimmed) message.payload = trimmed;
    this.connect();
    if (this.connection?.send(trimmed, message.id)) {
      if (hasSecret) delete message.payload; // sent: nothing to keep it for
      this.addMessage({ ...message, awaiting: true });
      this.expectReply();
    } else {
      // Offline: queue it (persisted, so it even survives a reload) and send on reconnect.
      this.addMessage({ ...message, pending: true });
    }
  }

  // ----- internals ----------------------------------------------------------------

  private bindEvents(): void {
    const { launcher, close, form, input, panel } = this.dom;
    launcher.addEventListener("click", () => (this.dom.panel.hidden ? this.open() : this.close()));
    close.addEventListener("click", () => this.close());
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        this.close();
      }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value;
      input.value = "";
      this.send(text);
      input.focus();
    });
    // Another tab of the same store recorded a message: show the shared transcript.
    window.addEventListener("storage", (event) => {
      if (event.key === this.store.transcriptKey) this.renderTranscript();
      else this.renderChatState();
    });
  }

  private connect(): void {
    if (this.connection) return;
    this.connection = new RasaConnection({
      serverUrl: this.config.serverUrl,
      socketPath: this.config.socketPath,
      sessionId: this.store.sessionId(),
      sessionToken: this.store.sessionToken(),
      metadata: () => this.metadata(),
      handlers: {
        onStatus: (status) => this.setStatus(status),
        onSession: (id, token) => {
          this.store.setSessionId(id);
          if (token) this.store.setSessionToken(token);
          this.syncSince = Date.now();
          this.resendAwaiting();
          this.flushQueue();
        },
        onBotMessage: (data) => this.receive(data),
        onTranscript: (data) => this.resync(data),
        onRetry: (messageId, afterSeconds) => this.retryLater(messageId, afterSeconds),
      },
    });
    this.connection.start();
  }

  private metadata(): Record<string, unknown> {
    const data: Record<string, unknown> = {};
    if (this.locale) data.locale = this.locale;
    if (this.identityToken) data.identity_token = this.identityToken;
    return data;
  }

  /** After a reconnect: messages sent but never answered go again with the same id (the
   * server answers a handled one with its earlier replies, and runs nothing twice). */
  private resendAwaiting(): void {
    for (const sent of this.store.messages()) {
      if (sent.awaiting && !sent.pending) this.connection?.send(sent.payload ?? sent.text ?? "", sent.id);
    }
  }

  /** The server could not take a message now: send it again after a growing delay, and say
   * "reconnecting" only if it keeps failing. */
  private retryLater(messageId: string | null, afterSeconds: number): void {
    const sent = this.store.messages().find((m) => m.id === messageId && m.from === "user");
    if (!sent || !messageId) return;
    const attempt = (this.retries.get(messageId) ?? 0) + 1;
    this.retries.set(messageId, attempt);
    if (attempt >= RETRIES_BEFORE_TELLING) this.dom.status.textContent = this.strings.offline;
    const delay = Math.min(MAX_RETRY_DELAY_SECONDS, afterSeconds * 2 ** (attempt - 1));
    window.setTimeout(() => {
      this.connection?.send(sent.payload ?? sent.text ?? "", messageId);
    }, delay * 1000);
  }

  private flushQueue(): void {
    for (const queued of this.store.pending()) {
      if (!this.connection?.send(queued.payload ?? queued.text ?? "", queued.id)) return;
      const sentSecret = queued.payload !== undefined && maskSecrets(queued.payload) !== queued.payload;
      const sent = { pending: false, awaiting: true, at: Date.now() };
      this.store.update(queued.id, sentSecret ? { ...sent, payload: undefined } : sent);
      this.expectReply();
    }
    this.renderTranscript();
  }

  private receive(data: unknown): void {
    const bot = normaliseBotMessage(data);
    if (!bot) return;
    this.showTyping(false);
    for (const sent of this.store.messages()) {
      if (sent.awaiting) this.store.update(sent.id, { awaiting: false });
    }
    if (this.retries.size) {
      this.retries.clear();
      if (this.status === "online") this.dom.status.textContent = "";
    }
    if (bot.state) this.setChatState(bot.state);
    const message: StoredMessage = {
      id: bot.id ?? randomId(),
      from: "bot",
      text: bot.text,
      imageUrl: bot.imageUrl,
      quickReplies: bot.quickReplies,
      at: Date.now(),
    };
    if (bot.author) message.author = bot.author;
    // Every tab of the session gets each message; the first to store it shows it, the
    // others re-read storage. A message seen before (a re-sync, a resend) is not shown again.
    if (this.addMessage(message)) this.noteUnread([message]);
  }

  /** The server's transcript after a (re)connect: merge, and show what was missed. */
  private resync(data: unknown): void {
    const transcript = parseTranscript(data);
    if (!transcript) return;
    const local = this.store.messages();
    const missed = transcript.messages.filter((m) => m.from === "bot" && !local.some((l) => l.id === m.id));
    this.store.save(mergeTranscript(local, transcript.messages, this.syncSince));
    this.setChatState(transcript.state);
    this.renderTranscript();
    if (unseenReplies(local, transcript.messages) > 0) this.noteUnread(missed);
  }

  /** While the panel is closed, replies count as unread and the newest is announced. */
  private noteUnread(messages: StoredMessage[]): void {
    const last = messages[messages.length - 1];
    if (!last || last.from !== "bot") return;
    if (!this.dom.panel.hidden) return;
    this.store.setUnread(this.store.unread() + messages.filter((m) => m.from === "bot").length);
    this.renderUnread();
    this.dom.announcer.textContent = announcement(last, this.strings);
  }

  private renderUnread(): void {
    const count = this.store.unread();
    const { badge, launcher } = this.dom;
    badge.hidden = count === 0;
    badge.textContent = count > 99 ? "99+" : String(count);
    const name = this.strings.openChat;
    launcher.setAttribute("aria-label", count ? `${name} (${fill(this.strings.unread, { count })})` : name);
  }

  private setChatState(state: ChatState): void {
    if (state === this.store.chatState()) return;
    this.store.setChatState(state);
    this.renderChatState();
  }

  private renderChatState(): void {
    const withTeam = this.store.chatState() === "with_team";
    this.dom.team.hidden = !withTeam;
    if (withTeam) this.showTyping(false);
    if (withTeam && this.teamSync === undefined) {
      this.teamSync = window.setInterval(() => {
        this.syncSince = Date.now();
        this.connection?.sync();
      }, TEAM_SYNC_MS);
    } else if (!withTeam && this.teamSync !== undefined) {
      window.clearInterval(this.teamSync);
      this.teamSync = undefined;
    }
  }

  /** After the shopper's message: the assistant's typing dots, unless a person has the
   * conversation (their answer may take a while; the assistant stays quiet). */
  private expectReply(): void {
    if (this.store.chatState() !== "with_team") this.showTyping(true);
  }

  private addMessage(message: StoredMessage): boolean {
    if (!this.store.append(message)) return false;
    this.retireQuickReplies();
    this.dom.log.insertBefore(renderMessage(message, this.strings, this.allowLink), this.dom.typing.parentNode ? this.dom.typing : null);
    this.renderQuickRepliesFor(message);
    this.scrollToEnd();
    return true;
  }

  private renderTranscript(): void {
    const { log, typing } = this.dom;
    log.replaceChildren();
    for (const message of this.store.messages()) {
      log.append(renderMessage(message, this.strings, this.allowLink));
      this.renderQuickRepliesFor(message);
    }
    log.append(typing);
    this.scrollToEnd();
  }

  private renderQuickRepliesFor(message: StoredMessage): void {
    if (!message.quickReplies?.length || message.repliesDone) return;
    const group = renderQuickReplies(message.quickReplies, this.strings, (reply) => this.choose(message, reply));
    group.setAttribute("data-for", message.id);
    this.dom.log.insertBefore(group, this.dom.typing.parentNode ? this.dom.typing : null);
  }

  private choose(message: StoredMessage, reply: QuickReply): void {
    this.store.update(message.id, { repliesDone: true });
    this.retireQuickReplies();
    this.send(reply.payload, reply.title);
    // The clicked button is gone; keep keyboard users in the conversation.
    this.dom.input.focus();
  }

  private retireQuickReplies(): void {
    for (const group of Array.from(this.dom.log.querySelectorAll(".sd-replies"))) group.remove();
  }

  private showTyping(on: boolean): void {
    const { typing, typingAnnouncement } = this.dom;
    window.clearTimeout(this.typingTimer);
    typing.hidden = !on;
    typingAnnouncement.textContent = on ? this.strings.typing : "";
    if (on) {
      this.dom.log.append(typing);
      this.scrollToEnd();
      this.typingTimer = window.setTimeout(() => this.showTyping(false), TYPING_TIMEOUT_MS);
    }
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.status) return;
    const wasOffline = this.status === "offline";
    this.status = status;
    const text = status === "offline" ? this.strings.offline : status === "connecting" && wasOffline ? this.strings.connecting : "";
    this.dom.status.textContent = text;
    this.host.setAttribute("data-status", status);
    if (status === "offline") this.showTyping(false);
  }

  private scrollToEnd(): void {
    const { log } = this.dom;
    log.scrollTop = log.scrollHeight;
  }
}
