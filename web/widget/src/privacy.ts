// Hides card numbers, security codes and passwords in what the widget shows and keeps in the
// browser's storage (the shopper's own bubble and transcript). The server masks what it
// stores with the same rules (common/masking.py); test/masking-cases.json is checked
// against both implementations.

// No lookbehind: Safari before 16.4 cannot even parse it. The character before a match is
// captured instead and put back.
// Between a card's digits: spaces (also no-break, narrow, thin), dashes, dots and zero-width
// characters, up to two.
const GAP = "[ \\u00a0\\u2007\\u2009\\u202f.\\u2010\\u2011\\u2012\\u2013\\-]|[\\u200b\\u200c\\u200d\\u2060\\ufeff]";
const SEPARATOR = new RegExp(GAP);
const CARD_CANDIDATE = new RegExp(`(^|[^\\d.-])(\\d(?:(?:${GAP}){0,2}\\d){12,18})(?![\\d-])`, "g");
const IBAN_CANDIDATE = /(^|[^A-Za-z0-9])([A-Za-z]{2}\d{2}(?:[ \u00a0]?[A-Za-z0-9]){11,30})(?![A-Za-z0-9])/g;
const SECURITY_CODE =
  /(\b(?:cvv2?|cvc2?|cid|csc|security code|card verification (?:code|value))\b[^\d\n]{0,12})(\d{3,4})\b/gi;
const CODE_AFTER_CARD = /(^|[^\d/.:-])\d{3,4}(?![\d/.:-])/g;
const EXPIRY_AFTER_CARD = /(^|[^\d/])(?:0?[1-9]|1[0-2])\s?\/\s?(?:\d{2}|20\d{2})(?![\d/])/g;
// "pass" and "pw" are ordinary words ("pass it on") unless a value follows "is" or ":".
const SECRET =
  /(\b(?:password|passwd|passcode|passwort|pwd|pin)\b\s*(?:is|was|:|=)?\s*[:=]?\s*|\b(?:pass|pw)\b\s*(?:is|was|:|=)\s*[:=]?\s*)([^\s,;]+)/gi;
const MASKED = "[masked]";

export function luhnValid(digits: string): boolean {
  let total = 0;
  for (let i = 0; i < digits.length; i++) {
    let value = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) value = value > 4 ? value * 2 - 9 : value * 2;
    total += value;
  }
  return total % 10 === 0;
}

/** ISO 13616 check: the number with its first four characters moved to the end is 1 mod 97. */
export function ibanValid(compact: string): boolean {
  if (compact.length < 15 || compact.length > 34 || !/^[A-Z0-9]+$/.test(compact)) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = parseInt(char, 36);
    remainder = value > 9 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

function maskIban(candidate: string): string {
  // The whole run, else the longest prefix ending at a space ("DE89 ... 00 thanks").
  const ends = [candidate.length];
  for (let i = candidate.length - 1; i >= 0; i--) if (/\s/.test(candidate.charAt(i))) ends.push(i);
  for (const end of ends) {
    const compact = candidate.slice(0, end).replace(/\s/g, "").toUpperCase();
    if (ibanValid(compact)) return `[IBAN ending ${compact.slice(-4)}]${candidate.slice(end)}`;
  }
  return candidate;
}

function maskCard(candidate: string, found: { card: boolean }): string {
  // The whole run, else the longest prefix ending at a separator ("<card> 123" is a card
  // followed by its code).
  const ends = [candidate.length];
  for (let i = candidate.length - 1; i >= 0; i--) if (SEPARATOR.test(candidate.charAt(i))) ends.push(i);
  for (const end of ends) {
    const digits = candidate.slice(0, end).replace(/\D/g, "");
    if (digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) {
      found.card = true;
      return `[card number ending ${digits.slice(-4)}]${candidate.slice(end)}`;
    }
  }
  return candidate;
}

/** `text` with card numbers, security codes and passwords masked. */
export function maskSecrets(text: string): string {
  const found = { card: false };
  let out = text.replace(IBAN_CANDIDATE, (_m, before: string, run: string) => before + maskIban(run));
  out = out.replace(CARD_CANDIDATE, (_m, before: string, run: string) => before + maskCard(run, found));
  if (found.card) {
    const cut = out.lastIndexOf("]") + 1;
    const tail = out
      .slice(cut)
      .replace(EXPIRY_AFTER_CARD, (_m, before: string) => before + MASKED)
      .replace(CODE_AFTER_CARD, (_m, before: string) => before + MASKED);
    out = out.slice(0, cut) + tail;
  }
  out = out.replace(SECURITY_CODE, (_m, label: string) => `${label}${MASKED}`);
  return out.replace(SECRET, (_m, label: string) => `${label}${MASKED}`);
}
