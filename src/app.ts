// createApp(deps) builds the whole HTTP application from what it is given; nothing global, so a
// test builds as many isolated apps as it likes.
import type { Database as SQLite } from "bun:sqlite";
import { Elysia } from "elysia";
import type { Config } from "./config";
import type { Database } from "./db/client";
import { isStorageFull, NotFoundError, RuleError } from "./domain/errors";
import { attachmentLimits, limits } from "./domain/limits";
import { ConcurrencyLimit } from "./domain/concurrency-limit";
import { AnswerBook } from "./domain/answer-book";
import { type RateLimit, RateLimiter } from "./domain/rate-limiter";
import { sharedRateLimit } from "./domain/redis-rate-limiter";
import { localeFromAcceptLanguage, translator } from "./i18n";
import type { Log } from "./log";
import { apiErrorResponse, apiRoutes, isApiRequest } from "./routes/api";
import { assetRoutes } from "./routes/assets";
import { appShellRoutes } from "./routes/app-shell";
import { authRoutes } from "./routes/auth";
import { consoleRoutes } from "./routes/console";
import { isSameOrigin, needsCsrfCheck } from "./routes/csrf";
import { healthRoutes } from "./routes/health";
import { hoursRoutes } from "./routes/hours";
import { inboxRoutes } from "./routes/inbox";
import { profileRoutes } from "./routes/profile";
import { cannedReplyRoutes } from "./routes/canned-replies";
import { notFound, pageResponse } from "./routes/responses";
import { settingsRoutes } from "./routes/settings";
import { deployRoutes } from "./routes/deploy";
import { teamRoutes } from "./routes/team";
import { groupRoutes } from "./routes/groups";
import { triggerRoutes } from "./routes/triggers";
import { visitorWindowRoutes } from "./routes/visitor-window";
import { automaticAnswerRoutes } from "./routes/automatic-answers";
import { blockedRoutes } from "./routes/blocked";
import { liveVisitorRoutes } from "./routes/live-visitors";
import { visitorProfileRoutes } from "./routes/visitor-profile";
import { reportRoutes } from "./routes/reports";
import { searchRoutes } from "./routes/search";
import { conversationListRoutes } from "./routes/conversation-lists";
import { customerRoutes } from "./routes/customers";
import { workspaceRoutes } from "./routes/workspace";
import { chatRoutes } from "./routes/chat";
import { wechatSignInRoutes } from "./routes/wechat-sign-in";
import { attachmentRoutes } from "./routes/attachments";
import { widgetRoutes } from "./routes/widget";
import { widgetReportRoutes } from "./routes/widget-reports";
import { ratingRoutes } from "./routes/ratings";
import { preferenceRoutes } from "./routes/preferences";
import { pushRoutes } from "./routes/push";
import { platformRoutes } from "./routes/platform";
import { integrationRoutes } from "./routes/integrations";
import { emailSettingsRoutes } from "./routes/email-settings";
import { createOutbound, type Outbound } from "./outbound/outbound";
import { agentSocket } from "./realtime/agent-socket";
import { GroupCommit } from "./realtime/group-commit";
import { bunBroker } from "./realtime/broker";
import { redisBroker } from "./realtime/redis-broker";
import { installationPrefix, sharedRedis, soleProcess } from "./realtime/cluster";
import { otherProcesses } from "./realtime/cluster-effects";
import { Hub } from "./realtime/hub";
import { visitorSocket } from "./realtime/visitor-socket";
import { uploadRoutes } from "./routes/uploads";
import { SafeHtml } from "./views/html";
import { securityHeaders } from "./routes/security-headers";

