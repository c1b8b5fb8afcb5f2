// The Team page (owners and admins): add members, change roles, disable and enable.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { type Agent, addAgent, changeRole, findAgent, listAgents, resetPassword, setAgentCapacity, setAgentDisabled } from "../domain/agents";
import { problemOf, RuleError, ValidationError } from "../domain/errors";
import { groupNamesByAgent } from "../domain/groups";
import { addMemberSection, passwordNotice, teamPage, teamRow } from "../views/team";
import { html } from "../views/html";
import type { Hub } from "../realtime/hub";
import type { ConsoleContext } from "../views/console";
import { consoleContext, managersOnly } from "./console-context";
import { roles } from "../domain/fields";
import { assignableRoles } from "../domain/permissions";

const memberParams = t.Object({ id: t.Numeric({ minimum: 1 }) });

export function teamRoutes(deps: AppDeps, hub: Hub) {
  const { db } = deps;
  return new Elysia()
    .use(consoleContext(deps))
    .onBeforeHandle(managersOnly)
    .get("/console/team", ({ ctx }) =>
      teamPage(ctx, listAgents(db, ctx.agent.businessId), groupNamesByAgent(db, ctx.agent.businessId)),
    )
    .post(
      "/console/team",
      async ({ ctx, body, set }) => {
        if (body.role === "owner" && !assignableRoles(ctx.agent, roles).includes("owner")) {
          set.status = 422;
          return addMemberSection(ctx, { values: body, errors: { role: { key: "team.ownerByAdmin" } } });
        }
        try {
          const { agent, temporaryPassword } = await addAgent(
            db,
            { businessId: ctx.agent.businessId, email: body.email, name: body.name, role: body.role },
            ctx.agent,
          );
          return html`${addMemberSection(ctx)}
<hx-partial hx-target="#team-notices" hx-swap="beforeend">${passwordNotice(ctx.t, agent, temporaryPassword!, "added")}</hx-partial>
<hx-partial hx-target="#team-rows" hx-swap="beforeend">${teamRow(ctx, agent, [])}</hx-partial>`;
        } catch (error) {
          // The shop's member limit: said above the button, the form kept as typed.
          if (error instanceof RuleError) {
            set.status = 409;
            return addMemberSection(ctx, { values: body, errors: { team: error.problem } });
          }
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return addMemberSection(ctx, { values: body, errors: error.fields });
        }
      },
      {
        body: t.Object({
          name: t.String({ maxLength: 1000 }),
          email: t.String({ maxLength: 1000 }),
          role: t.String({ maxLength: 20 }),
        }),
      },
    )
    .post(
      "/console/team/:id/role",
      ({ ctx, params, body, set }) =>
        changeRowOrExplain(ctx, params.id, set, () => changeRole(db, ctx.agent, params.id, body.role)),
      { params: memberParams, body: t.Object({ role: t.String({ maxLength: 20 }) }) },
    )
    .post(
      "/console/team/:id/capacity",
      ({ ctx, params, body, set }) => {
        const text = body.capacity.trim();
        // Empty means "the business default"; anything else must be a whole number in range.
        const capacity = text === "" ? null : /^\d+$/.test(text) ? Number(text) : Number.NaN;
        return changeRowOrExplain(ctx, params.id, set, () => setAgentCapacity(db, hub, ctx.agent, params.id, capacity));
      },
      { params: memberParams, body: t.Object({ capacity: t.String({ maxLength: 20 }) }) },
    )
    .post(
      "/console/team/:id/password",
      async ({ ctx, params, set }) => {
        try {
          const { agent, temporaryPassword } = await resetPassword(db, hub, ctx.agent, params.id);
          return html`${teamRow(ctx, agent, groupNames(ctx, agent.id))}
<hx-partial hx-target="#team-notices" hx-swap="beforeend">${passwordNotice(ctx.t, agent, temporaryPassword, "reset")}</hx-partial>`;
        } catch (error) {
          return unchangedRow(ctx, params.id, set, error);
        }
      },
      { params: memberParams },
    )
    .post(
      "/console/team/:id/disable",
      ({ ctx, params, set }) =>
        changeRowOrExplain(ctx, params.id, set, () => setAgentDisabled(db, hub, ctx.agent, params.id, true)),
      { params: memberParams },
    )
    .post(
      "/console/team/:id/enable",
      ({ ctx, params, set }) => changeRowOrExplain(ctx, params.id, set, () => setAgentDisabled(db, hub, ctx.agent, params.id, false)),
      { params: memberParams },
    );

  function groupNames(ctx: ConsoleContext, agentId: number): string[] {
    return groupNamesByAgent(db, ctx.agent.businessId).get(agentId) ?? [];
  }

  /** Renders the changed row; when a rule refuses the change, the unchanged row says why. */
  function changeRowOrExplain(ctx: ConsoleContext, agentId: number, set: { status?: number | string }, change: () => Agent) {
    try {
      return teamRow(ctx, change(), groupNames(ctx, agentId));
    } catch (error) {
      return unchangedRow(ctx, agentId, set, error);
    }
  }

  function unchangedRow(ctx: ConsoleContext, agentId: number, set: { status?: number | string }, error: unknown) {
    if (!(error instanceof RuleError || error instanceof ValidationError)) throw error;
    const problem = problemOf(error);
    set.status = error instanceof RuleError ? 409 : 422;
    return teamRow(ctx, findAgent(db, ctx.agent.businessId, agentId), groupNames(ctx, agentId), ctx.t(problem.key, problem.params));
  }
}
