// Links out of Kefu, to addresses from a visitor's browser or a host site (checked by webUrl in
// domain/fields.ts first).
import { html, type SafeHtml } from "./html";

// noreferrer: the agent console's address is nobody else's business.
export function outLink(href: string, text: string): SafeHtml {
  return html`<a href="${href}" target="_blank" rel="noopener noreferrer">${text}</a>`;
}

