// Responses several routes give in the same words.
import { messagePage } from "../views/auth";
import type { PageContext } from "../views/page";
import type { SafeHtml } from "../views/html";

export function htmlResponse(body: SafeHtml, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body.value, { status, headers: { ...headers, "content-type": "text/html; charset=utf-8" } });
}

export function forbidden(page: PageContext): Response {
  return htmlResponse(messagePage(page, page.t("error.forbiddenTitle"), page.t("error.forbidden"), { href: "/console", label: page.t("notFound.back") }), 403);
}

export function notFound(page: PageContext): Response {
  return htmlResponse(messagePage(page, page.t("notFound.title"), page.t("error.notFound"), { href: "/", label: page.t("notFound.back") }), 404);
}
