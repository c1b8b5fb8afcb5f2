// The blacklist (黑名单) for owners and admins: who is blocked, why, by whom; undo with a click.
import type { listBlocked } from "../domain/visitors";
import type { Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { html, type SafeHtml } from "./html";
import { visitorName } from "./workspace";

type Blocked = ReturnType<typeof listBlocked>[number];

export function blockedRow(t: Translate, { visitor, blockedByName }: Blocked): SafeHtml {
  return html`<tr id="blocked-${visitor.id}">
  <td>${visitorName(t, visitor)}</td>
  <td>${visitor.blockedReason ?? ""}</td>
  <td>${blockedByName ?? ""}</td>
  <td><button class="secondary small" hx-post="/console/blocked/${visitor.id}/unblock" hx-target="#blocked-${visitor.id}" hx-swap="delete">${t("workspace.unblock")}</button></td>
</tr>`;
}

export function blockedPage(ctx: ConsoleContext, rows: Blocked[]): SafeHtml {
  const { t } = ctx;
  return consolePage(
    ctx,
    "settings",
    t("blocked.title"),
    html`<h1>${t("blocked.title")}</h1>
${
  rows.length
    ? html`<div class="table-scroll"><table>
  <thead><tr><th>${t("blocked.visitor")}</th><th>${t("blocked.reason")}</th><th>${t("blocked.by")}</th><th>${t("team.actions")}</th></tr></thead>
  <tbody>${rows.map((row) => blockedRow(t, row))}</tbody>
</table></div>`
    : html`<p class="muted">${t("blocked.empty")}</p>`
}`,
  );
}
