// The console as an installable web app: its manifest, its service worker (at the root, so that it
// may control /console) and the page that worker shows when the network is gone. None of them holds
// anything of a signed-in agent, so none needs a session.
import { Elysia } from "elysia";
import { isLocale, type Locale, localeFromAcceptLanguage, translator } from "../i18n";
import { messagePage } from "../views/auth";
import { defaultBrandColor } from "../views/brand";
import { version } from "../version";
import { assetResponse, assetUrl } from "./assets";

export const manifestPath = "/console.webmanifest";
export const workerPath = "/console-worker.js";
export const offlinePath = "/console-offline";
/** What the worker controls: the console's pages. */
export const workerScope = "/console";

export function consoleManifest(locale: Locale) {
  const t = translator(locale);
  return {
    id: workerScope,
    name: t("app.name"),
    short_name: t("app.name"),
    description: t("shell.description"),
    lang: locale,
    start_url: workerScope,
    scope: workerScope,
    display: "standalone",
    background_color: "#ffffff",
    theme_color: defaultBrandColor,
    icons: [
      { src: assetUrl("icon-192.png"), sizes: "192x192", type: "image/png", purpose: "any" },
      { src: assetUrl("icon-512.png"), sizes: "512x512", type: "image/png", purpose: "any" },
      { src: assetUrl("icon-maskable-512.png"), sizes: "512x512", type: "image/png", purpose: "maskable" },
    ],
  };
}

export function appShellRoutes() {
  return new Elysia({ name: "app-shell" })
    .get(manifestPath, ({ query, request }) => {
      // Browsers fetch the manifest without cookies: the page names its language in the link.
      const locale = isLocale(query.locale) ? query.locale : localeFromAcceptLanguage(request.headers.get("accept-language"));
      return new Response(JSON.stringify(consoleManifest(locale)), { headers: { "content-type": "application/manifest+json; charset=utf-8", "cache-control": "no-cache" } });
    })
    // Always asked again: a new version is a new worker with its own cache (assets/console-worker.js).
    .get(workerPath, ({ request }) => assetResponse("console-worker.js", request, "no-cache"))
    // Kept by the worker when it installs, in the language the agent's browser asked for then.
    .get(offlinePath, ({ request }) => {
      const locale = localeFromAcceptLanguage(request.headers.get("accept-language"));
      const t = translator(locale);
      return messagePage({ t, locale }, t("shell.offlineTitle"), t("shell.offlineText"), { href: workerScope, label: t("shell.retry") });
    });
}

/** The worker's URL for this version: a new version installs afresh. */
export const workerUrl = `${workerPath}?v=${version}`;
