// QR codes for chat links, drawn here as SVG: no third-party QR service ever sees a shop's links.
import qrcode from "qrcode-generator";
import { html, type SafeHtml } from "./html";

/** White modules around the code; scanners need four (ISO/IEC 18004). */
const quietZone = 4;

/**
 * The QR code of `text` (error correction M, the smallest version that holds it) as one <path>
 * of its dark modules. Throws if the text is too long for any QR version (about 2,300 bytes).
 */
export function qrSvg(text: string, label = ""): SafeHtml {
  const code = qrcode(0, "M");
  // The library turns each UTF-16 unit into one byte, which mangles anything past Latin-1;
  // give it the UTF-8 bytes, one per character, so phones read back the text as written.
  code.addData(String.fromCharCode(...new TextEncoder().encode(text)), "Byte");
  code.make();
  const count = code.getModuleCount();
  let path = "";
  for (let row = 0; row < count; row++) {
    // One rectangle per run of dark modules in a row keeps the path short.
    for (let col = 0; col < count; col++) {
      if (!code.isDark(row, col)) continue;
      let run = 1;
      while (col + run < count && code.isDark(row, col + run)) run++;
      path += `M${col + quietZone} ${row + quietZone}h${run}v1h-${run}z`;
      col += run - 1;
    }
  }
  const size = count + 2 * quietZone;
  return html`<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 ${size} ${size}" role="img" ${label ? html`aria-label="${label}"` : ""} shape-rendering="crispEdges"><rect width="${size}" height="${size}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`;
}
