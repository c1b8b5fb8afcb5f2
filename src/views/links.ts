// Addresses that came from a visitor's browser or a host site become links or images only when
// they are http(s): a `javascript:` or `data:` URL stays inert text.
import { html, type SafeHtml } from "./html";

/** The URL itself if it is http(s), else null; a string that is not a URL is null too. */
export function webUrl(value: string | null | undefined, schemes: readonly string[] = ["http:", "https:"]): string | null {
  if (!value) return null;
  try {
    return schemes.includes(new URL(value).protocol) ? value : null;
  } catch {
    return null;
  }
}

// noreferrer: the agent console's address is nobody else's business.
export function outLink(href: string, text: string): SafeHtml {
  return html`<a href="${href}" target="_blank" rel="noopener noreferrer">${text}</a>`;
}

