// A date and time in a table cell (when a token was made, when an address was blocked).
import { html, type SafeHtml } from "./html";

export function when(at: number | null, never: string): SafeHtml {
  if (at === null) return html`${never}`;
  const iso = new Date(at).toISOString();
  // data-local: chat.js rewrites unmarked <time>s to a time of day, which would drop the date.
  return html`<time datetime="${iso}" data-local>${iso.slice(0, 16).replace("T", " ")} UTC</time>`;
}
