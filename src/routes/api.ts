// The JSON API, /api/v1, for integrations and tests. It authenticates by an agent's API token in
// `Authorization: Bearer` and nothing else: no cookie is read, so a page on another site cannot
// ride on a signed-in browser here (which is why the CSRF check skips /api/). Every query starts
// from the token's agent's business (invariant 4): another shop's conversation is 404, never 403.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { findApiTokenAgent } from "../domain/api-tokens";
import { closeConversation, type Conversation, conversationPage, findConversationForAgent } from "../domain/conversations";
import { isStorageFull, NotFoundError, RuleError, ValidationError } from "../domain/errors";
import { messageLimits } from "../domain/limits";
import { conversationMessagesAfter, type Message, sendAgentMessage } from "../domain/messages";
import { RateLimiter } from "../domain/rate-limiter";
import { localeFromAcceptLanguage, type Translate, translator } from "../i18n";
import type { Log } from "../log";
import type { Hub } from "../realtime/hub";

export const apiLimits = {
  conversationsPage: { default: 50, max: 100 },
  messagesPage: { default: 100, max: 500 },
  // Per token, sliding window: enough for a bulk import, not for a runaway loop.
  requestsPerMinute: 1200,
} as const;

const statuses = ["open", "queued", "closed"] as const;

export function isApiRequest(request: Request): boolean {
  return new URL(request.url).pathname.startsWith("/api/");
}

const apiTranslator = (request: Request): Translate => translator(localeFromAcceptLanguage(request.headers.get("accept-language")));

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "x-content-type-options": "nosniff", ...headers },
  });
}

/** The one shape of every API error: `{ error }`, plus `field` when one input is to blame. */
export function apiErrorResponse(code: string | number, error: unknown, request: Request, log: Log): Response {
  const translate = apiTranslator(request);
  if (error instanceof NotFoundError) return json(404, { error: translate("api.notFound") });
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

function conversationJson(conversation: Conversation) {
  const { id, status, visitorId, agentId, lastMessageId, openedAt, closedAt } = conversation;
  return { id, status, visitorId, agentId, lastMessageId, openedAt, closedAt };
}

function messageJson(message: Message) {
  const { id, conversationId, sender, agentId, kind, body, clientId, createdAt, readAt } = message;
  return { id, conversationId, sender, agentId, kind, body, clientId, createdAt, readAt };
}

const id = (what: string) => t.Integer({ minimum: 1, error: `${what} must be a whole number of at least 1` });
const pageSize = (max: number) => t.Integer({ minimum: 1, maximum: max, error: `limit must be a whole number from 1 to ${max}` });
const conversationParams = t.Object({ id: id("the conversation id") });

export interface ApiOptions {
  requestsPerMinute?: number;
}

export function apiRoutes(deps: AppDeps, hub: Hub, options: ApiOptions = {}) {
  const { db, secret } = deps;
  const requests = new RateLimiter(options.requestsPerMinute ?? apiLimits.requestsPerMinute, 60_000);

  return new Elysia({ prefix: "/api/v1" })
    // derive runs before validation: a caller without a valid token learns nothing, not even
    // which of its inputs are wrong.
    .derive(({ request, set, status }) => {
      const translate = apiTranslator(request);
      const token = request.headers.get("authorization")?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
      const caller = token ? findApiTokenAgent(db, secret, token) : null;
      if (!caller) {
        set.headers["www-authenticate"] = 'Bearer realm="kefu"';
        return status(401, { error: translate(token ? "api.invalidToken" : "api.missingToken") });
      }
      const key = String(caller.tokenId);
      const waitMs = requests.retryAfterMs([key]);
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        set.headers["retry-after"] = String(seconds);
        return status(429, { error: translate("api.throttled", { seconds }) });
      }
      requests.record([key]);
      return { agent: caller.agent };
    })
    .get(
      "/conversations",
      ({ agent, query }) => {
        const page = conversationPage(db, agent.businessId, query.status ?? "open", query.before, query.limit ?? apiLimits.conversationsPage.default);
        return { conversations: page.conversations.map(conversationJson), next: page.next };
      },
      {
        query: t.Object({
          status: t.Optional(t.UnionEnum(statuses, { error: "status must be open, queued or closed" })),
          before: t.Optional(id("before")),
          limit: t.Optional(pageSize(apiLimits.conversationsPage.max)),
        }),
      },
    )
    .get(
      "/conversations/:id/messages",
      ({ agent, params, query }) => {
        const conversation = findConversationForAgent(db, agent.businessId, params.id);
        const limit = query.limit ?? apiLimits.messagesPage.default;
        const rows = conversationMessagesAfter(db, conversation.id, query.after ?? 0, limit + 1);
        const page = rows.slice(0, limit);
        return { messages: page.map(messageJson), next: rows.length > limit ? page[page.length - 1]!.id : null };
      },
      {
        params: conversationParams,
        query: t.Object({
          after: t.Optional(t.Integer({ minimum: 0, error: "after must be a whole number of at least 0" })),
          limit: t.Optional(pageSize(apiLimits.messagesPage.max)),
        }),
      },
    )
    .post(
      "/conversations/:id/messages",
      ({ agent, params, body, status }) => {
        // Persisted before this returns, and published to the visitor through the hub (invariant 1).
        const sent = sendAgentMessage(db, hub, agent, params.id, { body: body.body, clientId: body.clientId });
        // A clientId seen before returns the stored message, never a second one (invariant 2).
        return status(sent.created ? 201 : 200, messageJson(sent.message));
      },
      {
        params: conversationParams,
        body: t.Object({
          // Generous bounds: the real limits (message length in characters, the clientId pattern)
          // are checked by the domain, which answers 422 with the rule that was broken.
          body: t.String({ maxLength: messageLimits.bodyLength * 2, error: `body must be text of at most ${messageLimits.bodyLength} characters` }),
          clientId: t.String({ maxLength: 200, error: "clientId must be a string of 8 to 64 letters, digits, - or _" }),
        }),
      },
    )
    .post("/conversations/:id/close", ({ agent, params }) => conversationJson(closeConversation(db, hub, agent, params.id)), {
      params: conversationParams,
    });
}
