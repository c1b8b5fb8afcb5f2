// Sign-in, sign-out and first-run setup.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import type { Hub } from "../realtime/hub";
import { ownerExists, verifyCredentials } from "../domain/agents";
import { ensureDefaultBusiness, findBusiness } from "../domain/businesses";
import { NotFoundError, ValidationError } from "../domain/errors";
import { normalizeEmail } from "../domain/fields";
import { limits } from "../domain/limits";
import { endSession, startSession } from "../domain/sessions";
import { createFirstOwner } from "../domain/setup";
import { loginPage, setupPage } from "../views/auth";
import { clientIp, isHttps } from "./client";
import { sessionCookieName, signedInContext } from "./session";

const loginBody = t.Object({
  email: t.String({ maxLength: 1000 }),
  password: t.String({ maxLength: 1000 }),
});

const setupBody = t.Object({
  // Optional for scripts that set up a server by hand; the page always sends both.
  shopName: t.Optional(t.String({ maxLength: 1000 })),
  timezone: t.Optional(t.String({ maxLength: 100 })),
  name: t.String({ maxLength: 1000 }),
  email: t.String({ maxLength: 1000 }),
  password: t.String({ maxLength: 1000 }),
});

export function authRoutes(deps: AppDeps, hub: Hub) {
  const { db, secret, config, loginThrottle, passwordChecks } = deps;

  function signIn(
    agentId: number,
    request: Request,
    server: Parameters<typeof clientIp>[1],
    cookie: Record<string, { set(options: Record<string, unknown>): unknown }>,
  ) {
    const token = startSession(db, secret, agentId, {
      ip: clientIp(request, server, config.trustProxy),
      userAgent: request.headers.get("user-agent"),
    });
    cookie[sessionCookieName]!.set({
      value: token,
      httpOnly: true,
      sameSite: "lax",
      secure: isHttps(request, config.publicUrl, config.trustProxy),
      path: "/",
      maxAge: limits.sessionLifetimeMs / 1000,
    });
  }

  return new Elysia()
    .use(signedInContext(deps))
    .get("/login", ({ signedIn, page, redirect, query }) => {
      if (signedIn) return redirect("/console", 303);
      return loginPage(page, { info: query["signed-out"] !== undefined ? page.t("login.signedOut") : null });
    })
    .post(
      "/login",
      async ({ body, page, request, server, set, cookie, redirect }) => {
        const keys = [`ip:${clientIp(request, server, config.trustProxy) ?? "unknown"}`, `account:${normalizeEmail(body.email)}`];
        // Counted before the password is checked, in the same step as the check: forty attempts at
        // once must not all pass the throttle while the first ones are still hashing. A sign-in
        // that succeeds is taken back.
        const waitMs = await loginThrottle.attempt(keys);
        if (waitMs > 0) {
          set.status = 429;
          set.headers["retry-after"] = String(Math.ceil(waitMs / 1000));
          return loginPage(page, { email: body.email, error: page.t("login.throttled", { minutes: Math.ceil(waitMs / 60_000) }) });
        }
        const checked = await passwordChecks.run(() => verifyCredentials(db, body.email, body.password));
        if (!checked) {
          await loginThrottle.release(keys);
          set.status = 503;
          set.headers["retry-after"] = "2";
          return loginPage(page, { email: body.email, error: page.t("login.busy") });
        }
        const agent = checked.value;
        if (!agent) {
          set.status = 401;
          return loginPage(page, { email: body.email, error: page.t("login.failed") });
        }
        await loginThrottle.release(keys);
        await loginThrottle.forgive(keys[1]!);
        if (findBusiness(db, agent.businessId)?.disabled) {
          set.status = 403;
          return loginPage(page, { email: body.email, error: page.t("login.shopDisabled") });
        }
        signIn(agent.id, request, server, cookie);
        return redirect("/console", 303);
      },
      { body: loginBody },
    )
    .post("/logout", ({ sessionToken, cookie, redirect }) => {
      if (sessionToken) endSession(db, hub, secret, sessionToken);
      cookie[sessionCookieName]!.remove();
      return redirect("/login?signed-out", 303);
    })
    .get("/setup", ({ page }) => {
      if (ownerExists(db)) throw new NotFoundError("setup");
      return setupPage(page);
    })
    .post(
      "/setup",
      async ({ body, page, request, server, set, cookie, redirect }) => {
        if (ownerExists(db)) throw new NotFoundError("setup");
        try {
          const owner = await createFirstOwner(db, ensureDefaultBusiness(db).id, body);
          signIn(owner.id, request, server, cookie);
          return redirect("/console", 303);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          const serverTimezone = ensureDefaultBusiness(db).timezone;
          return setupPage(page, { shopName: body.shopName, name: body.name, email: body.email, errors: error.fields, serverTimezone });
        }
      },
      { body: setupBody },
    );
}
