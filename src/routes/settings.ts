// The shop's settings (owners and admins change them; agents may read them).
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import {
  type Business,
  renameBusiness,
  setDefaultCapacity,
  setAutoAwayMinutes,
  setHoldMinutes,
  setIdleCloseMinutes,
  setReopenMinutes,
  setRoutingMode,
  setRatingEnabled,
  setTypingPreview,
  setUploadRules,
  setWelcomeText,
} from "../domain/businesses";
import { ValidationError } from "../domain/errors";
import type { Hub } from "../realtime/hub";
import type { ConsoleContext } from "../views/console";
import { type SettingsState, settingsPage } from "../views/settings";
import { consoleContext, managersOnly } from "./console-context";

/** A number typed in a form; empty is not 0, so it fails validation like any other non-number. */
const typedNumber = (typed: string) => Number(typed.trim() || "x");

export function settingsRoutes(deps: AppDeps, hub: Hub) {
  const { db } = deps;

  /** Applies one change and shows the page saved, or shows what was typed with what is wrong. */
  function save(
    ctx: ConsoleContext,
    set: { status?: number | string },
    saved: SettingsState["saved"],
    typed: Omit<SettingsState, "saved" | "errors">,
    change: () => Business,
  ) {
    try {
      return settingsPage({ ...ctx, business: change() }, { saved });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      set.status = 422;
      return settingsPage(ctx, { ...typed, errors: error.fields });
    }
  }

  return new Elysia()
    .use(consoleContext(deps))
    .get("/console/settings", ({ ctx }) => settingsPage(ctx))
    .post(
      "/console/settings",
      ({ ctx, body, set }) => save(ctx, set, "name", { name: body.name }, () => renameBusiness(db, ctx.agent, body.name)),
      { beforeHandle: managersOnly, body: t.Object({ name: t.String({ maxLength: 1000 }) }) },
    )
    .post(
      "/console/settings/welcome",
      ({ ctx, body, set }) =>
        save(ctx, set, "welcome", { welcomeText: body.welcomeText }, () => setWelcomeText(db, ctx.agent, body.welcomeText)),
      { beforeHandle: managersOnly, body: t.Object({ welcomeText: t.String({ maxLength: 10_000 }) }) },
    )
    .post(
      "/console/settings/idle",
      ({ ctx, body, set }) =>
        save(ctx, set, "idle", { idleCloseMinutes: body.idleCloseMinutes }, () =>
          setIdleCloseMinutes(db, ctx.agent, typedNumber(body.idleCloseMinutes)),
        ),
      { beforeHandle: managersOnly, body: t.Object({ idleCloseMinutes: t.String({ maxLength: 20 }) }) },
    )
    .post(
      "/console/settings/routing",
      ({ ctx, body, set }) =>
        save(ctx, set, "routing", { routingMode: body.routingMode }, () => {
          const business = setRoutingMode(db, ctx.agent, body.routingMode);
          // Back to automatic: what waits is assigned now.
          hub.drainQueue(business.id);
          return business;
        }),
      { beforeHandle: managersOnly, body: t.Object({ routingMode: t.String({ maxLength: 20 }) }) },
    )
    .post(
      "/console/settings/hold",
      ({ ctx, body, set }) =>
        save(ctx, set, "hold", { holdMinutes: body.holdMinutes }, () => setHoldMinutes(db, ctx.agent, typedNumber(body.holdMinutes))),
      { beforeHandle: managersOnly, body: t.Object({ holdMinutes: t.String({ maxLength: 20 }) }) },
    )
    .post(
      "/console/settings/auto-away",
      ({ ctx, body, set }) =>
        save(ctx, set, "autoAway", { autoAwayMinutes: body.autoAwayMinutes }, () =>
          setAutoAwayMinutes(db, ctx.agent, typedNumber(body.autoAwayMinutes)),
        ),
      { beforeHandle: managersOnly, body: t.Object({ autoAwayMinutes: t.String({ maxLength: 20 }) }) },
    )
    .post(
      "/console/settings/reopen",
      ({ ctx, body, set }) =>
        save(ctx, set, "reopen", { reopenMinutes: body.reopenMinutes }, () => setReopenMinutes(db, ctx.agent, typedNumber(body.reopenMinutes))),
      { beforeHandle: managersOnly, body: t.Object({ reopenMinutes: t.String({ maxLength: 20 }) }) },
    )
    .post(
      "/console/settings/capacity",
      ({ ctx, body, set }) =>
        save(ctx, set, "capacity", { capacity: body.capacity }, () => {
          const business = setDefaultCapacity(db, ctx.agent, typedNumber(body.capacity));
          // More room per agent: waiting visitors may be taken now.
          hub.drainQueue(business.id);
          return business;
        }),
      { beforeHandle: managersOnly, body: t.Object({ capacity: t.String({ maxLength: 20 }) }) },
    )
    .post(
      "/console/settings/rating",
      ({ ctx, body, set }) =>
        save(ctx, set, "rating", { ratingEnabled: body.ratingEnabled }, () => setRatingEnabled(db, ctx.agent, body.ratingEnabled)),
      { beforeHandle: managersOnly, body: t.Object({ ratingEnabled: t.String({ maxLength: 20 }) }) },
    )
    .post(
      "/console/settings/typing-preview",
      ({ ctx, body, set }) =>
        save(ctx, set, "typingPreview", { typingPreview: body.typingPreview }, () => setTypingPreview(db, ctx.agent, body.typingPreview)),
      { beforeHandle: managersOnly, body: t.Object({ typingPreview: t.String({ maxLength: 20 }) }) },
    )
    .post(
      "/console/settings/uploads",
      ({ ctx, body, set }) => {
        // No box ticked sends no field; one sends a string; several, a list.
        const kinds = body.uploadKinds === undefined ? [] : typeof body.uploadKinds === "string" ? [body.uploadKinds] : body.uploadKinds;
        return save(ctx, set, "uploads", { uploadMaxMb: body.uploadMaxMb, uploadKinds: kinds }, () =>
          setUploadRules(db, ctx.agent, typedNumber(body.uploadMaxMb), kinds),
        );
      },
      {
        beforeHandle: managersOnly,
        body: t.Object({
          uploadMaxMb: t.String({ maxLength: 20 }),
          uploadKinds: t.Optional(t.Union([t.String({ maxLength: 20 }), t.Array(t.String({ maxLength: 20 }), { maxItems: 20 })])),
        }),
      },
    );
}
