// An agent's own profile: name, avatar, password and API tokens.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import type { Hub } from "../realtime/hub";
import { changePassword, updateProfile } from "../domain/agents";
import { createApiToken, listApiTokens, revokeApiToken } from "../domain/api-tokens";
import { storeAvatar } from "../domain/avatars";
import { NotFoundError, RuleError, ValidationError } from "../domain/errors";
import { apiTokensSection, type ApiTokensState } from "../views/api-tokens";
import type { ConsoleContext } from "../views/console";
import { profilePage, type ProfileState } from "../views/profile";
import { isHtmx } from "./client";
import { consoleContext } from "./console-context";
import { chatPageUrl } from "./visitor-cookie";

export function profileRoutes(deps: AppDeps, hub: Hub) {
  const { db, secret, uploadsDir, config } = deps;
  // The page's own link, with the agent's exclusive one (专属链接) on it.
  const page = (ctx: ConsoleContext, request: Request, state?: ProfileState) =>
    profilePage(ctx, listApiTokens(db, ctx.agent.id), `${chatPageUrl(config, request, ctx.business.widgetKey)}?agent=${ctx.agent.id}`, state);
  // htmx swaps just the token section; a plain form post (no JavaScript) gets the whole page.
  const tokensAnswer = (ctx: ConsoleContext, request: Request, state: ApiTokensState = {}) =>
    isHtmx(request) ? apiTokensSection(ctx, listApiTokens(db, ctx.agent.id), state) : page(ctx, request, { apiTokens: state });

  return new Elysia()
    .use(consoleContext(deps))
    .get("/console/profile", ({ ctx, request }) => page(ctx, request))
    .post(
      "/console/profile",
      async ({ ctx, body, request, set }) => {
        try {
          // An empty file input arrives as an empty file: keep the current avatar then.
          const upload: unknown = body.avatar;
          const avatar = upload instanceof Blob && upload.size > 0 ? await storeAvatar(uploadsDir, upload) : undefined;
          const agent = updateProfile(db, ctx.agent, { name: body.name, avatar, greeting: body.greeting });
          return page({ ...ctx, agent }, request, { saved: "profile" });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return page(ctx, request, { profileErrors: error.fields });
        }
      },
      {
        body: t.Object({
          name: t.String({ maxLength: 1000 }),
          avatar: t.Optional(t.Unknown()),
          greeting: t.Optional(t.String({ maxLength: 10_000 })),
        }),
      },
    )
    .post(
      "/console/profile/password",
      async ({ ctx, sessionId, body, request, set }) => {
        try {
          await changePassword(db, hub, ctx.agent.id, body.current, body.password, sessionId);
          return page(ctx, request, { saved: "password" });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return page(ctx, request, { passwordErrors: error.fields });
        }
      },
      { body: t.Object({ current: t.String({ maxLength: 1000 }), password: t.String({ maxLength: 1000 }) }) },
    )
    .post(
      "/console/profile/api-tokens",
      ({ ctx, body, request, set }) => {
        try {
          const grant = { scope: body.scope, requestsPerMinute: body.requestsPerMinute === undefined ? undefined : Number(body.requestsPerMinute) };
          const { apiToken, token } = createApiToken(db, secret, ctx.agent.id, body.name, grant);
          return tokensAnswer(ctx, request, { created: { name: apiToken.name, token } });
        } catch (error) {
          const typed = { name: body.name, scope: body.scope, requestsPerMinute: body.requestsPerMinute };
          if (error instanceof ValidationError) {
            set.status = 422;
            return tokensAnswer(ctx, request, { ...typed, errors: error.fields });
          }
          if (!(error instanceof RuleError)) throw error;
          set.status = 409;
          return tokensAnswer(ctx, request, { ...typed, problem: ctx.t(error.problem.key, error.problem.params) });
        }
      },
      {
        body: t.Object({
          name: t.String({ maxLength: 1000 }),
          scope: t.Optional(t.String({ maxLength: 20 })),
          // Typed into a number field: checked as a number by the domain ("" is not a whole number).
          requestsPerMinute: t.Optional(t.String({ maxLength: 20 })),
        }),
      },
    )
    .post(
      "/console/profile/api-tokens/:id/revoke",
      ({ ctx, params, request, set }) => {
        try {
          revokeApiToken(db, ctx.agent.id, params.id);
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
          // Scoped to this agent: someone else's token id is not found, never revoked. Answer
          // with the list as it is, so a second click on a revoked row leaves a sane page.
          set.status = 404;
        }
        return tokensAnswer(ctx, request);
      },
      { params: t.Object({ id: t.Numeric({ minimum: 1 }) }) },
    );
}
