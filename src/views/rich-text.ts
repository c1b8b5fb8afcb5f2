// Message text is stored as typed and escaped when shown; only http(s) URLs become links, so
// `javascript:` and `data:` never do (invariant 5). Line breaks are kept by CSS (pre-wrap).
import { html, type SafeHtml } from "./html";

const url = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]}。，！？）]/gi;

export function richText(text: string): SafeHtml {
  const parts: SafeHtml[] = [];
  let last = 0;
  for (const match of text.matchAll(url)) {
    parts.push(html`${text.slice(last, match.index)}`);
    parts.push(html`<a href="${match[0]}" target="_blank" rel="noopener nofollow ugc">${match[0]}</a>`);
    last = match.index + match[0].length;
  }
  parts.push(html`${text.slice(last)}`);
  return html`${parts}`;
}
