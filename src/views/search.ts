// The search page: messages and visitors of the agent's business that contain what was typed,
// each message with the words highlighted and a link into its conversation at that message.
// Highlighting is done here, on the escaped text: <mark> is ours, everything else is the
// visitor's or agent's words passed through `html`, so a message can never add markup.
import { visitorName } from "./visitor-name";
import type { MessageResults, VisitorHit } from "../domain/search";
import { limits } from "../domain/limits";
import type { Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { messageDomId, messageTime } from "./message";

export interface SearchState {
  /** What was typed, as typed (shown back in the box). */
  q: string;
  /** Why the query was refused, in words for the agent; nothing was searched. */
  error: string | null;
  terms: string[];
  results: MessageResults;
  visitors: VisitorHit[];
  /** The page's own cursor: set on "more" pages, where visitors are not listed again. */
  before: number | null;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * About `radius` characters each side of the first match, the matches marked. Case-insensitive
 * like the index; a body without a match (it cannot happen, but) shows its beginning.
 */
export function highlightedSnippet(body: string, terms: string[], radius = 70): SafeHtml {
  const text = body.replace(/\s+/g, " ").trim();
  if (terms.length === 0) return html`${text.slice(0, radius * 2)}`;
  const pattern = new RegExp(terms.map(escapeRegExp).join("|"), "giu");
  const first = pattern.exec(text);
  pattern.lastIndex = 0;
  let start = Math.max(0, (first?.index ?? 0) - radius);
  let end = Math.min(text.length, (first ? first.index + first[0].length : 0) + radius);
  // Never split a character made of two UTF-16 units.
  if (start > 0 && /[\uDC00-\uDFFF]/.test(text[start]!)) start--;
  if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end++;
  const window = text.slice(start, end);
  const pieces: SafeHtml[] = [];
  let at = 0;
  for (const match of window.matchAll(pattern)) {
    pieces.push(html`${window.slice(at, match.index)}<mark>${match[0]}</mark>`);
    at = match.index + match[0].length;
  }
  pieces.push(html`${window.slice(at)}`);
  return html`${start > 0 ? "…" : ""}${pieces}${end < text.length ? "…" : ""}`;
}


/** Where a result opens: its conversation, scrolled to the message (the fragment works without scripts too). */
export function messageLink(hit: { conversationId: number; id: number; clientId: string }): string {
  return `/console/conversations/${hit.conversationId}?at=${hit.id}#${messageDomId(hit.clientId)}`;
}

function searchUrl(q: string, before: number): string {
  return `/console/search?${new URLSearchParams({ q, before: String(before) })}`;
}

function hitItem(t: Translate, hit: MessageResults["hits"][number], terms: string[]): SafeHtml {
  const who = hit.sender === "visitor" ? t("search.fromVisitor") : (hit.agentName ?? t("search.fromAgent"));
  return html`<li class="search-hit">
  <a href="${messageLink(hit)}">
    <span class="search-hit-head"><strong>${visitorName(t, { id: hit.visitorId, name: hit.visitorName })}</strong>
      <span class="muted">${who}</span> <span class="muted when">${messageTime(hit.createdAt)}</span></span>
    <span class="snippet">${highlightedSnippet(hit.body, terms)}</span>
  </a>
</li>`;
}

/** The results after the first page: what "more" appends, ending with the next "more". */
export function searchMore(ctx: ConsoleContext, state: SearchState): SafeHtml {
  const { t } = ctx;
  const { results } = state;
  const more =
    results.next === null
      ? ""
      : html`<li class="more" id="search-more-item">
  ${results.windowEnded ? html`<p class="muted">${t("search.windowEnded", { count: limits.shortSearchWindow.toLocaleString(ctx.locale) })}</p>` : ""}
  <a class="button secondary" id="search-more" href="${searchUrl(state.q, results.next)}" hx-get="${searchUrl(state.q, results.next)}" hx-target="#search-more-item" hx-swap="outerHTML">${t(results.windowEnded ? "search.further" : "search.more")}</a>
</li>`;
  return html`${results.hits.map((hit) => hitItem(t, hit, state.terms))}${more}`;
}

function visitorItem(t: Translate, visitor: VisitorHit): SafeHtml {
  return html`<li class="search-visitor">
  <a href="/console/conversations/${visitor.conversationId}">${icon("user")} <strong>${visitorName(t, visitor)}</strong>
    ${visitor.email ? html`<span class="muted">${visitor.email}</span>` : ""} ${visitor.phone ? html`<span class="muted">${visitor.phone}</span>` : ""}</a>
</li>`;
}

export function searchPage(ctx: ConsoleContext, state: SearchState): SafeHtml {
  const { t } = ctx;
  const searched = state.error === null && state.terms.length > 0;
  const nothing = searched && state.results.hits.length === 0 && state.visitors.length === 0 && state.results.next === null;
  return consolePage(
    ctx,
    "search",
    state.q ? t("search.titleFor", { q: state.q }) : t("search.title"),
    html`<div class="search-page">
<h1>${t("search.title")}</h1>
<form class="search-form" method="get" action="/console/search" role="search">
  <input type="search" name="q" value="${state.q}" maxlength="${limits.searchQueryLength}" aria-label="${t("search.label")}" placeholder="${t("search.placeholder")}"
    ${state.error ? html`aria-invalid="true" aria-describedby="search-error"` : ""} autofocus>
  <button type="submit">${icon("search")} ${t("search.submit")}</button>
</form>
${state.error ? html`<p class="field-error" id="search-error" role="alert">${state.error}</p>` : ""}
${searched ? "" : html`<p class="muted">${t("search.hint")}</p>`}
${nothing ? html`<p class="empty-results">${t("search.none", { q: state.q })}</p>` : ""}
${
  searched && state.visitors.length
    ? html`<h2>${t("search.visitors")}</h2>
<ul class="search-visitors">${state.visitors.map((visitor) => visitorItem(t, visitor))}</ul>`
    : ""
}
${
  searched && (state.results.hits.length || state.results.next !== null)
    ? html`<h2>${t("search.messages")}</h2>
<ol class="search-hits" id="search-hits">${searchMore(ctx, state)}</ol>`
    : ""
}
${searched && state.terms.some((term) => Array.from(term).length < 3) ? html`<p class="muted small">${t("search.shortHint", { count: limits.shortSearchWindow.toLocaleString(ctx.locale) })}</p>` : ""}
</div>`,
  );
}

/**
 * Marks the message a search result opened: scrolled to the middle of the thread once the page
 * has loaded (after chat.js has scrolled to the end) and highlighted. Alpine attributes only;
 * the CSP allows no inline script.
 */
export function foundMessageMarker(domId: string): SafeHtml {
  return html`<span hidden data-found="${domId}" x-data x-init="document.getElementById($el.dataset.found)?.classList.add('found')"
  @load.window="document.getElementById($el.dataset.found)?.scrollIntoView({ block: 'center' })"></span>`;
}

/** In place of the composer when the thread shown stops before its newest messages. */
export function olderPartNotice(t: Translate, latestUrl: string): SafeHtml {
  return html`<div class="older-part" role="status">${icon("history")} <span>${t("search.olderPart")}</span>
  <a class="button" href="${latestUrl}">${t("search.toLatest")}</a></div>`;
}
