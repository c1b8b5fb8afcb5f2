import { describe, expect, it } from "bun:test";
import { qrSvg } from "../../src/views/qr";

/** Modules per side, quiet zone included, read from the viewBox. */
function sideOf(svg: string): number {
  const match = svg.match(/viewBox="0 0 (\d+) (\d+)"/);
  if (!match || match[1] !== match[2]) throw new Error(`no square viewBox in ${svg.slice(0, 120)}`);
  return Number(match[1]);
}

describe("qrSvg", () => {
  it("draws a square SVG image with the dark modules as one path inside a four-module quiet zone", () => {
    const svg = qrSvg("https://chat.example.com/chat/abc", "QR code").value;
    expect(svg).toStartWith('<svg xmlns="http://www.w3.org/2000/svg"');
    expect(svg).toContain('role="img"');
    expect(svg).toContain('aria-label="QR code"');
    expect(svg).toContain('shape-rendering="crispEdges"');
    expect(svg.match(/<path /g)).toHaveLength(1);
    // Version 2 or 3 for a short link: 25 or 29 modules, plus 4 on each side.
    expect([33, 37]).toContain(sideOf(svg));
    // The top-left finder pattern starts right after the quiet zone.
    expect(svg).toContain('d="M4 4h7v1h-7z');
  });

  it("grows with the text it holds", () => {
    const short = sideOf(qrSvg("https://a.example/chat/k").value);
    const long = sideOf(qrSvg(`https://a.example/chat/k?${"x".repeat(300)}`).value);
    expect(long).toBeGreaterThan(short);
  });

  it("encodes Chinese text as UTF-8, which takes more room than the same number of ASCII letters", () => {
    expect(sideOf(qrSvg("在线客服".repeat(20)).value)).toBeGreaterThan(sideOf(qrSvg("abcd".repeat(20)).value));
  });

  it("never puts the text it encodes into the markup, and escapes the label", () => {
    const svg = qrSvg('"><script>alert(1)</script>', '<img src=x onerror="alert(2)">').value;
    expect(svg).not.toContain("<script");
    expect(svg).not.toContain("alert(1)");
    expect(svg).not.toContain("<img");
    expect(svg).toContain('aria-label="&lt;img src=x onerror=&quot;alert(2)&quot;&gt;"');
  });
});
