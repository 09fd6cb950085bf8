// DOM construction. Every piece of bot or shopper text goes through textContent or
// element attributes set from validated values; nothing is ever assigned to innerHTML.

import { fill, type Strings } from "./i18n";
import type { QuickReply } from "./messages";
import type { StoredMessage } from "./storage";
import { type LinkPolicy, tokenize } from "./text";

type Attrs = Record<string, string>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child); // strings become text nodes
  return node;
}

function chatIcon(): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(ns, "path");
  path.setAttribute(
    "d",
    "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8.4L4 21.5V18a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z",
  );
  svg.append(path);
  return svg;
}

export interface WidgetDom {
  root: HTMLDivElement;
  launcher: HTMLButtonElement;
  badge: HTMLSpanElement;
  announcer: HTMLDivElement;
  panel: HTMLDivElement;
  close: HTMLButtonElement;
  status: HTMLDivElement;
  team: HTMLDivElement;
  log: HTMLDivElement;
  typing: HTMLDivElement;
  typingAnnouncement: HTMLDivElement;
  form: HTMLFormElement;
  input: HTMLInputElement;
}

export function buildDom(options: { title: string; subtitle: string; strings: Strings; idPrefix: string }): WidgetDom {
  const { strings: s, idPrefix } = options;
  const panelId = `${idPrefix}-panel`;
  const titleId = `${idPrefix}-title`;
  const inputId = `${idPrefix}-input`;

  const launcher = el("button", {
    type: "button",
    class: "sd-launcher",
    "aria-label": s.openChat,
    "aria-expanded": "false",
    "aria-controls": panelId,
  });
  launcher.append(chatIcon());
  const badge = el("span", { class: "sd-badge", "aria-hidden": "true" });
  badge.hidden = true;
  launcher.append(badge);
  // Outside the panel, so a reply is announced while the chat is closed too.
  const announcer = el("div", { class: "sd-visually-hidden", role: "status", "aria-live": "polite" });

  const close = el("button", { type: "button", class: "sd-close", "aria-label": s.closeChat }, "×");
  const titles = el("div", { class: "sd-titles" }, el("h2", { class: "sd-title", id: titleId }, options.title));
  if (options.subtitle) titles.append(el("p", { class: "sd-subtitle" }, options.subtitle));
  const header = el("div", { class: "sd-header" }, titles, close);

  const status = el("div", { class: "sd-status", role: "status", "aria-live": "polite" });
  const team = el("div", { class: "sd-team" }, s.withTeam);
  team.hidden = true;
  const log = el("div", {
    class: "sd-log",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-label": s.messages,
    tabindex: "0",
  });
  const typing = el(
    "div",
    { class: "sd-typing", "aria-hidden": "true" },
    el("span", { class: "sd-dot" }),
    el("span", { class: "sd-dot" }),
    el("span", { class: "sd-dot" }),
  );
  typing.hidden = true;
  const typingAnnouncement = el("div", { class: "sd-visually-hidden", role: "status", "aria-live": "polite" });

  const input = el("input", {
    id: inputId,
    class: "sd-input",
    type: "text",
    autocomplete: "off",
    maxlength: "1000",
    placeholder: s.placeholder,
    enterkeyhint: "send",
  });
  const form = el(
    "form",
    { class: "sd-form" },
    el("label", { for: inputId, class: "sd-visually-hidden" }, s.inputLabel),
    input,
    el("button", { type: "submit", class: "sd-send" }, s.send),
  );

  const panel = el(
    "div",
    { class: "sd-panel", id: panelId, role: "dialog", "aria-labelledby": titleId },
    header,
    status,
    team,
    log,
    typingAnnouncement,
    form,
  );
  panel.hidden = true;
  const root = el("div", { class: "sd-root" }, panel, launcher, announcer);
  return { root, launcher, badge, announcer, panel, close, status, team, log, typing, typingAnnouncement, form, input };
}

function textWithLinks(text: string, allowLink: LinkPolicy): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const token of tokenize(text, allowLink)) {
    if (token.kind === "text") {
      fragment.append(token.text);
    } else {
      fragment.append(
        el("a", { href: token.href, target: "_blank", rel: "noopener noreferrer nofollow" }, token.text),
      );
    }
  }
  return fragment;
}

/** Who a message is from, as the shopper reads it: "Sam (our team)", "Assistant", "You". */
export function senderLabel(message: StoredMessage, strings: Strings): string {
  if (message.from === "user") return strings.you;
  return message.author ? `${message.author} (${strings.ourTeam})` : strings.assistant;
}

export function announcement(message: StoredMessage, strings: Strings): string {
  return fill(strings.newMessageFrom, { from: senderLabel(message, strings) });
}

export function renderMessage(message: StoredMessage, strings: Strings, allowLink: LinkPolicy): HTMLElement {
  const from = senderLabel(message, strings);
  const agent = message.from === "bot" && !!message.author;
  const wrapper = el("div", {
    class: `sd-msg sd-msg-${message.from}${agent ? " sd-msg-agent" : ""}${message.pending ? " sd-msg-pending" : ""}`,
    "data-message-id": message.id,
    "data-from": agent ? "agent" : message.from,
  });
  if (agent) wrapper.append(el("div", { class: "sd-author", "aria-hidden": "true" }, from));
  if (message.text) {
    const bubble = el("div", { class: "sd-bubble" }, el("span", { class: "sd-visually-hidden" }, `${from}: `));
    bubble.append(textWithLinks(message.text, allowLink));
    wrapper.append(bubble);
  }
  if (message.imageUrl) {
    wrapper.append(el("img", { src: message.imageUrl, alt: "", loading: "lazy", referrerpolicy: "no-referrer" }));
  }
  if (message.pending) {
    wrapper.append(el("div", { class: "sd-note" }, strings.queued));
  }
  return wrapper;
}

export function renderQuickReplies(
  replies: QuickReply[],
  strings: Strings,
  onChoose: (reply: QuickReply) => void,
): HTMLElement {
  const group = el("div", { class: "sd-replies", role: "group", "aria-label": strings.suggestions });
  for (const reply of replies) {
    const button = el("button", { type: "button", class: "sd-reply" }, reply.title);
    button.addEventListener("click", () => onChoose(reply));
    group.append(button);
  }
  return group;
}
