// Who calls the API: the agent whose token is in `Authorization: Bearer`, and nothing else (no
// cookie is read, so a page on another site cannot ride on a signed-in browser; the CSRF check
// skips /api/). Each token has its own requests per minute, and a read token may only GET.
import { Elysia } from "elysia";
import type { AppDeps } from "../../app";
import { findApiTokenAgent, scopeAllows } from "../../domain/api-tokens";
import type { RateLimit } from "../../domain/rate-limiter";
import { localeFromAcceptLanguage, type Translate, translator } from "../../i18n";

export const apiTranslator = (request: Request): Translate => translator(localeFromAcceptLanguage(request.headers.get("accept-language")));

/** One limiter for every token of the app, each token counted against its own limit. */
export function apiCaller(deps: AppDeps, requests: RateLimit) {
  // derive runs before validation: a caller without a valid token learns nothing, not even
  // which of its inputs are wrong.
  return new Elysia().derive({ as: "scoped" }, async ({ request, set, status }) => {
    const translate = apiTranslator(request);
    const token = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
    const caller = token ? findApiTokenAgent(deps.db, deps.secret, token) : null;
    if (!caller) {
      set.headers["www-authenticate"] = 'Bearer realm="kefu"';
      return status(401, { error: translate(token ? "api.invalidToken" : "api.missingToken") });
    }
    const key = String(caller.tokenId);
    const limit = caller.requestsPerMinute;
    const waitMs = await requests.attempt([key], limit);
    // The IETF draft's names (RateLimit-*): the limit, what is left, seconds until a slot frees.
    const { used, resetMs } = await requests.usage(key);
    set.headers["ratelimit-limit"] = String(limit);
    set.headers["ratelimit-remaining"] = String(Math.max(0, limit - used));
    set.headers["ratelimit-reset"] = String(Math.ceil(resetMs / 1000));
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      set.headers["retry-after"] = String(seconds);
      return status(429, { error: translate("api.throttled", { seconds }) });
    }
    const needed = request.method === "GET" || request.method === "HEAD" ? "read" : "write";
    if (!scopeAllows(caller.scope, needed)) {
      const path = new URL(request.url).pathname;
      return status(403, { error: translate("api.scopeNeeded", { method: request.method, path }) });
    }
    return { agent: caller.agent, scope: caller.scope };
  });
}
