// The blacklist page (owners and admins).
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { listBlocked, unblockVisitor } from "../domain/visitors";
import { blockedPage } from "../views/blocked";
import { consoleContext } from "./console-context";
import { forbidden } from "./responses";

export function blockedRoutes(deps: AppDeps) {
  const { db } = deps;
  return new Elysia()
    .use(consoleContext(deps))
    .onBeforeHandle(({ ctx }) => {
      if (ctx.agent.role === "agent") return forbidden(ctx);
    })
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