export interface AppDeps {
  db: Database;
  sqlite: SQLite;
  secret: string;
  /** `wechat` defaults to WeChat's own addresses (config.ts wechatUrls). */
  config: Pick<Config, "publicUrl" | "trustProxy"> & Partial<Pick<Config, "wechat" | "pushToPrivateAddresses" | "redisUrl">>;
  uploadsDir: string;
  log: Log;
  /** Failed sign-ins per address and per account, shared by every process (redis-rate-limiter.ts). */
  loginThrottle: RateLimit;
  /** Password checks anyone can start (sign-in): a few at once, a short line, then refused. */
  passwordChecks: ConcurrencyLimit;
  /** New visitors stored per address a minute (visitor-cookie.ts). */
  newVisitors: RateLimiter;
  /** How long a closed last socket still counts as online (a reload must not flap). */
  presenceGraceMs: number;
  /** With Redis, how often this process says it is alive to the others (tests shorten it). */
  heartbeatMs?: number;
  /** How long a call rings before it is missed (tests shorten it). */
  callRingMs?: number;
  /** Each shop's automatic answers and banned words, compiled once (domain/answer-book.ts). */
  answerBook: AnswerBook;
  /** Names this installation's Redis keys and channels apart (cluster.ts); by default from the secret. */
  redisKeyPrefix?: string;
}

export type AppOptions = Omit<AppDeps, "loginThrottle" | "passwordChecks" | "newVisitors" | "presenceGraceMs" | "answerBook"> &
  Partial<Pick<AppDeps, "loginThrottle" | "passwordChecks" | "newVisitors" | "presenceGraceMs">>;


export function createApp(options: AppOptions) {
  const redisUrl = options.config.redisUrl;
  const cluster = redisUrl ? sharedRedis(redisUrl, options.redisKeyPrefix ?? installationPrefix(options.secret), options.log) : soleProcess();
  const deps: AppDeps = {
    ...options,
    loginThrottle: options.loginThrottle ?? sharedRateLimit(cluster, options.log, "login", limits.loginFailuresPerWindow, limits.loginWindowMs),
    passwordChecks: options.passwordChecks ?? new ConcurrencyLimit(limits.passwordChecksAtOnce, limits.passwordChecksWaiting),
    newVisitors: options.newVisitors ?? new RateLimiter(limits.newVisitorsPerIpMinute, 60_000),
    presenceGraceMs: options.presenceGraceMs ?? 5000,
    answerBook: new AnswerBook(options.db, otherProcesses(cluster, "answers")),
  };
  const pageFor = (request: Request) => {
    const locale = localeFromAcceptLanguage(request.headers.get("accept-language"));
    return { t: translator(locale), locale };
  };

  // Bun's server exists only once the app listens; the broker asks for it at publish time.
  const server = () => app.server;
  const broker = cluster.link ? redisBroker({ ...cluster, link: cluster.link }, server) : bunBroker(server);
  const hub = new Hub(deps.db, broker, cluster, { graceMs: deps.presenceGraceMs, heartbeatMs: deps.heartbeatMs, log: deps.log }, deps.callRingMs);
  const commits = new GroupCommit(deps.sqlite, hub, deps.log);
  const outbound = createOutbound(deps.db, hub, deps.log, { allowPrivate: deps.config.pushToPrivateAddresses ?? false, publicUrl: deps.config.publicUrl });
  const app = new Elysia({
    // Room for the largest file a business may allow; routes/attachments.ts bounds every other body.
    serve: { maxRequestBodySize: attachmentLimits.maxMegabytes * 1024 * 1024 + attachmentLimits.multipartOverheadBytes },
    // App level only: Elysia ignores these per route (DESIGN, stack facts).
    websocket: {
      maxPayloadLength: limits.socketFrameBytes,
      idleTimeout: limits.socketIdleSeconds,
      sendPings: true,
      perMessageDeflate: false,
    },
  })
    .onRequest(({ request, set }) => {
      Object.assign(set.headers, securityHeaders);
      if (needsCsrfCheck(request) && !isSameOrigin(request, deps.config.publicUrl)) {
        return new Response(pageFor(request).t("error.csrf"), {
          status: 403,
          headers: { ...securityHeaders, "content-type": "text/plain; charset=utf-8" },
        });
      }
    })
    // A form whose boxes are all unticked posts an empty body, which Bun passes on as no body at
    // all and Elysia then leaves undefined ("Expected object"): an empty form is an empty object.
    .onTransform({ as: "global" }, (context) => {
      if (context.body === undefined && isFormPost(context.request)) context.body = {};
    })
    .mapResponse(({ responseValue, set, request }) => {
      if (responseValue instanceof SafeHtml) {
        return pageResponse(request, responseValue, typeof set.status === "number" ? set.status : 200, set.headers as Record<string, string>);
      }
    })
    .onError(({ code, error, request }) => {
      // Integrations read JSON: every error under /api/ is `{ "error": ... }` (routes/api.ts).
      if (isApiRequest(request)) return apiErrorResponse(code, error, request, deps.log);
      const page = pageFor(request);
      if (error instanceof NotFoundError || code === "NOT_FOUND") return notFound(page);
      if (error instanceof RuleError) {
        return new Response(page.t(error.problem.key, error.problem.params), { status: 409 });
      }
      if (isStorageFull(error)) {
        deps.log.error("disk full", { method: request.method, url: request.url });
        return new Response(page.t("error.storageFull"), { status: 507, headers: { "content-type": "text/plain; charset=utf-8" } });
      }
      if (code === "VALIDATION" || code === "PARSE") {
        const detail = code === "VALIDATION" ? validationSummary(error) : "the body could not be read";
        return new Response(page.t("error.badRequest", { detail }), { status: 400, headers: { "content-type": "text/plain; charset=utf-8" } });
      }
      deps.log.error("request failed", { method: request.method, url: request.url, error });
      return new Response(page.t("error.internal"), { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } });
    })
    .use(healthRoutes(deps))
    .use(assetRoutes())
    .use(appShellRoutes())
    .use(uploadRoutes(deps.uploadsDir))
    .use(authRoutes(deps, hub))
    .use(consoleRoutes(deps, hub))
    .use(shopManagementRoutes(deps, hub, outbound))
    .use(inboxRoutes(deps, hub))
    .use(liveVisitorRoutes(deps, hub))
    .use(visitorProfileRoutes(deps, hub))
    .use(profileRoutes(deps, hub))
    .use(cannedReplyRoutes(deps))
    .use(searchRoutes(deps))
    .use(reportRoutes(deps))
    .use(conversationListRoutes(deps))
    .use(customerRoutes(deps, hub))
    .use(workspaceRoutes(deps, hub))
    .use(visitorPageRoutes(deps, hub))
    .use(preferenceRoutes(deps))
    .use(pushRoutes(deps, outbound.devices))
    .use(visitorSocket(deps, hub, commits))
    .use(agentSocket(deps, hub, commits))
    .use(apiRoutes(deps, hub, outbound))
    .onStop(() => hub.stop());
  return Object.assign(app, { hub, outbound });
}

