// Every console route runs behind this: no session means "sign in first"; a temporary password
// means "choose your own first"; otherwise the handler gets the agent, their business and the
// page language as one ConsoleContext.
import { Elysia } from "elysia";
import type { AppDeps } from "../app";
import { findBusiness } from "../domain/businesses";
import { unreadTotal } from "../domain/conversations";
import { unhandledCount } from "../domain/offline-messages";
import type { ConsoleContext } from "../views/console";
import { isHtmx } from "./client";
import { forbidden } from "./responses";
import { signedInContext } from "./session";
import { mayManageShop } from "../domain/permissions";

export const passwordChangePath = "/console/password";

export function redirectTo(request: Request, location: string): Response {
  // htmx follows HX-Redirect with a full page load; a plain request follows Location.
  if (isHtmx(request)) return new Response(null, { status: 200, headers: { "hx-redirect": location } });
  return new Response(null, { status: 303, headers: { location } });
}

export function consoleContext(deps: AppDeps) {
  return new Elysia()
    .use(signedInContext(deps))
    .onBeforeHandle({ as: "scoped" }, ({ signedIn, request, path }) => {
      if (!signedIn) return redirectTo(request, "/login");
      if (signedIn.agent.mustChangePassword && path !== passwordChangePath) {
        return redirectTo(request, passwordChangePath);
      }
    })
    .resolve({ as: "scoped" }, ({ signedIn, page }) => {
      const agent = signedIn!.agent;
      const business = findBusiness(deps.db, agent.businessId)!;
      const ctx: ConsoleContext = {
        t: page!.t,
        locale: page!.locale,
        agent,
        business,
        unreadTotal: unreadTotal(deps.db, agent.id),
        unhandledOfflineMessages: unhandledCount(deps.db, agent.businessId),
      };
      return { ctx, sessionId: signedIn!.sessionId };
    })
    // Lift the session lookup (and these hooks) to the routes of whoever uses this plugin.
    .as("scoped");
}

/** A guard for pages only owners and admins may use. */
export function managersOnly({ ctx }: { ctx: ConsoleContext }): Response | undefined {
  if (!mayManageShop(ctx.agent)) return forbidden(ctx);
}
