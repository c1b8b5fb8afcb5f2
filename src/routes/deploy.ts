// The Deployment page (部署, owners and admins): the widget's look, the sites that may embed it,
// verified visitors, and the codes and links that put Kefu on a shop's site.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { listAgents } from "../domain/agents";
import {
  type Business,
  rotateIdentitySecret,
  setAllowedOrigins,
  setIdentityVerification,
  setWidgetAppearance,
} from "../domain/businesses";
import { ValidationError } from "../domain/errors";
import { listGroups } from "../domain/groups";
import type { ConsoleContext } from "../views/console";
import { type DeployContext, deployPage, type DeployState, identitySection } from "../views/deploy";
import { isHtmx } from "./client";
import { consoleContext, managersOnly } from "./console-context";
import { chatPageUrl } from "./visitor-cookie";

export function deployRoutes(deps: AppDeps) {
  const { db, config } = deps;

  function deployContext(ctx: ConsoleContext, request: Request): DeployContext {
    return {
      base: config.publicUrl ?? new URL(request.url).origin,
      chatPage: chatPageUrl(config, request, ctx.business.widgetKey),
      agents: listAgents(db, ctx.agent.businessId).filter((agent) => !agent.disabled),
      groups: listGroups(db, ctx.agent.businessId),
    };
  }

  /** Applies one change and shows the page saved, or shows what was typed with what is wrong. */
  function save(
    ctx: ConsoleContext,
    request: Request,
    set: { status?: number | string },
    saved: DeployState["saved"],
    typed: Omit<DeployState, "saved" | "errors">,
    change: () => Business,
  ) {
    try {
      const changed = { ...ctx, business: change() };
      return deployPage(changed, deployContext(changed, request), { saved });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      set.status = 422;
      return deployPage(ctx, deployContext(ctx, request), { ...typed, errors: error.fields });
    }
  }

  return new Elysia()
    .use(consoleContext(deps))
    .onBeforeHandle(managersOnly)
    .get("/console/deploy", ({ ctx, request }) => deployPage(ctx, deployContext(ctx, request)))
    .post(
      "/console/deploy/appearance",
      ({ ctx, body, request, set }) => save(ctx, request, set, "appearance", { appearance: body }, () => setWidgetAppearance(db, ctx.agent, body)),
      {
        body: t.Object({
          color: t.String({ maxLength: 100 }),
          title: t.String({ maxLength: 1000 }),
          position: t.String({ maxLength: 20 }),
          greeting: t.String({ maxLength: 10_000 }),
        }),
      },
    )
    .post(
      "/console/deploy/origins",
      ({ ctx, body, request, set }) =>
        save(ctx, request, set, "origins", { origins: body.origins }, () => setAllowedOrigins(db, ctx.agent, body.origins)),
      { body: t.Object({ origins: t.String({ maxLength: 20_000 }) }) },
    )
    .post(
      "/console/deploy/identity",
      ({ ctx, body, request, set }) =>
        save(ctx, request, set, "identity", {}, () => setIdentityVerification(db, ctx.agent, body.identityVerification === "on")),
      // An unticked checkbox sends nothing.
      { body: t.Object({ identityVerification: t.Optional(t.Literal("on")) }) },
    )
    .post("/console/deploy/identity/rotate", ({ ctx, request }) => {
      const changed = { ...ctx, business: rotateIdentitySecret(db, ctx.agent) };
      // The button asks for confirmation through htmx and swaps its section; without htmx, the page.
      if (isHtmx(request)) return identitySection(changed, { saved: "rotated" });
      return deployPage(changed, deployContext(changed, request), { saved: "rotated" });
    });
}
