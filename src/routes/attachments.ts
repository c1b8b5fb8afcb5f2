// Sending and fetching files in a conversation. Visitors upload and read under their chat path
// (/chat/:widgetKey, where their cookie goes); agents under /console. Threat: our origin serving
// someone's bytes as a page. Only images and audio are served inline, with the type read from
// their content; everything else is a download, and every file gets nosniff and a sandboxing CSP.
// A file outside the asker's scope is "not found", never "forbidden": nobody learns it exists.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { type Attachment, AttachmentRefused, findBusinessAttachment, findVisitorAttachment, sendAgentAttachment, sendVisitorAttachment, storedFilePath, tooLarge } from "../domain/attachments";
import { type Business, findBusiness, findBusinessByWidgetKey } from "../domain/businesses";
import { arrivalChannel } from "../domain/conversations";
import { NotFoundError, problemOf, RuleError, ValidationError } from "../domain/errors";
import { attachmentLimits, limits } from "../domain/limits";
import { sharedRateLimit } from "../domain/redis-rate-limiter";
import { findSignedIn } from "../domain/sessions";
import { isLocale, localeFromAcceptLanguage, type Translate, translator } from "../i18n";
import type { Hub } from "../realtime/hub";
import { kindList } from "../views/attachment";
import { messageView } from "../views/message";
import { isApiRequest } from "./api";
import { consoleContext } from "./console-context";
import { sessionCookieName } from "./session";
import { linkPool, linkQuery, visitorFromCookie } from "./visitor-cookie";

const visitorUploadPath = /^\/chat\/([^/]+)\/attachments\/?$/;
const agentUploadPath = /^\/console\/conversations\/\d+\/attachments\/?$/;
const bodylessMethods = new Set(["GET", "HEAD", "OPTIONS"]);
const sessionCookiePattern = new RegExp(`(?:^|;\\s*)${sessionCookieName}=([^;]*)`);

/** Shown inline, with the type read from their first bytes: pictures and sound cannot run script. */
const inlineTypes = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "audio/webm", "audio/ogg", "audio/mpeg", "audio/mp4", "audio/wav"]);

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { ...headers, "content-type": "text/plain; charset=utf-8" } });
}

/** An id from a URL; anything else names no attachment. */
function idOf(value: string): number | null {
  return /^[1-9][0-9]{0,14}$/.test(value) ? Number(value) : null;
}

