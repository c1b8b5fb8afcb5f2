// Responses several routes give in the same words.
import { acceptsGzip } from "./client";
import { messagePage } from "../views/auth";
import type { PageContext } from "../views/page";
import type { SafeHtml } from "../views/html";

export function htmlResponse(body: SafeHtml, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(body.value, { status, headers: { ...headers, "content-type": "text/html; charset=utf-8" } });
}

/**
 * A page, gzipped for a browser that takes it: the chat page is part of the visitor's first load
 * (DESIGN budget), the console's pages with QR codes run to tens of KB. Fragments under 1 KB are
 * not worth the CPU.
 */
export function pageResponse(request: Request, body: SafeHtml, status = 200, headers: Record<string, string> = {}): Response {
  if (body.value.length < 1024 || !acceptsGzip(request)) return htmlResponse(body, status, headers);
  return new Response(Bun.gzipSync(body.value), {
    status,
    headers: { ...headers, "content-type": "text/html; charset=utf-8", "content-encoding": "gzip", vary: "accept-encoding" },
  });
}

/** Why an action was refused, as plain text: the console shows it beside what was clicked (console.js). */
export function refusal(reason: string, status: number): Response {
  return new Response(reason, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

export function forbidden(page: PageContext): Response {
  return htmlResponse(messagePage(page, page.t("error.forbiddenTitle"), page.t("error.forbidden"), { href: "/console", label: page.t("notFound.back") }), 403);
}

export function notFound(page: PageContext): Response {
  return htmlResponse(messagePage(page, page.t("notFound.title"), page.t("error.notFound"), { href: "/", label: page.t("notFound.back") }), 404);
}
