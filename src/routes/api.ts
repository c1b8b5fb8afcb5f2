// The JSON API, /api/v1, for integrations and tests. It authenticates by an agent's API token in
// `Authorization: Bearer` only (api/caller.ts). Every query starts from the token's agent's
// business (invariant 4): another shop's conversation is 404, never 403. The OpenAPI document
// and the readable reference are made from the routes below and are public.
import { Elysia } from "elysia";
import type { AppDeps } from "../app";
import { isStorageFull, NotFoundError, RuleError, ValidationError } from "../domain/errors";
import { sharedRateLimit } from "../domain/redis-rate-limiter";
import { isLocale, localeFromAcceptLanguage, type MessageKey, translator } from "../i18n";
import type { Log } from "../log";
import type { Outbound } from "../outbound/outbound";
import type { Hub } from "../realtime/hub";
import { apiDocsPage } from "../views/api-docs";
import { agentRoutes } from "./api/agents";
import { apiTranslator } from "./api/caller";
import { conversationRoutes } from "./api/conversations";
import { offlineMessageRoutes } from "./api/offline-messages";
import { describeRoutes, type Operation, openApiDocument } from "./api/openapi";
import { visitorRoutes } from "./api/visitors";
import { webhookRoutes } from "./api/webhooks";
import { pageResponse } from "./responses";

const apiPrefix = "/api/v1";

export function isApiRequest(request: Request): boolean {
  return new URL(request.url).pathname.startsWith("/api/");
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "x-content-type-options": "nosniff", ...headers },
  });
}

const notFoundKeys: Record<string, MessageKey> = {
  visitor: "api.notFound.visitor",
  agent: "api.notFound.agent",
  group: "api.notFound.group",
  "offline message": "api.notFound.offlineMessage",
  "webhook endpoint": "api.notFound.webhookEndpoint",
};

/** The one shape of every API error: `{ error }`, plus `field` when one input is to blame. */
export function apiErrorResponse(code: string | number, error: unknown, request: Request, log: Log): Response {
  const translate = apiTranslator(request);
  if (error instanceof NotFoundError) return json(404, { error: translate(notFoundKeys[error.what] ?? "api.notFound") });
  if (code === "NOT_FOUND") return json(404, { error: translate("api.noRoute") });
  if (error instanceof RuleError) return json(409, { error: translate(error.problem.key, error.problem.params) });
  if (error instanceof ValidationError) {
    const [field, problem] = Object.entries(error.fields)[0]!;
    // The chat page's wording ("reload the page") does not help a script.
    const message = problem.key === "message.badClientId" ? translate("api.badClientId") : translate(problem.key, problem.params);
    return json(422, { error: message, field });
  }
  if (code === "VALIDATION") return json(400, { error: translate("error.badRequest", { detail: schemaProblem(error) }) });
  if (code === "PARSE") return json(400, { error: translate("error.badRequest", { detail: "the body is not valid JSON" }) });
  if (isStorageFull(error)) {
    log.error("disk full", { method: request.method, url: request.url });
    return json(507, { error: translate("error.storageFull") });
  }
  log.error("api request failed", { method: request.method, url: request.url, error });
  return json(500, { error: translate("error.internal") });
}

/** The schema's own `error` text when it has one, else Elysia's summary of the first problem. */
function schemaProblem(error: unknown): string {
  const { customError, all } = error as { customError?: unknown; all?: { path?: string; summary?: string }[] };
  if (typeof customError === "string") return customError;
  const first = all?.[0];
  return first ? `${first.path?.replace(/^\//, "") || "body"}: ${first.summary ?? "invalid"}` : "a field is missing or has the wrong type";
}

export function apiRoutes(deps: AppDeps, hub: Hub, outbound: Outbound) {
  // One window for every token, each counted against its own limit (api_tokens.requests_per_minute).
  const requests = sharedRateLimit(hub.cluster, deps.log, "api", 1, 60_000);
  const api = new Elysia({ prefix: apiPrefix })
    .use(conversationRoutes(deps, hub, requests))
    .use(visitorRoutes(deps, hub, requests))
    .use(agentRoutes(deps, hub, requests))
    .use(offlineMessageRoutes(deps, hub, requests))
    .use(webhookRoutes(deps, outbound, requests));
  // Described when first asked for, not at every start of the server: the endpoints as they are
  // here, before the document's own two routes join them.
  const endpoints = [...api.routes];
  let described: { operations: Operation[]; document: ReturnType<typeof openApiDocument> } | null = null;
  const description = () => {
    if (!described) {
      const operations = describeRoutes(endpoints);
      described = { operations, document: openApiDocument(operations) };
    }
    return described;
  };
  return api
    .get("/openapi.json", () => json(200, description().document, { "access-control-allow-origin": "*" }))
    .get("/docs", ({ request, query }) => {
      // The console links here in the agent's language; a stranger gets their browser's.
      const locale = isLocale(query.locale) ? query.locale : localeFromAcceptLanguage(request.headers.get("accept-language"));
      // Examples name Kefu as integrations reach it: the public URL when one is configured.
      const origin = deps.config.publicUrl ?? new URL(request.url).origin;
      return pageResponse(request, apiDocsPage({ t: translator(locale), locale }, description().operations, origin));
    });
}