/** RFC 5987: the name percent-encoded as UTF-8, so no quote, semicolon or newline can break the header. */
function encodedName(name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** What a download is labelled as: never a type a browser would render as a page. */
function downloadType(mime: string): string {
  if (mime === "text/plain") return "text/plain; charset=utf-8";
  return /^application\/[a-z0-9.+-]+$/.test(mime) && !/(html|xml|javascript|svg)/.test(mime) ? mime : "application/octet-stream";
}

/** The stored file, whole or the byte range asked for (audio players seek by ranges). */
async function serveAttachment(uploadsDir: string, attachment: Attachment, request: Request): Promise<Response> {
  const path = storedFilePath(uploadsDir, attachment);
  const file = path ? Bun.file(path) : null;
  if (!file || !(await file.exists())) return text(404, "Not found");
  const inline = inlineTypes.has(attachment.mimeType);
  const headers: Record<string, string> = {
    "content-type": inline ? attachment.mimeType : downloadType(attachment.mimeType),
    "content-disposition": `${inline ? "inline" : "attachment"}; filename*=UTF-8''${encodedName(attachment.originalName)}`,
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
    "cross-origin-resource-policy": "same-origin",
    // The content behind an id never changes; only the people allowed to see it may keep it.
    "cache-control": "private, max-age=31536000, immutable",
    "accept-ranges": "bytes",
  };
  const size = file.size;
  const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get("range") ?? "");
  if (!range || (range[1] === "" && range[2] === "")) return new Response(file, { headers });
  let start = range[1] === "" ? Math.max(0, size - Number(range[2])) : Number(range[1]);
  let end = range[1] === "" || range[2] === "" ? size - 1 : Math.min(Number(range[2]), size - 1);
  if (start > end || start >= size) return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${size}` } });
  start = Math.max(0, start);
  end = Math.max(start, end);
  return new Response(file.slice(start, end + 1), { status: 206, headers: { ...headers, "content-range": `bytes ${start}-${end}/${size}` } });
}

/** A refused upload as the status and words the page shows in place of the file. */
function refusal(t: Translate, error: unknown): Response {
  if (error instanceof AttachmentRefused) {
    const status = error.reason === "tooLarge" || error.reason === "quota" ? 413 : error.reason === "kind" ? 415 : 422;
    const message = error.problem.key === "attachment.kindRefused" ? t("attachment.kindRefused", { kinds: kindList(t, error.accepted) }) : t(error.problem.key, error.problem.params);
    return text(status, message);
  }
  if (error instanceof NotFoundError) return text(404, t("error.notFound"));
  if (error instanceof RuleError) return text(409, t(error.problem.key, error.problem.params));
  if (error instanceof ValidationError) {
    const problem = problemOf(error);
    return text(422, t(problem.key, problem.params));
  }
  throw error;
}

const uploadBody = t.Object({ file: t.File(), clientId: t.String({ maxLength: 64 }) });

export function attachmentRoutes(deps: AppDeps, hub: Hub) {
  const { db, secret, uploadsDir } = deps;
  const uploadsByVisitor = sharedRateLimit(hub.cluster, deps.log, "upload-visitor", attachmentLimits.visitorUploadsPerMinute, 60_000);
  const uploadsByIp = sharedRateLimit(hub.cluster, deps.log, "upload-ip", attachmentLimits.ipUploadsPerMinute, 60_000);

  /** The business an upload goes to, and the language to refuse it in, before its body is read. */
  function uploadTarget(request: Request, url: URL): { business: Business; t: Translate } | null {
    const visitorPath = visitorUploadPath.exec(url.pathname);
    if (visitorPath) {
      const business = findBusinessByWidgetKey(db, decodeURIComponent(visitorPath[1]!));
      const chosen = url.searchParams.get("locale");
      const locale = isLocale(chosen) ? chosen : localeFromAcceptLanguage(request.headers.get("accept-language"));
      return business ? { business, t: translator(locale) } : null;
    }
    const token = sessionCookiePattern.exec(request.headers.get("cookie") ?? "")?.[1];
    const signedIn = token ? findSignedIn(db, secret, decodeURIComponent(token)) : null;
    const business = signedIn ? findBusiness(db, signedIn.agent.businessId) : undefined;
    return signedIn && business ? { business, t: translator(signedIn.agent.locale ?? localeFromAcceptLanguage(request.headers.get("accept-language"))) } : null;
  }

  /**
   * Bounds every request body before it is read. The server takes bodies up to the largest file a
   * business may allow (app.ts); a form post still gets no more than limits.formBodyBytes, and an
   * upload no more than its business's limit, judged by Content-Length (its real size is checked
   * after too). A body without a length (chunked) is refused: browsers always send one with a form
   * or a FormData upload, and without it nothing bounds what would be read. An upload to no known
   * shop or session is refused unread beyond the form limit, so nobody can make the server hold
   * 50 MB without a business to charge it to.
   */
  function boundBody({ request }: { request: Request }): Response | undefined {
    if (bodylessMethods.has(request.method)) return;
    const url = new URL(request.url);
    const header = request.headers.get("content-length");
    const length = header === null ? null : Number(header);
    const isUpload = visitorUploadPath.test(url.pathname) || agentUploadPath.test(url.pathname);
    if (!isUpload) {
      const t = translator(localeFromAcceptLanguage(request.headers.get("accept-language")));
      // Integrations read JSON errors (routes/api.ts); pages read text.
      const refuse = (status: number, message: string) => (isApiRequest(request) ? Response.json({ error: message }, { status }) : text(status, message));
      if (length === null && request.headers.has("transfer-encoding")) return refuse(411, t("attachment.lengthRequired"));
      if (length !== null && length > limits.formBodyBytes) {
        return refuse(413, t("attachment.bodyTooLarge", { size: (length / 1048576).toFixed(1), max: limits.formBodyBytes / 1048576 }));
      }
      return;
    }
    const t = () => translator(localeFromAcceptLanguage(request.headers.get("accept-language")));
    if (length === null && request.headers.has("transfer-encoding")) return text(411, t()("attachment.lengthRequired"));
    if (length === null) return;
    if (length <= attachmentLimits.minMegabytes * 1048576) return;
    const target = uploadTarget(request, url);
    if (!target) return length > limits.formBodyBytes ? text(404, t()("error.notFound")) : undefined;
    if (length > target.business.uploadMaxBytes + attachmentLimits.multipartOverheadBytes) {
      return refusal(target.t, tooLarge(target.business, length));
    }
  }

  const visitorRoutes = new Elysia()
    .derive(({ params, query, cookie, request, server }) => ({
      ...visitorFromCookie(deps, (params as { widgetKey?: string }).widgetKey ?? "", cookie, request, server, (query as { locale?: string }).locale, request.method === "POST"),
    }))
    .post(
      "/chat/:widgetKey/attachments",
      async ({ query, body, business, visitor, ip, blocked, page, request }) => {
        const { t } = page;
        if (!business) return text(404, t("error.notFound"));
        if (blocked) return text(403, t("chat.blocked"));
        if (!visitor) return text(404, t("error.notFound"));
        const keys = { visitor: [`visitor:${visitor.id}`], ip: ip ? [`ip:${ip}`] : [] };
        const waits = await Promise.all([uploadsByVisitor.retryAfterMs(keys.visitor), uploadsByIp.retryAfterMs(keys.ip)]);
        if (Math.max(...waits) > 0) return text(429, t("attachment.tooMany"));
        try {
          if (body.file.size > business.uploadMaxBytes) throw tooLarge(business, body.file.size);
          const upload = { clientId: body.clientId, name: body.file.name, bytes: new Uint8Array(await body.file.arrayBuffer()) };
          const pool = linkPool(db, business.id, query);
          const channel = arrivalChannel(query, request.headers.get("user-agent"));
          const sent = await sendVisitorAttachment(db, hub, uploadsDir, business, visitor, upload, hub.agents.onlineIds(), pool, channel);
          if (sent.created) {
            await Promise.all([uploadsByVisitor.record(keys.visitor), uploadsByIp.record(keys.ip)]);
          }
          return messageView(t, sent.message, "visitor");
        } catch (error) {
          return refusal(t, error);
        }
      },
      { query: linkQuery, body: uploadBody },
    )
    .get("/chat/:widgetKey/attachments/:id", async ({ params, business, visitor, blocked, page, request }) => {
      if (blocked) return text(403, page.t("chat.blocked"));
      const id = idOf(params.id);
      const attachment = business && visitor && id ? findVisitorAttachment(db, visitor.id, id) : undefined;
      if (!attachment || attachment.businessId !== business!.id) return text(404, page.t("error.notFound"));
      return serveAttachment(uploadsDir, attachment, request);
    });

  const agentRoutes = new Elysia()
    .use(consoleContext(deps))
    .post(
      "/console/conversations/:id/attachments",
      async ({ ctx, params, body }) => {
        const { t, business } = ctx;
        try {
          const id = idOf(params.id);
          if (!id) throw new NotFoundError("conversation");
          if (body.file.size > business.uploadMaxBytes) throw tooLarge(business, body.file.size);
          const upload = { clientId: body.clientId, name: body.file.name, bytes: new Uint8Array(await body.file.arrayBuffer()) };
          const sent = await sendAgentAttachment(db, hub, uploadsDir, business, ctx.agent, id, upload);
          return messageView(t, sent.message, "agent");
        } catch (error) {
          return refusal(t, error);
        }
      },
      { body: uploadBody },
    )
    .get("/console/attachments/:id", async ({ ctx, params, request }) => {
      const id = idOf(params.id);
      const attachment = id ? findBusinessAttachment(db, ctx.agent.businessId, id) : undefined;
      if (!attachment) return text(404, ctx.t("error.notFound"));
      return serveAttachment(uploadsDir, attachment, request);
    });

  return new Elysia().onRequest(boundBody).use(visitorRoutes).use(agentRoutes);
}
