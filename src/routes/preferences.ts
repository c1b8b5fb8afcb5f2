// The signed-in agent's preferences. There is no agent id in the route or the form: whoever is
// signed in changes their own, and nobody else's.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { ValidationError } from "../domain/errors";
import { digestEnabled, setDigestEnabled } from "../domain/email-digests";
import { vapidKeyPair } from "../domain/push-subscriptions";
import { updatePreferences } from "../domain/preferences";
import { preferencesPage } from "../views/preferences";
import { consoleContext, redirectTo } from "./console-context";

export function preferenceRoutes(deps: AppDeps) {
  const { db } = deps;
  return new Elysia()
    .use(consoleContext(deps))
    .get("/console/preferences", ({ ctx }) => preferencesPage(ctx, { emailDigest: digestEnabled(db, ctx.agent.id), pushKey: vapidKeyPair(db).publicKey }))
    .post(
      "/console/preferences",
      ({ ctx, body, set }) => {
        const typed = {
          sound: body.sound ?? "",
          soundVolume: body.soundVolume ?? "",
          // An unchecked box is not sent at all.
          desktopNotifications: body.desktopNotifications === "1",
          sendKey: body.sendKey ?? "",
        };
        try {
          const saved = updatePreferences(db, ctx.agent, typed);
          return preferencesPage({ ...ctx, agent: { ...ctx.agent, ...saved } }, { saved: true, emailDigest: digestEnabled(db, ctx.agent.id), pushKey: vapidKeyPair(db).publicKey });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return preferencesPage(ctx, { errors: error.fields, typed, emailDigest: digestEnabled(db, ctx.agent.id), pushKey: vapidKeyPair(db).publicKey });
        }
      },
      {
        body: t.Object({
          sound: t.Optional(t.String({ maxLength: 50 })),
          soundVolume: t.Optional(t.String({ maxLength: 50 })),
          desktopNotifications: t.Optional(t.String({ maxLength: 10 })),
          sendKey: t.Optional(t.String({ maxLength: 50 })),
        }),
      },
    )
    .post(
      "/console/preferences/digest",
      ({ ctx, body, request }) => {
        setDigestEnabled(db, ctx.agent.id, body.emailDigest === "on");
        return redirectTo(request, "/console/preferences#email-digest");
      },
      { body: t.Object({ emailDigest: t.Optional(t.String({ maxLength: 5 })) }) },
    );
}
