// The Deployment page (部署, owners and admins): the code to paste and whether it was found on a
// site, the widget's look with its preview, the sites that may embed it, verified visitors, and
// the links that put Kefu on a shop's site.
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
import { findInstallation } from "../domain/installation";
import { findWeChatAccount, saveWeChatAccount } from "../domain/wechat-accounts";
import { wechatSettingsPath } from "../views/wechat-sign-in-settings";
import type { ConsoleContext } from "../views/console";
import { type DeployContext, deployPage, type DeployState, identitySection, installationPath, installationStatus, previewPath } from "../views/deploy";
import { widgetPreview } from "../views/widget-preview";
import { isHtmx } from "./client";
import { consoleContext, managersOnly } from "./console-context";
import { chatPageUrl } from "./visitor-cookie";

export function deployRoutes(deps: AppDeps) {
  const { db, config } = deps;

  /** Found on a site that is not Kefu: neither the address this page is on nor the public URL (/demo is Kefu's own). */
  const installation = (ctx: ConsoleContext, request: Request) =>
    findInstallation(db, ctx.agent.businessId, [new URL(request.url).origin, ...(config.publicUrl ? [new URL(config.publicUrl).origin] : [])]);

  function deployContext(ctx: ConsoleContext, request: Request): DeployContext {
    return {
      base: config.publicUrl ?? new URL(request.url).origin,
      chatPage: chatPageUrl(config, request, ctx.business.widgetKey),
      agents: listAgents(db, ctx.agent.businessId).filter((agent) => !agent.disabled),
      groups: listGroups(db, ctx.agent.businessId),
      installation: installation(ctx, request),
      wechat: findWeChatAccount(db, ctx.agent.businessId),
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
    .get(installationPath, ({ ctx, request }) => installationStatus(ctx, installation(ctx, request)))
    .get(
      previewPath,
      // What the form holds now, saved or not; the preview falls back to the defaults for anything unusable.
      ({ ctx, query }) =>
        widgetPreview(ctx.t, { color: query.color ?? "", title: query.title ?? "", position: query.position ?? "", greeting: query.greeting ?? "" }, ctx.business.name),
      {
        query: t.Object({
          color: t.Optional(t.String({ maxLength: 100 })),
          title: t.Optional(t.String({ maxLength: 1000 })),
          position: t.Optional(t.String({ maxLength: 20 })),
          greeting: t.Optional(t.String({ maxLength: 10_000 })),
        }),
      },
    )
    .post(
      "/console/deploy/appearance",
      ({ ctx, body, request, set }) => {
        // Two radio buttons, one of them ticked; none ticked is a position the domain refuses.
        const appearance = { ...body, position: body.position ?? "" };
        return save(ctx, request, set, "appearance", { appearance }, () => setWidgetAppearance(db, ctx.agent, appearance));
      },
      {
        body: t.Object({
          color: t.String({ maxLength: 100 }),
          title: t.String({ maxLength: 1000 }),
          position: t.Optional(t.String({ maxLength: 20 })),
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
    .post(
      wechatSettingsPath,
      ({ ctx, body, request, set }) => {
        const typed = { appId: body.appId, enabled: body.enabled === "on" };
        try {
          saveWeChatAccount(db, ctx.agent, { ...typed, appSecret: body.appSecret });
          return deployPage(ctx, deployContext(ctx, request), { wechat: { saved: true } });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return deployPage(ctx, deployContext(ctx, request), { wechat: { typed, errors: error.fields } });
        }
      },
      { body: t.Object({ appId: t.String({ maxLength: 100 }), appSecret: t.String({ maxLength: 100 }), enabled: t.Optional(t.Literal("on")) }) },
    )
    .post("/console/deploy/identity/rotate", ({ ctx, request }) => {
      const changed = { ...ctx, business: rotateIdentitySecret(db, ctx.agent) };
      // The button asks for confirmation through htmx and swaps its section; without htmx, the page.
      if (isHtmx(request)) return identitySection(changed, { saved: "rotated" });
      return deployPage(changed, deployContext(changed, request), { saved: "rotated" });
    });
}
