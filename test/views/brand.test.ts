import { describe, expect, it } from "bun:test";
import { brandColors, brandStyle, contrastRatio } from "../../src/views/brand";

describe("the shop's colour", () => {
  it("puts white text on a dark colour and near-black text on a light one", () => {
    expect(brandColors("#1e3a8a").onBrand).toBe("#ffffff");
    expect(brandColors("#fde047").onBrand).toBe("#111111");
    expect(brandColors("#ffffff").onBrand).toBe("#111111");
  });

  it("always gives text on the colour at least the contrast of large text (3:1)", () => {
    for (const color of ["#2563eb", "#fde047", "#22c55e", "#f97316", "#ec4899", "#777777", "#000000", "#ffffff"]) {
      const { brand, onBrand } = brandColors(color);
      expect(contrastRatio(brand, onBrand)).toBeGreaterThanOrEqual(3);
    }
  });

  it("darkens a pale colour until links in it read on white (4.5:1), and keeps a dark one as it is", () => {
    const pale = brandColors("#fde047");
    expect(contrastRatio(pale.ink, "#ffffff")).toBeGreaterThanOrEqual(4.5);
    expect(pale.ink).not.toBe("#fde047");
    expect(brandColors("#1e3a8a").ink).toBe("#1e3a8a");
  });

  it("falls back to the default for a stored value that is not #rrggbb, so nothing else reaches a style attribute", () => {
    expect(brandColors("red;background:url(x)").brand).toBe("#2563eb");
    expect(brandStyle("#ABCDEF")).toBe(`--brand:#abcdef;--on-brand:#111111;--brand-ink:${brandColors("#abcdef").ink}`);
  });
});
