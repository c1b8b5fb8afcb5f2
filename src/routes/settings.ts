// The shop's settings: owners and admins save them as one form; agents, who cannot change them,
// are sent to their own preferences.
import { storageUsed } from "../domain/attachments";
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import type { Business } from "../domain/businesses";
import { ValidationError } from "../domain/errors";
import { type SettingsChange, updateSettings } from "../domain/settings";
import type { Hub } from "../realtime/hub";
import { settingsPage, type TypedSettings } from "../views/settings";
import { consoleContext, managersOnly, redirectTo } from "./console-context";
import { mayManageShop } from "../domain/permissions";

const text = (maxLength: number) => t.Optional(t.String({ maxLength }));
/** Repeated fields: a switch sends "off" then "on", and ticked kinds one value each. */
const values = (maxItems: number) => t.Optional(t.Union([t.String({ maxLength: 20 }), t.Array(t.String({ maxLength: 20 }), { maxItems })]));

// Every field is optional: a setting left out of a post stays as it is. The page's form sends them all.
const settingsBody = t.Object({
  name: text(1000),
  welcomeText: text(10_000),
  idleCloseMinutes: text(20),
  reopenMinutes: text(20),
  ratingEnabled: values(2),
  typingPreview: values(2),
  pushPreviews: values(2),
  routingMode: text(20),
  capacity: text(20),
  holdMinutes: text(20),
  autoAwayMinutes: text(20),
  uploadMaxMb: text(20),
  uploadKinds: values(20),
  callServerUrls: text(4000),
  callServerUsername: text(1000),
  callServerCredential: text(1000),
  callServerSecret: text(1000),
});

/** A number typed in a form; empty is not 0, so it fails validation like any other non-number. */
const typedNumber = (typed: string | undefined) => (typed === undefined ? undefined : Number(typed.trim() || "x"));
const lastOf = (value: string | string[] | undefined) => (Array.isArray(value) ? value.at(-1) : value);

/** One value per field: the last of a switch's "off" and "on", and the list of kinds ticked. */
function typedSettings(body: typeof settingsBody.static): TypedSettings {
  return { ...body, ratingEnabled: lastOf(body.ratingEnabled), typingPreview: lastOf(body.typingPreview), pushPreviews: lastOf(body.pushPreviews), uploadKinds: body.uploadKinds === undefined ? undefined : [body.uploadKinds].flat() };
}

function settingsChange(body: TypedSettings, stored: Business): SettingsChange {
  // The file size carries the kinds: no kind ticked sends none, which accepts no files.
  const uploads = body.uploadMaxMb === undefined && body.uploadKinds === undefined
    ? undefined
    : { megabytes: typedNumber(body.uploadMaxMb ?? "")!, kinds: body.uploadKinds ?? [] };
  return {
    name: body.name,
    welcomeText: body.welcomeText,
    idleCloseMinutes: typedNumber(body.idleCloseMinutes),
    reopenMinutes: typedNumber(body.reopenMinutes),
    ratingEnabled: body.ratingEnabled,
    typingPreview: body.typingPreview,
    pushPreviews: body.pushPreviews,
    routingMode: body.routingMode,
    capacity: typedNumber(body.capacity),
    holdMinutes: typedNumber(body.holdMinutes),
    autoAwayMinutes: typedNumber(body.autoAwayMinutes),
    uploads,
    // The three fields go together: a post without them leaves the servers as they are.
    callServers:
      body.callServerUrls === undefined ? undefined : { urls: body.callServerUrls, username: body.callServerUsername ?? "", credential: body.callServerCredential ?? "", secret: body.callServerSecret ?? "", keptSecret: stored.callServers.secret },
  };
}

export function settingsRoutes(deps: AppDeps, hub: Hub) {
  const { db } = deps;
  return new Elysia()
    .use(consoleContext(deps))
    .get("/console/settings", ({ ctx, request }) => (mayManageShop(ctx.agent) ? settingsPage(ctx, { storageUsed: storageUsed(db, ctx.business.id) }) : redirectTo(request, "/console/preferences")))
    .post(
      "/console/settings",
      ({ ctx, body, set }) => {
        const typed = typedSettings(body);
        try {
          const { business, changed } = updateSettings(db, hub, ctx.agent, settingsChange(typed, ctx.business));
          return settingsPage({ ...ctx, business }, { saved: changed, storageUsed: storageUsed(db, business.id) });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return settingsPage(ctx, { typed, errors: error.fields, storageUsed: storageUsed(db, ctx.business.id) });
        }
      },
      { beforeHandle: managersOnly, body: settingsBody },
    );
}
