// The Groups page (owners and admins): add, rename and delete groups, choose their members, and
// switch the visitor's group picker on or off.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { listAgents } from "../domain/agents";
import { NotFoundError, ValidationError } from "../domain/errors";
import { createGroup, deleteGroup, listGroups, renameGroup, setGroupMembers, setGroupPicker } from "../domain/groups";
import type { Hub } from "../realtime/hub";
import type { ConsoleContext } from "../views/console";
import { type GroupCardState, type GroupsContext, createGroupSection, groupCard, groupList, groupPickerSection, groupsPage } from "../views/groups";
import { html } from "../views/html";
import { consoleContext, managersOnly } from "./console-context";
import { chatPageUrl } from "./visitor-cookie";

const groupParams = t.Object({ id: t.Numeric({ minimum: 1 }) });

export function groupRoutes(deps: AppDeps, hub: Hub) {
  const { db, config } = deps;

  function groupsContext(ctx: ConsoleContext, request: Request): GroupsContext {
    return {
      agents: listAgents(db, ctx.agent.businessId).filter((agent) => !agent.disabled),
      chatPage: chatPageUrl(config, request, ctx.business.widgetKey),
    };
  }

  function card(ctx: ConsoleContext, request: Request, groupId: number, state?: GroupCardState) {
    const group = listGroups(db, ctx.agent.businessId).find((candidate) => candidate.id === groupId);
    if (!group) throw new NotFoundError("group");
    return groupCard(ctx, groupsContext(ctx, request), group, state);
  }

  /** Applies a change to one group and shows its card saved, or with what was typed and what is wrong. */
  function changeCard(
    ctx: ConsoleContext,
    request: Request,
    set: { status?: number | string },
    groupId: number,
    typed: Omit<GroupCardState, "errors" | "saved">,
    change: () => void,
  ) {
    try {
      change();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      set.status = 422;
      return card(ctx, request, groupId, { ...typed, errors: error.fields });
    }
    return card(ctx, request, groupId, { saved: true });
  }

  return new Elysia()
    .use(consoleContext(deps))
    .onBeforeHandle(managersOnly)
    .get("/console/groups", ({ ctx, request }) => groupsPage(ctx, groupsContext(ctx, request), listGroups(db, ctx.agent.businessId)))
    .post(
      "/console/groups",
      ({ ctx, body, request, set }) => {
        try {
          createGroup(db, ctx.agent, body.name);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return createGroupSection(ctx, { name: body.name, errors: error.fields });
        }
        return html`${createGroupSection(ctx)}
<hx-partial hx-target="#group-list" hx-swap="outerHTML">${groupList(ctx, groupsContext(ctx, request), listGroups(db, ctx.agent.businessId))}</hx-partial>`;
      },
      { body: t.Object({ name: t.String({ maxLength: 1000 }) }) },
    )
    .post(
      "/console/groups/picker",
      ({ ctx, body }) => groupPickerSection({ ...ctx, business: setGroupPicker(db, ctx.agent, body.groupPicker === "on") }, true),
      // An unticked checkbox sends nothing.
      { body: t.Object({ groupPicker: t.Optional(t.Literal("on")) }) },
    )
    .post(
      "/console/groups/:id/name",
      ({ ctx, params, body, request, set }) =>
        changeCard(ctx, request, set, params.id, { name: body.name }, () => renameGroup(db, ctx.agent, params.id, body.name)),
      { params: groupParams, body: t.Object({ name: t.String({ maxLength: 1000 }) }) },
    )
    .post(
      "/console/groups/:id/members",
      ({ ctx, params, body, request, set }) => {
        const agentIds = body.agentIds ?? [];
        return changeCard(ctx, request, set, params.id, { agentIds }, () => setGroupMembers(db, hub, ctx.agent, params.id, agentIds));
      },
      // No box ticked sends no field at all: the group then has no members.
      { params: groupParams, body: t.Object({ agentIds: t.Optional(t.Array(t.Numeric({ minimum: 1 }), { maxItems: 1000 })) }) },
    )
    .post(
      "/console/groups/:id/delete",
      ({ ctx, params, request }) => {
        deleteGroup(db, hub, ctx.agent, params.id);
        return groupList(ctx, groupsContext(ctx, request), listGroups(db, ctx.agent.businessId));
      },
      { params: groupParams },
    );
}
