// The blacklist page (owners and admins).
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { listBlocked, unblockVisitor } from "../domain/visitors";
import { blockedPage } from "../views/blocked";
import { consoleContext, managersOnly } from "./console-context";

export function blockedRoutes(deps: AppDeps) {
  const { db } = deps;
  return new Elysia()
    .use(consoleContext(deps))
    .onBeforeHandle(managersOnly)
    .get("/console/blocked", ({ ctx }) => blockedPage(ctx, listBlocked(db, ctx.agent.businessId)))
    .post(
      "/console/blocked/:visitorId/unblock",
      ({ ctx, params }) => {
        unblockVisitor(db, ctx.agent, params.visitorId);
        // The row goes (hx-swap="delete" on the button); nothing to render.
        return "";
      },
      { params: t.Object({ visitorId: t.Numeric({ minimum: 1 }) }) },
    );
}
