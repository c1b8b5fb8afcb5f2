// The shop's colour on Kefu's pages, with text that stays readable on it: a shop may pick a pale
// yellow as easily as a navy blue. Contrast is WCAG 2's, computed from relative luminance.

export const defaultBrandColor = "#2563eb";

export interface BrandColors {
  /** The shop's colour, as saved (#rrggbb), or the default when the stored value is not one. */
  brand: string;
  /** Text on the brand colour: white or near-black, whichever contrasts more. */
  onBrand: string;
  /** The brand colour darkened until it reads as text (links) on white, at WCAG AA (4.5:1). */
  ink: string;
}

const hexColor = /^#[0-9a-f]{6}$/i;

function channels(hex: string): [number, number, number] {
  return [1, 3, 5].map((start) => Number.parseInt(hex.slice(start, start + 2), 16)) as [number, number, number];
}

function luminance([r, g, b]: readonly number[]): number {
  const linear = (value: number) => {
    const c = value / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r!) + 0.7152 * linear(g!) + 0.0722 * linear(b!);
}

/** WCAG contrast ratio of two #rrggbb colours, from 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [light, dark] = [luminance(channels(a)), luminance(channels(b))].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

const toHex = (rgb: readonly number[]) => `#${rgb.map((value) => Math.round(value).toString(16).padStart(2, "0")).join("")}`;

export function brandColors(stored: string): BrandColors {
  // Checked as #rrggbb when saved; anything else falls back rather than reach a style attribute.
  const brand = hexColor.test(stored) ? stored.toLowerCase() : defaultBrandColor;
  const onBrand = contrastRatio(brand, "#ffffff") >= contrastRatio(brand, "#111111") ? "#ffffff" : "#111111";
  let rgb = channels(brand);
  // Toward black in small steps: the hue stays the shop's while the text becomes readable.
  for (let step = 0; step < 40 && contrastRatio(toHex(rgb), "#ffffff") < 4.5; step++) rgb = rgb.map((value) => value * 0.93) as typeof rgb;
  return { brand, onBrand, ink: toHex(rgb) };
}

/** CSS custom properties for a style attribute: --brand, --on-brand and --brand-ink. */
export function brandStyle(stored: string): string {
  const { brand, onBrand, ink } = brandColors(stored);
  return `--brand:${brand};--on-brand:${onBrand};--brand-ink:${ink}`;
}
