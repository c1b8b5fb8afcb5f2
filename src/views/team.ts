// The Team page: one row fragment per agent, rendered the same for the page and for the htmx
// responses that change a row.
import type { Agent } from "../domain/agents";
import { roles } from "../domain/fields";
import { limits } from "../domain/limits";
import { avatar, type ConsoleContext, consolePage } from "./console";
import type { Translate } from "../i18n";
import { field, type FieldErrors, notice } from "./form";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { assignableRoles, mayChangeMember } from "../domain/permissions";

/** What can be done to another member, folded under "⋯" so the row fits beside its columns. */
function memberMenu(ctx: ConsoleContext, member: Agent): SafeHtml {
  const { t } = ctx;
  const row = `#agent-${member.id}`;
  const mayReset = mayChangeMember(ctx.agent, member);
  return html`<details class="row-menu" @click.outside="$el.open = false">
  <summary class="button secondary small" aria-label="${t("team.actionsFor", { name: member.displayName })}" title="${t("team.actions")}">${icon("ellipsis")}</summary>
  <div class="menu">
    ${
      mayReset
        ? html`<button type="button" class="secondary small" hx-post="/console/team/${member.id}/password" hx-target="${row}" hx-swap="outerHTML"
      hx-confirm="${t("team.resetConfirm", { name: member.displayName })}">${t("team.resetPassword")}</button>`
        : ""
    }
    ${
      member.disabled
        ? html`<button type="button" class="secondary small" hx-post="/console/team/${member.id}/enable" hx-target="${row}" hx-swap="outerHTML">${t("team.enable")}</button>`
        : html`<button type="button" class="danger small" hx-post="/console/team/${member.id}/disable" hx-target="${row}" hx-swap="outerHTML"
      hx-confirm="${t("team.disableConfirm", { name: member.displayName })}">${t("team.disable")}</button>`
    }
  </div>
</details>`;
}

/** `groupNames`: the member's groups; none means they answer every group. */
export function teamRow(ctx: ConsoleContext, member: Agent, groupNames: readonly string[], error?: string): SafeHtml {
  const { t } = ctx;
  const self = member.id === ctx.agent.id;
  return html`<tr id="agent-${member.id}">
  <td><span class="who">${avatar(member)} <span class="member-name"><span>${member.displayName} ${self ? html`<span class="badge">${t("team.you")}</span>` : ""}</span><small class="muted">${member.email}</small></span></span></td>
  <td>
    <select name="role" aria-label="${t("team.changeRole")}" hx-post="/console/team/${member.id}/role" hx-trigger="change" hx-target="#agent-${member.id}" hx-swap="outerHTML">
        ${roles.map((role) => html`<option value="${role}" ${role === member.role ? html`selected` : ""}>${t(`role.${role}`)}</option>`)}
    </select>
  </td>
  <td>${groupNames.length ? groupNames.map((name) => html`<span class="badge">${name}</span> `) : html`<span class="muted">${t("groups.everyGroup")}</span>`}</td>
  <td>
    <input class="capacity" name="capacity" inputmode="numeric" size="3" value="${member.maxConcurrentChats ?? ""}"
      placeholder="${ctx.business.maxConcurrentChats}" aria-label="${t("field.capacity")}" title="${t("team.capacityHint")}"
      hx-post="/console/team/${member.id}/capacity" hx-trigger="change" hx-target="#agent-${member.id}" hx-swap="outerHTML">
  </td>
  <td>${member.disabled ? html`<span class="badge off">${t("team.disabled")}</span>` : html`<span class="badge">${t("team.active")}</span>`}</td>
  <td class="row-actions">
    ${self ? "" : memberMenu(ctx, member)}
    ${error ? html`<p class="field-error" role="alert">${error}</p>` : ""}
  </td>
</tr>`;
}

export interface AddMemberState {
  values?: { name?: string; email?: string; role?: string };
  errors?: FieldErrors;
}

/**
 * A member's temporary password, shown once: after adding them or resetting theirs. Each stays
 * until dismissed or the page is left, so adding a second member keeps the first one's.
 */
export function passwordNotice(t: Translate, member: Pick<Agent, "id" | "displayName">, temporaryPassword: string, reason: "added" | "reset"): SafeHtml {
  const id = `temporary-password-${member.id}`;
  return html`<div class="notice ok password-notice" role="status" x-data="{ copied: false }">
  <p>${t(reason === "added" ? "team.added" : "team.passwordReset", { name: member.displayName })}</p>
  <p><code class="secret" id="${id}" x-ref="secret">${temporaryPassword}</code>
  <button type="button" class="secondary small" @click="navigator.clipboard.writeText($refs.secret.textContent); copied = true">
    ${icon("copy")} <span x-show="!copied">${t("team.copy")}</span><span x-show="copied" x-cloak>${t("team.copied")}</span>
  </button></p>
  <button type="button" class="dismiss" aria-label="${t("team.dismiss")}" title="${t("team.dismiss")}" @click="$root.remove()">${icon("x")}</button>
</div>`;
}

export function addMemberSection(ctx: ConsoleContext, state: AddMemberState = {}): SafeHtml {
  const { t } = ctx;
  const values = state.values ?? {};
  const errors = state.errors ?? {};
  const assignable = assignableRoles(ctx.agent, roles);
  return html`<section class="card panel" id="team-add">
  <h2>${t("team.add")}</h2>
  <form hx-post="/console/team" hx-target="#team-add" hx-swap="outerHTML" novalidate>
    ${field(t, errors, { name: "name", label: t("field.name"), value: values.name, required: true, maxlength: limits.nameLength })}
    ${field(t, errors, { name: "email", label: t("field.email"), type: "email", value: values.email, required: true, maxlength: limits.emailLength })}
    <label for="field-role">${t("field.role")}</label>
    <select id="field-role" name="role">
      ${assignable.map((role) => html`<option value="${role}" ${role === (values.role ?? "agent") ? html`selected` : ""}>${t(`role.${role}`)}</option>`)}
    </select>
    ${errors.role ? html`<p class="field-error">${t(errors.role.key)}</p>` : ""}
    ${errors.team ? notice("error", t(errors.team.key, errors.team.params)) : ""}
    <div class="actions"><button type="submit">${t("team.addSubmit")}</button></div>
  </form>
</section>`;
}

export function teamPage(ctx: ConsoleContext, members: Agent[], groupNames: ReadonlyMap<number, string[]>): SafeHtml {
  const { t } = ctx;
  return consolePage(
    ctx,
    "team",
    t("team.title"),
    html`<h1>${t("team.title")}</h1>
<div class="table-scroll"><table class="team-table">
  <thead><tr><th>${t("field.name")}</th><th>${t("field.role")}</th><th>${t("groups.title")}</th><th>${t("team.capacity")}</th><th>${t("team.status")}</th><th>${t("team.actions")}</th></tr></thead>
  <tbody id="team-rows">${members.map((member) => teamRow(ctx, member, groupNames.get(member.id) ?? []))}</tbody>
</table></div>
<div id="team-notices" class="panel team-notices"></div>
${addMemberSection(ctx)}`,
  );
}