/**
 * The pages where owners and admins run the shop, and the platform page above them. One plugin, so
 * that the app's chain of plugins stays short enough for TypeScript to type.
 */
function shopManagementRoutes(deps: AppDeps, hub: Hub, outbound: Outbound) {
  return new Elysia({ name: "shop-management" })
    .use(settingsRoutes(deps, hub))
    .use(deployRoutes(deps))
    .use(hoursRoutes(deps))
    .use(teamRoutes(deps, hub))
    .use(groupRoutes(deps, hub))
    .use(triggerRoutes(deps, hub))
    .use(visitorWindowRoutes(deps))
    .use(automaticAnswerRoutes(deps))
    .use(blockedRoutes(deps, hub))
    .use(integrationRoutes(deps, outbound))
    .use(emailSettingsRoutes(deps, outbound))
    .use(platformRoutes(deps, hub));
}

/** What visitors reach: the widget, the chat page and what it posts, WeChat's sign-in. One plugin, like shopManagementRoutes. */
function visitorPageRoutes(deps: AppDeps, hub: Hub) {
  return new Elysia({ name: "visitor-pages" })
    .use(chatRoutes(deps, hub))
    .use(wechatSignInRoutes(deps, hub))
    .use(attachmentRoutes(deps, hub))
    .use(widgetRoutes(deps))
    .use(widgetReportRoutes(deps, hub))
    .use(ratingRoutes(deps, hub));
}

function isFormPost(request: Request): boolean {
  const type = request.headers.get("content-type") ?? "";
  return type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data");
}

/** "email: Expected string" from Elysia's validation error, without its internals. */
function validationSummary(error: unknown): string {
  const all = (error as { all?: { path?: string; summary?: string; message?: string }[] }).all ?? [];
  const first = all[0];
  if (!first) return "a field is missing or has the wrong type";
  const field = first.path?.replace(/^\//, "") || "body";
  return `${field}: ${first.summary ?? first.message ?? "invalid"}`;
}

export type App = ReturnType<typeof createApp>;
