import type { Locale, Translate } from "../i18n";
import { manifestPath, workerScope, workerUrl } from "../routes/app-shell";
import { assetUrl } from "../routes/assets";
import { defaultBrandColor } from "./brand";
import { connectionNotice } from "./connection";
import { html, type SafeHtml } from "./html";

/** What every page needs to speak the reader's language. */
export interface PageContext {
  t: Translate;
  locale: Locale;
}

/** The HTML document around every page: stylesheet, htmx (with hx-ws) and Alpine, all local. */
export function documentPage(ctx: PageContext, title: string, body: SafeHtml, options: { chat?: boolean; visitor?: boolean; console?: boolean } = {}): SafeHtml {
  return html`<!doctype html>
<html lang="${ctx.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${ctx.t("app.name")}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetUrl("kefu.css")}">
${options.console ? html`<link rel="stylesheet" href="${assetUrl("console.css")}">
<link rel="manifest" href="${manifestPath}?locale=${ctx.locale}">
<meta name="theme-color" content="${defaultBrandColor}">
<link rel="apple-touch-icon" href="${assetUrl("icon-192.png")}">` : ""}
<script src="${assetUrl("alpine.js")}" defer></script>
</head>
<body>
${body}
${options.chat ? connectionNotice(ctx.t) : ""}
<!-- Not deferred, and after the content: htmx then starts on DOMContentLoaded, when hx-ws,
     hx-upsert and chat.js are all registered. Deferred, htmx could start (and open the socket)
     before an extension or chat.js had arrived, leaving the page silently offline. -->
<script src="${assetUrl("htmx.js")}"></script>
<script src="${assetUrl("hx-ws.js")}"></script>
${options.chat ? html`<script src="${assetUrl("hx-upsert.js")}"></script>
<script src="${assetUrl("chat.js")}"></script>` : ""}
${options.chat ? html`<script src="${assetUrl("attachments.js")}"></script>
<script src="${assetUrl("composer.js")}"></script>` : ""}
${options.visitor ? html`<script src="${assetUrl("embed.js")}"></script>` : ""}
${options.console ? html`<script src="${assetUrl("canned-replies.js")}"></script>
<script src="${assetUrl("console.js")}" data-worker="${workerUrl}" data-worker-scope="${workerScope}"></script>` : ""}
</body>
</html>`;
}
