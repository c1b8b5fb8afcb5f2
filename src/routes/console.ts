// The console pages every agent sees: language, availability, the forced password change.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { availabilities, changePassword, ownerExists, setAvailability, setLocale } from "../domain/agents";
import type { Hub } from "../realtime/hub";
import { ValidationError } from "../domain/errors";
import { locales } from "../i18n";
import { changePasswordPage } from "../views/auth";
import { availabilitySwitch } from "../views/console";
import { consoleContext, passwordChangePath } from "./console-context";
import { signedInContext } from "./session";

export function consoleRoutes(deps: AppDeps, hub: Hub) {
  const { db } = deps;
  return new Elysia()
    .use(
      new Elysia().use(signedInContext(deps)).get("/", ({ signedIn, redirect }) => {
        if (signedIn) return redirect("/console", 303);
        return redirect(ownerExists(db) ? "/login" : "/setup", 303);
      }),
    )
    .use(consoleContext(deps))
    .post(
      "/console/locale",
      ({ ctx, body, set }) => {
        setLocale(db, ctx.agent.id, body.locale);
        // The whole page changes language, so reload it.
        set.headers["hx-refresh"] = "true";
        set.status = 204;
      },
      { body: t.Object({ locale: t.Union(locales.map((locale) => t.Literal(locale))) }) },
    )
    .post(
      "/console/availability",
      ({ ctx, body }) => {
        const agent = setAvailability(db, hub, ctx.agent.id, body.availability);
        return availabilitySwitch(ctx.t, agent.availability);
      },
      { body: t.Object({ availability: t.Union(availabilities.map((value) => t.Literal(value))) }) },
    )
    .get(passwordChangePath, ({ ctx }) => changePasswordPage(ctx))
    .post(
      passwordChangePath,
      async ({ ctx, sessionId, body, set, redirect }) => {
        try {
          await changePassword(db, hub, ctx.agent.id, body.current, body.password, sessionId);
          return redirect("/console", 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return changePasswordPage(ctx, error.fields);
        }
      },
      { body: t.Object({ current: t.String({ maxLength: 1000 }), password: t.String({ maxLength: 1000 }) }) },
    );
}
