// The console pages every agent sees: conversations, settings, language, forced password change.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { availabilities, changePassword, ownerExists, setAvailability, setLocale } from "../domain/agents";
import type { Hub } from "../realtime/hub";
import { renameBusiness, setDefaultCapacity, setWelcomeText } from "../domain/businesses";
import { ValidationError } from "../domain/errors";
import { locales } from "../i18n";
import { changePasswordPage } from "../views/auth";
import { availabilitySwitch } from "../views/console";
import { settingsPage } from "../views/settings";
import { consoleContext, passwordChangePath } from "./console-context";
import { forbidden } from "./responses";
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
    .get("/console/settings", ({ ctx }) => settingsPage(ctx))
    .post(
      "/console/settings",
      ({ ctx, body, set }) => {
        if (ctx.agent.role === "agent") return forbidden(ctx);
        try {
          const business = renameBusiness(db, ctx.agent, body.name);
          return settingsPage({ ...ctx, business }, { saved: "name" });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return settingsPage(ctx, { errors: error.fields, name: body.name });
        }
      },
      { body: t.Object({ name: t.String({ maxLength: 1000 }) }) },
    )
    .post(
      "/console/settings/welcome",
      ({ ctx, body, set }) => {
        if (ctx.agent.role === "agent") return forbidden(ctx);
        try {
          const business = setWelcomeText(db, ctx.agent, body.welcomeText);
          return settingsPage({ ...ctx, business }, { saved: "welcome" });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return settingsPage(ctx, { errors: error.fields, welcomeText: body.welcomeText });
        }
      },
      { body: t.Object({ welcomeText: t.String({ maxLength: 10_000 }) }) },
    )
    .post(
      "/console/settings/capacity",
      ({ ctx, body, set }) => {
        if (ctx.agent.role === "agent") return forbidden(ctx);
        try {
          const business = setDefaultCapacity(db, ctx.agent, Number(body.capacity.trim() || "x"));
          // More room per agent: waiting visitors may be taken now.
          hub.drainQueue(business.id);
          return settingsPage({ ...ctx, business }, { saved: "capacity" });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return settingsPage(ctx, { errors: error.fields, capacity: body.capacity });
        }
      },
      { body: t.Object({ capacity: t.String({ maxLength: 20 }) }) },
    )
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
        const agent = setAvailability(db, ctx.agent.id, body.availability);
        hub.agentStatusChanged(agent.id);
        // Back to "online": the agent can take what is waiting, oldest first.
        if (agent.availability === "online") hub.drainQueue(agent.businessId);
        return availabilitySwitch(ctx.t, agent.availability);
      },
      { body: t.Object({ availability: t.Union(availabilities.map((value) => t.Literal(value))) }) },
    )
    .get(passwordChangePath, ({ ctx }) => changePasswordPage(ctx))
    .post(
      passwordChangePath,
      async ({ ctx, sessionId, body, set, redirect }) => {
        try {
          await changePassword(db, ctx.agent.id, body.current, body.password, sessionId);
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
