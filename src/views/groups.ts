// The Groups page (owners and admins): one card per group (name, member picker, chat link,
// delete), a form to add a group, and the switch for the visitor's group picker. Each part is a
// fragment that the htmx response re-renders on its own.
import type { Agent } from "../domain/agents";
import type { GroupWithMembers } from "../domain/groups";
import { limits } from "../domain/limits";
import { type ConsoleContext, consolePage } from "./console";
import { copyLink, field, type FieldErrors, notice } from "./form";
import { html, type SafeHtml } from "./html";

/** What every group card needs besides its group. */
export interface GroupsContext {
  /** The active agents: the member picker's choices. */
  agents: Pick<Agent, "id" | "displayName">[];
  /** The shop's chat page; a group's link adds `?group=<id>`. */
  chatPage: string;
}

export interface GroupCardState {
  name?: string;
  agentIds?: number[];
  errors?: FieldErrors;
  saved?: boolean;
}

export function groupCard(ctx: ConsoleContext, page: GroupsContext, group: GroupWithMembers, state: GroupCardState = {}): SafeHtml {
  const { t } = ctx;
  const errors = state.errors ?? {};
  const id = `group-${group.id}`;
  const chosen = new Set(state.agentIds ?? group.members.map((member) => member.id));
  return html`<section class="card panel" id="${id}">
  ${state.saved ? notice("ok", t("settings.saved")) : ""}
  <form class="inline-form" hx-post="/console/groups/${group.id}/name" hx-target="#${id}" hx-swap="outerHTML" novalidate>
    ${field(t, errors, { id: `${id}-name`, name: "name", label: t("groups.name"), value: state.name ?? group.name, required: true, maxlength: limits.groupNameLength })}
    <button type="submit" class="secondary">${t("groups.rename")}</button>
  </form>
  <form hx-post="/console/groups/${group.id}/members" hx-target="#${id}" hx-swap="outerHTML">
    <fieldset class="member-picker">
      <legend>${t("groups.members", { count: group.memberCount })}</legend>
      ${page.agents.map(
        (agent) => html`<label class="check"><input type="checkbox" name="agentIds" value="${agent.id}" ${chosen.has(agent.id) ? html`checked` : ""}> ${agent.displayName}</label>`,
      )}
    </fieldset>
    ${errors.agentIds ? html`<p class="field-error" role="alert">${t(errors.agentIds.key, errors.agentIds.params)}</p>` : ""}
    ${group.memberCount ? "" : html`<p class="muted">${t("groups.membersHint")}</p>`}
    <div class="actions"><button type="submit" class="secondary">${t("groups.membersSubmit")}</button></div>
  </form>
  ${copyLink(t, { id: `${id}-link`, label: t("groups.chatLink"), url: `${page.chatPage}?group=${group.id}` })}
  <div class="actions">
    <button class="danger small" hx-post="/console/groups/${group.id}/delete" hx-target="#group-list" hx-swap="outerHTML"
      hx-confirm="${t("groups.deleteConfirm", { name: group.name })}">${t("groups.delete")}</button>
  </div>
</section>`;
}

export function groupList(ctx: ConsoleContext, page: GroupsContext, groups: GroupWithMembers[]): SafeHtml {
  return html`<div id="group-list">${
    groups.length ? groups.map((group) => groupCard(ctx, page, group)) : html`<p class="muted panel">${ctx.t("groups.none")}</p>`
  }</div>`;
}

export function createGroupSection(ctx: ConsoleContext, state: { name?: string; errors?: FieldErrors } = {}): SafeHtml {
  const { t } = ctx;
  return html`<section class="card panel" id="group-create">
  <h2>${t("groups.create")}</h2>
  <form class="inline-form" hx-post="/console/groups" hx-target="#group-create" hx-swap="outerHTML" novalidate>
    ${field(t, state.errors ?? {}, { name: "name", label: t("groups.name"), value: state.name, required: true, maxlength: limits.groupNameLength })}
    <button type="submit">${t("groups.createSubmit")}</button>
  </form>
</section>`;
}

export function groupPickerSection(ctx: ConsoleContext, saved = false): SafeHtml {
  const { t } = ctx;
  return html`<section class="card panel" id="group-picker">
  ${saved ? notice("ok", t("settings.saved")) : ""}
  <form hx-post="/console/groups/picker" hx-target="#group-picker" hx-swap="outerHTML">
    <label class="check"><input type="checkbox" name="groupPicker" value="on" ${ctx.business.groupPicker ? html`checked` : ""}> ${t("groups.picker")}</label>
    <p class="muted">${t("groups.pickerHint")}</p>
    <div class="actions"><button type="submit">${t("settings.submit")}</button></div>
  </form>
</section>`;
}

export function groupsPage(ctx: ConsoleContext, page: GroupsContext, groups: GroupWithMembers[]): SafeHtml {
  const { t } = ctx;
  return consolePage(
    ctx,
    "groups",
    t("groups.title"),
    html`<h1>${t("groups.title")}</h1>
<p class="muted panel">${t("groups.intro")}</p>
${groupList(ctx, page, groups)}
${createGroupSection(ctx)}
${groupPickerSection(ctx)}`,
  );
}
