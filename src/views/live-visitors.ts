// The live visitors page (在线访客): who is on the shop's site now, where, for how long, and
// whether someone talks with them; an agent can write first to one who is not in a chat. The
// list is one fragment that replaces itself every few seconds; the message form lives outside
// it, so a refresh never takes away what the agent is typing.
import { visitorName } from "./visitor-name";
import type { LiveVisitor } from "../domain/live-visitors";
import { limits, messageLimits } from "../domain/limits";
import type { Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { currentPage } from "./visitor-panel";
import { elapsed } from "./elapsed";

export const liveVisitorsRefreshSeconds = 5;


function chatCell(t: Translate, visitor: LiveVisitor, viewerId: number): SafeHtml {
  const conversation = visitor.conversation;
  if (!conversation) {
    return html`<button type="button" class="small" hx-get="/console/visitors/${visitor.id}/message" hx-target="#proactive-chat" hx-swap="innerHTML">${icon("send")} ${t("liveVisitors.start")}</button>`;
  }
  const text =
    conversation.status === "queued"
      ? t("liveVisitors.waiting")
      : conversation.agentId === viewerId
        ? t("liveVisitors.withYou")
        : t("liveVisitors.withAgent", { name: conversation.agentName ?? "" });
  return html`<a href="/console/conversations/${conversation.id}" class="chat-state ${conversation.status}">${text}</a>`;
}

function visitorRow(t: Translate, visitor: LiveVisitor, viewerId: number, now: number): SafeHtml {
  const hints = [visitor.language, visitor.timezone].filter(Boolean).join(" · ");
  return html`<tr id="live-visitor-${visitor.id}" data-visitor="${visitor.id}">
  <td><span class="dot online" aria-hidden="true"></span> <strong>${visitorName(t, visitor)}</strong></td>
  <td class="live-page">${currentPage(visitor) ?? html`<span class="muted">${t("liveVisitors.unknownPage")}</span>`}</td>
  <td><time class="on-site" datetime="${new Date(visitor.onlineSince).toISOString()}" data-local>${elapsed(t, visitor.onlineSince, now)}</time></td>
  <td class="muted">${hints}</td>
  <td>${chatCell(t, visitor, viewerId)}</td>
</tr>`;
}

/** The list as it is now; it asks for itself again every few seconds while the tab is visible. */
export function liveVisitorsList(t: Translate, live: { total: number; visitors: LiveVisitor[] }, viewerId: number, now: number = Date.now()): SafeHtml {
  return html`<div id="live-visitors" hx-get="/console/visitors/list" hx-trigger="every ${liveVisitorsRefreshSeconds}s [document.visibilityState === 'visible']" hx-swap="outerHTML">
  <p class="live-count" role="status"><span class="dot online" aria-hidden="true"></span> ${t("liveVisitors.count", { n: live.total })}${
    live.total > live.visitors.length ? html` <span class="muted">${t("liveVisitors.showingNewest", { n: live.visitors.length })}</span>` : ""
  }</p>
  ${
    live.visitors.length
      ? html`<div class="table-scroll"><table class="live-visitors">
    <thead><tr>
      <th scope="col">${t("liveVisitors.visitor")}</th>
      <th scope="col">${t("liveVisitors.page")}</th>
      <th scope="col">${t("liveVisitors.onSite")}</th>
      <th scope="col">${t("liveVisitors.where")}</th>
      <th scope="col">${t("liveVisitors.chat")}</th>
    </tr></thead>
    <tbody>${live.visitors.map((visitor) => visitorRow(t, visitor, viewerId, now))}</tbody>
  </table></div>`
      : html`<div class="empty">${icon("eye")}<p>${t("liveVisitors.none")}</p></div>`
  }
</div>`;
}

/** The first message to a visitor; refused, it comes back with the reason and the text kept. */
export function proactiveForm(
  t: Translate,
  visitor: { id: number; name: string | null; currentPage: string | null; pageTitle: string | null },
  state: { clientId: string; body?: string; problem?: string },
): SafeHtml {
  const page = currentPage(visitor);
  return html`<form class="card proactive-form" x-data hx-post="/console/visitors/${visitor.id}/message" hx-target="#proactive-chat" hx-swap="innerHTML">
  <h2>${t("liveVisitors.writeTo", { name: visitorName(t, visitor) })}</h2>
  ${page ? html`<p class="muted">${t("liveVisitors.page")}: ${page}</p>` : ""}
  <input type="hidden" name="clientId" value="${state.clientId}">
  <label for="proactive-body">${t("liveVisitors.message")}</label>
  <textarea id="proactive-body" name="body" rows="3" required maxlength="${messageLimits.bodyLength}" placeholder="${t("liveVisitors.placeholder")}"
    ${state.problem ? html`aria-invalid="true" aria-describedby="proactive-error"` : ""} autofocus>${state.body ?? ""}</textarea>
  ${state.problem ? html`<p class="field-error" id="proactive-error" role="alert">${state.problem}</p>` : ""}
  <p class="muted">${t("liveVisitors.opensWidget")}</p>
  <div class="actions">
    <button type="submit">${icon("send")} ${t("liveVisitors.send")}</button>
    <button type="button" class="secondary" @click="$el.closest('form').remove()">${t("liveVisitors.cancel")}</button>
  </div>
</form>`;
}

export function liveVisitorsPage(ctx: ConsoleContext, live: { total: number; visitors: LiveVisitor[] }): SafeHtml {
  const { t } = ctx;
  return consolePage(
    ctx,
    "liveVisitors",
    t("nav.liveVisitors"),
    html`<div class="live-visitors-page">
  <div>
    <h1>${t("nav.liveVisitors")}</h1>
    <p class="muted">${t("liveVisitors.intro", { seconds: liveVisitorsRefreshSeconds, max: limits.liveVisitorsShown })}</p>
    ${liveVisitorsList(t, live, ctx.agent.id)}
  </div>
  <div id="proactive-chat" aria-live="polite"></div>
</div>`,
  );
}
