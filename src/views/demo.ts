// /demo: a small shop page with the widget on it, as a shop would paste it. For trying Kefu, for
// the deployment page's previews, and for the end-to-end tests.
import type { Business } from "../domain/businesses";
import { assetUrl } from "../routes/assets";
import { html } from "./html";
import type { PageContext } from "./page";

export function demoPage(ctx: PageContext, business: Business, mode: "mini" | "window") {
  const { t } = ctx;
  const settings = { product: { title: t("demo.productTitle"), price: t("demo.productPrice"), description: t("demo.productDescription") } };
  return html`<!doctype html>
<html lang="${ctx.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t("demo.title")}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetUrl("kefu.css")}">
</head>
<body class="demo" data-kefu-settings="${JSON.stringify(settings)}">
<main class="card panel demo-shop">
  <h1>${t("demo.title")}</h1>
  <p class="muted">${t(mode === "window" ? "demo.introWindow" : "demo.introMini")}</p>
  <article class="demo-product">
    <h2>${settings.product.title}</h2>
    <p><strong>${settings.product.price}</strong></p>
    <p>${settings.product.description}</p>
  </article>
  <p class="actions">
    <button type="button" data-kefu="open">${t("demo.open")}</button>
    <a href="#shipping" data-demo-page="${t("demo.shipping")}">${t("demo.shipping")}</a>
    <a href="#returns" data-demo-page="${t("demo.returns")}">${t("demo.returns")}</a>
  </p>
</main>
<script src="${assetUrl("demo.js")}"></script>
<script async src="/widget.js" data-key="${business.widgetKey}" ${mode === "window" ? html`data-mode="window"` : ""}></script>
</body>
</html>`;
}
