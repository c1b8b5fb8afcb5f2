// The blacklist (黑名单) for owners and admins: who is blocked and which addresses, why, by whom;
// undo with a click, or block an address by hand.
import type { listBlockedIps } from "../domain/blocked-ips";
import { limits } from "../domain/limits";
import type { listBlocked } from "../domain/visitors";
import type { Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { field, type FieldErrors } from "./form";
import { html, type SafeHtml } from "./html";
import { when } from "./time";
import { visitorName } from "./visitor-name";

type Blocked = ReturnType<typeof listBlocked>[number];
type BlockedIpRow = ReturnType<typeof listBlockedIps>[number];

export const blockedIpsSectionId = "blocked-ips";

export interface BlockIpState {
  values?: { ip?: string; reason?: string };
  errors?: FieldErrors;
}

export function blockedRow(t: Translate, { visitor, blockedByName }: Blocked): SafeHtml {
  return html`<tr id="blocked-${visitor.id}">
  <td>${visitorName(t, visitor)}</td>
  <td>${visitor.blockedReason ?? ""}</td>
  <td>${blockedByName ?? ""}</td>
  <td><button class="secondary small" hx-post="/console/blocked/${visitor.id}/unblock" hx-target="#blocked-${visitor.id}" hx-swap="delete">${t("workspace.unblock")}</button></td>
</tr>`;
}

function blockedIpRow(t: Translate, { blockedIp, blockedByName }: BlockedIpRow): SafeHtml {
  return html`<tr id="blocked-ip-${blockedIp.id}">
  <td><code>${blockedIp.ip}</code></td>
  <td>${blockedIp.reason ?? ""}</td>
  <td>${blockedByName ?? ""}</td>
  <td>${when(blockedIp.createdAt, "")}</td>
  <td><button class="secondary small" hx-post="/console/blocked/ips/${blockedIp.id}/unblock" hx-target="#${blockedIpsSectionId}" hx-swap="outerHTML">${t("workspace.unblock")}</button></td>
</tr>`;
}

/** The blocked addresses and the form that adds one; the response to every change replaces it. */
export function blockedIpsSection(ctx: ConsoleContext, rows: BlockedIpRow[], state: BlockIpState = {}): SafeHtml {
  const { t } = ctx;
  const values = state.values ?? {};
  const errors = state.errors ?? {};
  return html`<section id="${blockedIpsSectionId}">
  <h2>${t("blocked.ips")}</h2>
  <p class="muted">${t("blocked.ipsIntro")}</p>
  ${
    rows.length
      ? html`<div class="table-scroll"><table>
    <thead><tr><th>${t("blocked.ip")}</th><th>${t("blocked.reason")}</th><th>${t("blocked.by")}</th><th>${t("blocked.when")}</th><th>${t("team.actions")}</th></tr></thead>
    <tbody>${rows.map((row) => blockedIpRow(t, row))}</tbody>
  </table></div>`
      : html`<p class="muted">${t("blocked.ipsEmpty")}</p>`
  }
  <form class="card panel" hx-post="/console/blocked/ips" hx-target="#${blockedIpsSectionId}" hx-swap="outerHTML" novalidate>
    ${field(t, errors, { name: "ip", label: t("blocked.ip"), value: values.ip, required: true, maxlength: limits.ipLength })}
    ${field(t, errors, { name: "reason", label: t("workspace.blockReason"), value: values.reason, maxlength: limits.blockReasonLength })}
    <div class="actions"><button class="danger" type="submit">${t("blocked.blockIp")}</button></div>
  </form>
</section>`;
}

export function blockedPage(ctx: ConsoleContext, rows: Blocked[], ipRows: BlockedIpRow[]): SafeHtml {
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
}
${blockedIpsSection(ctx, ipRows)}`,
  );
}
