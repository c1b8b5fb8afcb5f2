// The visitor's identity on the chat page and its socket: a random token in a cookie limited to
// that shop's chat path, so one browser is a separate visitor of each shop on the same server.
import type { AppDeps } from "../app";
import { type Business, findBusinessByWidgetKey } from "../domain/businesses";
import { findVisitorByToken, type Visitor } from "../domain/visitors";
import { localeFromAcceptLanguage, translator } from "../i18n";
import type { PageContext } from "../views/page";

export const visitorCookieName = "kefu_visitor";

export function visitorCookiePath(widgetKey: string): string {
  return `/chat/${widgetKey}`;
}

export interface VisitorRequest {
  business: Business | null;
  visitor: Visitor | null;
  page: PageContext;
}

export function visitorFromCookie(
  { db, secret }: Pick<AppDeps, "db" | "secret">,
  widgetKey: string,
  cookie: Record<string, { value?: unknown }>,
  request: Request,
): VisitorRequest {
  const locale = localeFromAcceptLanguage(request.headers.get("accept-language"));
  const page = { t: translator(locale), locale };
  const business = findBusinessByWidgetKey(db, widgetKey) ?? null;
  const token = cookie[visitorCookieName]?.value;
  const visitor = business && typeof token === "string" && token ? (findVisitorByToken(db, secret, business.id, token) ?? null) : null;
  return { business, visitor, page };
}
