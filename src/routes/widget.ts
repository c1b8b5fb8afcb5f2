// What a shop's site loads: the loader /widget.js, the business's widget config (public and
// cacheable; refused to sites the business does not allow), and /demo, a shop page with the
// widget on it for trying Kefu.
import { asc } from "drizzle-orm";
import { Elysia } from "elysia";
import type { AppDeps } from "../app";
import { businesses } from "../db/schema";
import { type Business, findBusinessByWidgetKey } from "../domain/businesses";
import { NotFoundError } from "../domain/errors";
import { type WidgetTrigger, widgetTriggers } from "../domain/triggers";
import { localeFromAcceptLanguage, translator } from "../i18n";
import { brandColors } from "../views/brand";
import { demoPage } from "../views/demo";
import { assetResponse } from "./assets";
import { mayEmbed } from "./embedding";
import { allowFraming } from "./security-headers";
import { chatPageUrl } from "./visitor-cookie";

export interface WidgetConfig {
  title: string;
  color: string;
  /** The launcher icon's colour: white or near-black, whichever reads on `color`. */
  textColor: string;
  position: Business["widgetPosition"];
  greeting: string;
  chatUrl: string;
  /** Shown in the panel when the chat page does not load. */
  unavailable: string;
  openInTab: string;
  retry: string;
  /** The name of the greeting bubble's close button. */
  dismiss: string;
  /** The enabled triggers: the loader starts the first matching one's timer (domain/triggers.ts). */
  triggers: WidgetTrigger[];
}

// Short enough that a shop sees a new colour or title on its site within a minute (README, "Appearance").
const configCacheControl = "public, max-age=30";

export function widgetRoutes(deps: AppDeps) {
  const { db, config } = deps;
  return new Elysia()
    .get("/widget.js", ({ request }) => assetResponse("widget.js", request, "public, max-age=3600"))
    .get("/widget/:widgetKey/config", ({ params, request }) => {
      const business = findBusinessByWidgetKey(db, params.widgetKey);
      const origin = request.headers.get("origin");
      const headers = {
        "content-type": "application/json; charset=utf-8",
        "access-control-allow-origin": origin ?? "*",
        "cache-control": configCacheControl,
        vary: "origin, accept-language",
      };
      if (!business) return Response.json({ error: "No shop has this widget key." }, { status: 404, headers });
      if (business.disabled) return Response.json({ error: "This shop's chat is turned off." }, { status: 403, headers });
      if (!mayEmbed(business, origin, new URL(chatPageUrl(config, request, business.widgetKey)).origin)) {
        return Response.json({ error: "This site is not among the shop's allowed sites." }, { status: 403, headers });
      }
      const t = translator(localeFromAcceptLanguage(request.headers.get("accept-language")));
      const { brand, onBrand } = brandColors(business.widgetColor);
      const widget: WidgetConfig = {
        title: business.widgetTitle || business.name,
        color: brand,
        textColor: onBrand,
        position: business.widgetPosition,
        greeting: business.widgetGreeting,
        chatUrl: chatPageUrl(config, request, business.widgetKey),
        unavailable: t("widget.unavailable"),
        openInTab: t("widget.openInTab"),
        retry: t("widget.retry"),
        dismiss: t("widget.dismiss"),
        triggers: widgetTriggers(db, business.id),
      };
      return Response.json(widget, { headers });
    })
    .get("/demo", ({ query, request, set }) => {
      // A shop's own demo by its widget key (the deployment page's previews); else the first shop.
      const business = query.key ? findBusinessByWidgetKey(db, query.key) : db.select().from(businesses).orderBy(asc(businesses.id)).limit(1).get();
      if (!business) throw new NotFoundError("business");
      const locale = localeFromAcceptLanguage(request.headers.get("accept-language"));
      // The console's deployment page previews the widget in an iframe of this page.
      allowFraming(set.headers as Record<string, string>, "'self'");
      return demoPage({ t: translator(locale), locale }, business, query.mode === "window" ? "window" : "mini");
    });
}
