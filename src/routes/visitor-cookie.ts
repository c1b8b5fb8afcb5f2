// The visitor's identity on the chat page and its socket: a random token in a cookie limited to
// that shop's chat path, so one browser is a separate visitor of each shop on the same server.
import type { Server } from "bun";
import { t } from "elysia";
import type { AppDeps } from "../app";
import type { Queryable } from "../db/client";
import { type Pool, resolvePool } from "../domain/assignment";
import { isIpBlocked } from "../domain/blocked-ips";
import { type Business, findBusinessByWidgetKey } from "../domain/businesses";
import { findVisitorByToken, isVisitorToken, storeVisitor, type Visitor } from "../domain/visitors";
import { isLocale, localeFromAcceptLanguage, translator } from "../i18n";
import type { PageContext } from "../views/page";
import { clientIp, isHttps } from "./client";

export const visitorCookieName = "kefu_visitor";

const visitorCookieMaxAge = 365 * 24 * 60 * 60;

/**
 * Gives this browser the visitor's token. In the widget's iframe the chat page is a third party
 * of the shop's site: its cookie must be SameSite=None (so Secure) and Partitioned (CHIPS), kept
 * per embedding site. Browsers take Secure cookies over HTTPS and from localhost only; a server
 * on plain HTTP elsewhere falls back to Lax, which works when the shop and Kefu are one site.
 */
export function setVisitorCookie(
  cookie: Record<string, { set(options: Record<string, unknown>): unknown }>,
  token: string,
  request: Request,
  config: Pick<AppDeps["config"], "publicUrl" | "trustProxy">,
  widgetKey: string,
): void {
  const secure = isHttps(request, config.publicUrl, config.trustProxy) || isLoopback(new URL(request.url).hostname);
  cookie[visitorCookieName]!.set({
    value: token,
    httpOnly: true,
    ...(secure ? { sameSite: "none", secure: true, partitioned: true } : { sameSite: "lax", secure: false }),
    path: visitorCookiePath(widgetKey),
    maxAge: visitorCookieMaxAge,
  });
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname.endsWith(".localhost") || hostname === "[::1]" || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export function visitorCookiePath(widgetKey: string): string {
  return `/chat/${widgetKey}`;
}

/** The shop's chat page as visitors reach it: on the public URL when one is configured. */
export function chatPageUrl(config: Pick<AppDeps["config"], "publicUrl">, request: Request, widgetKey: string): string {
  return `${config.publicUrl ?? new URL(request.url).origin}${visitorCookiePath(widgetKey)}`;
}

export interface VisitorRequest {
  business: Business | null;
  visitor: Visitor | null;
  /** The client's address (clientIp), to remember with the visit and to check against IP blocks. */
  ip: string | null;
  /**
   * The business blocked this visitor or the address they come from, or the business is disabled: every visitor route
   * answers only "chat is unavailable" and changes nothing.
   */
  blocked: boolean;
  page: PageContext;
  /** The cookie's token when Kefu signed it for this business but no visitor is stored for it yet. */
  unstoredToken: string | null;
}

export function visitorFromCookie(
  { db, secret, config, newVisitors }: Pick<AppDeps, "db" | "secret" | "config" | "newVisitors">,
  widgetKey: string,
  cookie: Record<string, { value?: unknown }>,
  request: Request,
  server: Server<unknown> | null,
  /** The widget's `setLocale`/`kefuSettings.locale`, before the browser's own languages. */
  chosenLocale?: string,
  /**
   * Store the visitor of a signed token that has none yet: for what a visitor's page does once it
   * runs (its socket, its reports, a message, a file), never for fetching the page itself.
   */
  store = false,
): VisitorRequest {
  const locale = isLocale(chosenLocale) ? chosenLocale : localeFromAcceptLanguage(request.headers.get("accept-language"));
  const page = { t: translator(locale), locale };
  const business = findBusinessByWidgetKey(db, widgetKey) ?? null;
  const cookieValue = cookie[visitorCookieName]?.value;
  const token = typeof cookieValue === "string" && cookieValue ? cookieValue : null;
  let visitor = business && token ? (findVisitorByToken(db, secret, business.id, token) ?? null) : null;
  const ip = clientIp(request, server, config.trustProxy);
  const ipBlocked = business !== null && isIpBlocked(db, business.id, ip);
  const unstoredToken = business && token && !visitor && isVisitorToken(secret, business.id, token) ? token : null;
  // One address may bring only so many new visitors a minute: rotating cookies buys no rows.
  // Counted in each process even with Redis: it bounds rows, and N processes' N times a bound is
  // still one, while sharing it would put a Redis round trip into this synchronous check that
  // every visitor route and the socket upgrade run.
  if (store && unstoredToken && !ipBlocked && newVisitors.retryAfterMs([`ip:${ip}`]) === 0) {
    newVisitors.record([`ip:${ip}`]);
    visitor = storeVisitor(db, secret, business!.id, unstoredToken, { ip, userAgent: request.headers.get("user-agent"), page: request.headers.get("referer") });
  }
  // A shop the platform admin disabled is unavailable to all its visitors alike.
  const blocked = business !== null && (business.disabled || visitor?.blocked === true || ipBlocked);
  return { business, visitor, ip, blocked, page, unstoredToken: visitor ? null : unstoredToken };
}

/**
 * A chat link may name a group (`?group=`) or an agent (`?agent=`, an exclusive link), a language
 * (`?locale=`), and how the visitor came: the widget's iframe (`?embed=1`) or a WeChat
 * official-account menu (`?via=wechat`).
 */
export const linkQuery = t.Object({
  group: t.Optional(t.String({ maxLength: 20 })),
  agent: t.Optional(t.String({ maxLength: 20 })),
  locale: t.Optional(t.String({ maxLength: 10 })),
  embed: t.Optional(t.String({ maxLength: 5 })),
  via: t.Optional(t.String({ maxLength: 20 })),
  // Back from a WeChat sign-in that did not happen: chat anonymous, do not ask again (wechat-sign-in.ts).
  anonymous: t.Optional(t.String({ maxLength: 5 })),
});

/** Who the link asks for; a stale or mistyped id names nothing. */
export function linkPool(db: Queryable, businessId: number, link: { group?: string; agent?: string }): Pool {
  const id = (value: string | undefined) => (value && /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : undefined);
  return resolvePool(db, businessId, { group: id(link.group), agent: id(link.agent) });
}
