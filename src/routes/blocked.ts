// The blacklist page (owners and admins): blocked visitors and blocked IP addresses.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { blockIp, listBlockedIps, unblockIp } from "../domain/blocked-ips";
import { ValidationError } from "../domain/errors";
import { listBlocked, unblockVisitor } from "../domain/visitors";
import type { Hub } from "../realtime/hub";
import { blockedIpsSection, blockedPage } from "../views/blocked";
import { consoleContext, managersOnly } from "./console-context";

export function blockedRoutes(deps: AppDeps, hub: Hub) {
  const { db } = deps;
  return new Elysia()
    .use(consoleContext(deps))
    .onBeforeHandle(managersOnly)
    .get("/console/blocked", ({ ctx }) => blockedPage(ctx, listBlocked(db, ctx.agent.businessId), listBlockedIps(db, ctx.agent.businessId)))
    .post(
      "/console/blocked/:visitorId/unblock",
      ({ ctx, params }) => {
        unblockVisitor(db, ctx.agent, params.visitorId);
        // The row goes (hx-swap="delete" on the button); nothing to render.
        return "";
      },
      { params: t.Object({ visitorId: t.Numeric({ minimum: 1 }) }) },
    )
    .post(
      "/console/blocked/ips",
      ({ ctx, body, set }) => {
        try {
          blockIp(db, hub, ctx.agent, body.ip, body.reason ?? "");
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return blockedIpsSection(ctx, listBlockedIps(db, ctx.agent.businessId), { values: body, errors: error.fields });
        }
        return blockedIpsSection(ctx, listBlockedIps(db, ctx.agent.businessId));
      },
      { body: t.Object({ ip: t.String({ maxLength: 1000 }), reason: t.Optional(t.String({ maxLength: 2000 })) }) },
    )
    .post(
      "/console/blocked/ips/:id/unblock",
      ({ ctx, params }) => {
        unblockIp(db, ctx.agent, params.id);
        return blockedIpsSection(ctx, listBlockedIps(db, ctx.agent.businessId));
      },
      { params: t.Object({ id: t.Numeric({ minimum: 1 }) }) },
    );
}
