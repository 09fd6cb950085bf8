// Hides card numbers, security codes and passwords in what the widget shows and keeps in the
// browser's storage (the shopper's own bubble and transcript). The server masks what it
// stores with the same rules (common/masking.py); test/masking-cases.json is checked
// against both implementations.

// No lookbehind: Safari before 16.4 cannot even parse it. The character before a match is
// captured instead and put back.
const CARD_CANDIDATE = /(^|[^\d-])(\d(?:[ -]?\d){12,18})(?![\d-])/g;
const SECURITY_CODE =
  /(\b(?:cvv2?|cvc2?|cid|csc|security code|card verification (?:code|value))\b[^\d\n]{0,12})(\d{3,4})\b/gi;
const CODE_AFTER_CARD = /(^|[^\d/.:-])\d{3,4}(?![\d/.:-])/g;
const EXPIRY_AFTER_CARD = /(^|[^\d/])(?:0?[1-9]|1[0-2])\s?\/\s?(?:\d{2}|20\d{2})(?![\d/])/g;
const SECRET = /(\b(?:password|passwd|passcode|passwort|pwd|pin)\b\s*(?:is|was|:|=)?\s*[:=]?\s*)([^\s,;]+)/gi;
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

function maskCard(candidate: string, found: { card: boolean }): string {
  // The whole run, else the longest prefix ending at a separator ("<card> 123" is a card
  // followed by its code).
  const ends = [candidate.length];
  for (let i = candidate.length - 1; i >= 0; i--) if (candidate[i] === " " || candidate[i] === "-") ends.push(i);
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
  let out = text.replace(CARD_CANDIDATE, (_m, before: string, run: string) => before + maskCard(run, found));
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
