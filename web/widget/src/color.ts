// WCAG 2.x contrast maths, so host-chosen colours still produce readable text.

export function parseHex(hex: string): [number, number, number] {
  let h = hex.replace("#", "");
  if (h.length === 3) h = h.split("").map((c) => c + c).join("");
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

export function relativeLuminance(hex: string): number {
  const linear = (v: number) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = parseHex(hex);
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

export function contrastRatio(a: string, b: string): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

export const DARK_TEXT = "#111827";
export const LIGHT_TEXT = "#ffffff";

/**
 * The text colour with the higher contrast on `background`: white or a soft near-black,
 * falling back to pure black for mid-tones (white or black always reach 4.5:1).
 */
export function readableTextOn(background: string): string {
  const light = contrastRatio(background, LIGHT_TEXT);
  if (light >= contrastRatio(background, DARK_TEXT)) return light >= 4.5 ? LIGHT_TEXT : "#000000";
  return contrastRatio(background, DARK_TEXT) >= 4.5 ? DARK_TEXT : "#000000";
}

/** `preferred` if it reaches AA contrast (4.5:1) on `background`, else a safe fallback. */
export function accessibleAccent(preferred: string, background: string): string {
  if (contrastRatio(preferred, background) >= 4.5) return preferred;
  return readableTextOn(background) === DARK_TEXT ? "#1e40af" : "#bfdbfe";
}
