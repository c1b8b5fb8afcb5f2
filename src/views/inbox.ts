// The offline-messages inbox (留言): what visitors left while the chat was offline, newest first,
// each with its contact links and what an agent can do about it.
import type { InboxEntry } from "../domain/offline-messages";
import { type ConsoleContext, consolePage } from "./console";
import { html, type SafeHtml } from "./html";
import { messageTime } from "./message";

export interface InboxState {
  handled: boolean;
  entries: InboxEntry[];
  /** The id to page on from ("older messages"), or null on the last page. */
  next: number | null;
}

function offlineMessageDomId(id: number): string {
  return `offline-message-${id}`;
}

// Phone numbers are checked to digits, spaces, + - ( ) and dots when left; a dialer wants only + and digits.
const telUrl = (phone: string) => `tel:${phone.replace(/[^\d+]/g, "")}`;
const mailtoUrl = (email: string) => `mailto:${encodeURIComponent(email).replace("%40", "@")}`;

export function inboxEntry(ctx: ConsoleContext, entry: InboxEntry): SafeHtml {
  const { t } = ctx;
  const id = offlineMessageDomId(entry.id);
  return html`<article class="card offline-message" id="${id}">
  <header>
    <strong>${entry.name ?? t("inbox.noName")}</strong>
    ${messageTime(entry.createdAt)}
    ${entry.handled ? html`<span class="badge">${t("inbox.handledBy", { name: entry.handledByName ?? "?" })}</span>` : ""}
  </header>
  ${
    entry.phone || entry.email
      ? html`<p class="contact">
    ${entry.phone ? html`<a href="${telUrl(entry.phone)}">${entry.phone}</a>` : ""}
    ${entry.email ? html`<a href="${mailtoUrl(entry.email)}">${entry.email}</a>` : ""}
  </p>`
      : ""
  }
  <p class="body">${entry.body}</p>
  <div class="actions">
    ${
      entry.handled
        ? ""
        : html`<button type="button" class="secondary small" hx-post="/console/inbox/${entry.id}/handled" hx-target="#${id}" hx-swap="outerHTML">${t("inbox.markHandled")}</button>`
    }
    ${
      entry.visitorId === null
        ? ""
        : html`<form method="post" action="/console/inbox/${entry.id}/reply" class="inline"><button type="submit" class="small">${t("inbox.reply")}</button></form>`
    }
  </div>
</article>`;
}

export function inboxPage(ctx: ConsoleContext, state: InboxState): SafeHtml {
  const { t } = ctx;
  const here = state.handled ? "/console/inbox?handled=1" : "/console/inbox";
  return consolePage(
    ctx,
    "inbox",
    t("inbox.title"),
    html`<h1>${t("inbox.title")}</h1>
<nav class="tabs" aria-label="${t("inbox.title")}">
  <a href="/console/inbox" ${state.handled ? "" : html`aria-current="page"`}>${t("inbox.waiting")}</a>
  <a href="/console/inbox?handled=1" ${state.handled ? html`aria-current="page"` : ""}>${t("inbox.handled")}</a>
</nav>
<div id="offline-messages" class="offline-messages">
  ${state.entries.length ? state.entries.map((entry) => inboxEntry(ctx, entry)) : html`<p class="muted">${t(state.handled ? "inbox.noneHandled" : "inbox.empty")}</p>`}
</div>
${state.next === null ? "" : html`<p><a href="${here}${state.handled ? "&" : "?"}before=${state.next}">${t("inbox.older")}</a></p>`}`,
  );
}
