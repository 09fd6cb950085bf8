// Turns bot text into plain-text and link tokens. Nothing here produces HTML: the view
// builds DOM nodes from these tokens with textContent, so untrusted text cannot inject markup.

export type TextToken = { kind: "text"; text: string } | { kind: "link"; text: string; href: string };

const ALLOWED_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** The normalised URL if it is an absolute http(s)/mailto URL, else null (javascript:, data:, ...). */
export function safeHref(candidate: string): string | null {
  let url: URL;
  try {
    url = new URL(candidate.trim());
  } catch {
    return null;
  }
  return ALLOWED_PROTOCOLS.has(url.protocol) ? url.href : null;
}

// [label](url) markdown links, or bare http(s) URLs.
const LINK = /\[([^\]\n]{1,200})\]\(([^()\s]{1,2000})\)|(https?:\/\/[^\s<>"'`]+)/g;
const TRAILING_PUNCTUATION = /[.,;:!?'")\]]+$/;

function trimBareUrl(url: string): [string, string] {
  const match = url.match(TRAILING_PUNCTUATION);
  if (!match) return [url, ""];
  let tail = match[0];
  let body = url.slice(0, url.length - tail.length);
  // Keep a closing parenthesis that balances one inside the URL (e.g. Wikipedia links).
  while (tail.startsWith(")") && (body.match(/\(/g) ?? []).length > (body.match(/\)/g) ?? []).length) {
    body += ")";
    tail = tail.slice(1);
  }
  return [body, tail];
}

/** Which http(s) links may be shown as links; everything else is rendered as plain text. */
export type LinkPolicy = (href: string) => boolean;

const ANY_LINK: LinkPolicy = () => true;

/**
 * A policy allowing http(s) links only to `domains` and their subdomains ("ups.com" allows
 * www.ups.com, not evil-ups.com). mailto: links are always allowed: they leave no page.
 */
export function allowDomains(domains: readonly string[]): LinkPolicy {
  const allowed = domains.map((d) => d.toLowerCase().replace(/^\.+|\.+$/g, "")).filter(Boolean);
  return (href: string) => {
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      return false;
    }
    if (url.protocol === "mailto:") return true;
    const host = url.hostname.toLowerCase().replace(/\.$/, "");
    return allowed.some((domain) => host === domain || host.endsWith(`.${domain}`));
  };
}

export function tokenize(text: string, allowLink: LinkPolicy = ANY_LINK): TextToken[] {
  const tokens: TextToken[] = [];
  const pushText = (t: string) => {
    if (!t) return;
    const last = tokens[tokens.length - 1];
    if (last && last.kind === "text") last.text += t;
    else tokens.push({ kind: "text", text: t });
  };
  let cursor = 0;
  for (const match of text.matchAll(LINK)) {
    const start = match.index ?? 0;
    pushText(text.slice(cursor, start));
    if (match[1] !== undefined && match[2] !== undefined) {
      const href = safeHref(match[2]);
      if (href && allowLink(href)) tokens.push({ kind: "link", text: match[1], href });
      else pushText(match[0]); // unsafe, relative or foreign target: the markdown as typed
    } else {
      const [url, tail] = trimBareUrl(match[3] ?? "");
      const href = safeHref(url);
      if (href && allowLink(href)) tokens.push({ kind: "link", text: url, href });
      else pushText(url);
      pushText(tail);
    }
    cursor = start + match[0].length;
  }
  pushText(text.slice(cursor));
  return tokens;
}
