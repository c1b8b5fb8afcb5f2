// Live visitors (在线访客) and proactive chat, for every agent of the business: the page, the list
// it refreshes itself with, and the first message to a visitor, which starts a conversation that
// is the agent's and takes the agent to it.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { NotFoundError, problemOf, RuleError, ValidationError } from "../domain/errors";
import { liveVisitors, startProactiveChat } from "../domain/live-visitors";
import { randomToken } from "../domain/tokens";
import { findVisitor } from "../domain/visitors";
import type { Hub } from "../realtime/hub";
import type { ConsoleContext } from "../views/console";
import { liveVisitorsList, liveVisitorsPage, proactiveForm } from "../views/live-visitors";
import { consoleContext, redirectTo } from "./console-context";

const visitorParams = t.Object({ id: t.Numeric({ minimum: 1 }) });

export function liveVisitorRoutes(deps: AppDeps, hub: Hub) {
  const { db } = deps;
  const live = (ctx: ConsoleContext) =>
    liveVisitors(db, ctx.agent.businessId, hub.visitors.onlineIds(), (id) => hub.visitors.onlineSince(id));

  function visitorOf(ctx: ConsoleContext, visitorId: number) {
    const visitor = findVisitor(db, ctx.agent.businessId, visitorId);
    if (!visitor) throw new NotFoundError("visitor");
    return visitor;
  }

  return new Elysia()
    .use(consoleContext(deps))
    .get("/console/visitors", ({ ctx }) => liveVisitorsPage(ctx, live(ctx)))
    .get("/console/visitors/list", ({ ctx }) => liveVisitorsList(ctx.t, live(ctx), ctx.agent.id))
    .get(
      "/console/visitors/:id/message",
      // A fresh client id per form: posting it twice (a double click) starts one conversation.
      ({ ctx, params }) => proactiveForm(ctx.t, visitorOf(ctx, params.id), { clientId: randomToken(12) }),
      { params: visitorParams },
    )
    .post(
      "/console/visitors/:id/message",
      ({ ctx, params, body, request, set }) => {
        const visitor = visitorOf(ctx, params.id);
        const clientId = body.clientId ?? randomToken(12);
        try {
          const { conversation } = startProactiveChat(db, hub, ctx.agent, visitor.id, { clientId, body: body.body });
          return redirectTo(request, `/console/conversations/${conversation.id}`);
        } catch (error) {
          if (!(error instanceof ValidationError || error instanceof RuleError)) throw error;
          set.status = error instanceof RuleError ? 409 : 422;
          const problem = problemOf(error);
          return proactiveForm(ctx.t, visitor, { clientId, body: body.body, problem: ctx.t(problem.key, problem.params) });
        }
      },
      { params: visitorParams, body: t.Object({ body: t.String({ maxLength: 20_000 }), clientId: t.Optional(t.String({ maxLength: 100 })) }) },
    );
}
