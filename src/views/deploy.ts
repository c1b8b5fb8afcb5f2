// The Deployment page (部署, owners and admins): first the code to paste and whether it has been
// found on a site, then how the widget looks (with a preview that follows the form before it is
// saved), which sites may embed it, verified visitors, and the links and QR codes that reach the
// chat without code.
import type { Agent } from "../domain/agents";
import type { WidgetAppearance } from "../domain/businesses";
import type { Group } from "../domain/groups";
import type { Installation } from "../domain/installation";
import { limits } from "../domain/limits";
import type { Locale, MessageKey, Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { copyLink, copyText, field, fieldError, type FieldErrors, invalid, notice } from "./form";
import { brandColors } from "./brand";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { qrSvg } from "./qr";
import { sectionNav } from "./section-nav";
import { widgetPreview } from "./widget-preview";
import type { WeChatAccount } from "../domain/wechat-accounts";
import { wechatSignInSettings, type WeChatSettingsState } from "./wechat-sign-in-settings";

/** What the page shows besides the business itself. */
export interface DeployContext {
  /** Where the shop's site reaches Kefu: the public URL, or the address this page was opened on. */
  base: string;
  /** The shop's chat page; agent and group links add `?agent=` or `?group=`. */
  chatPage: string;
  /** The active agents, each with an exclusive link. */
  agents: Pick<Agent, "id" | "displayName">[];
  groups: Pick<Group, "id" | "name">[];
  installation: Installation | null;
  /** The shop's WeChat official account, for sign-in on the menu link. */
  wechat: Pick<WeChatAccount, "appId" | "enabled"> | undefined;
}

export interface DeployState {
  saved?: "appearance" | "origins" | "identity" | "rotated";
  errors?: FieldErrors;
  /** What was typed, shown again with what is wrong. */
  appearance?: WidgetAppearance;
  origins?: string;
  wechat?: WeChatSettingsState;
}

export const installationPath = "/console/deploy/installation";
export const previewPath = "/console/deploy/preview";

/** "3 minutes ago", in the page's language. */
function timeAgo(locale: Locale, at: number, now = Date.now()): string {
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  const seconds = Math.round((at - now) / 1000);
  for (const [unit, size] of [["day", 86_400], ["hour", 3600], ["minute", 60]] as const) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(0, "second");
}

/**
 * Whether the snippet has been seen on a site. Until it has, it asks again every few seconds, so
 * it turns green while the owner opens their site in another tab.
 */
export function installationStatus(ctx: Pick<ConsoleContext, "t" | "locale">, installation: Installation | null): SafeHtml {
  const { t } = ctx;
  if (installation) {
    const site = new URL(installation.site).host;
    return html`<div id="installation" class="installation found" role="status">
  ${icon("circle-check")}
  <div>
    <p><strong>${t("deploy.installed")}</strong></p>
    <p class="muted">${t("deploy.installedOn")} <a href="${installation.page}" target="_blank" rel="noopener nofollow">${site}</a> · <time datetime="${new Date(installation.seenAt).toISOString()}" data-local>${timeAgo(ctx.locale, installation.seenAt)}</time></p>
  </div>
  <button type="button" class="secondary small" hx-get="${installationPath}" hx-target="#installation" hx-swap="outerHTML">${t("deploy.checkAgain")}</button>
</div>`;
  }
  return html`<div id="installation" class="installation waiting" role="status" hx-get="${installationPath}" hx-trigger="every 10s" hx-swap="outerHTML">
  ${icon("circle-dashed")}
  <div>
    <p><strong>${t("deploy.notInstalled")}</strong></p>
    <p class="muted">${t("deploy.notInstalledHint")}</p>
  </div>
  <button type="button" class="secondary small" hx-get="${installationPath}" hx-target="#installation" hx-swap="outerHTML">${t("deploy.checkAgain")}</button>
</div>`;
}

function appearanceSection(ctx: ConsoleContext, state: DeployState): SafeHtml {
  const { t, business } = ctx;
  const errors = state.errors ?? {};
  const typed = state.appearance ?? {
    color: business.widgetColor,
    title: business.widgetTitle,
    position: business.widgetPosition,
    greeting: business.widgetGreeting,
  };
  const positions: [string, MessageKey][] = [
    ["right", "deploy.positionRight"],
    ["left", "deploy.positionLeft"],
  ];
  // The form asks for the preview again as it changes (htmx GET with its fields); Save posts it.
  return html`<section class="card panel" id="deploy-appearance">
  <h2>${t("deploy.appearance")}</h2>
  ${state.saved === "appearance" ? notice("ok", t("settings.saved")) : ""}
  <div class="appearance">
  <form method="post" action="/console/deploy/appearance#deploy-appearance" novalidate
    hx-get="${previewPath}" hx-trigger="input delay:150ms, change" hx-target="#widget-preview" hx-swap="outerHTML" hx-sync="this:replace">
    <label for="field-color">${t("deploy.color")}</label>
    <div class="color-field" x-data="{ color: '${brandColors(typed.color).brand}' }">
      <input id="field-color" name="color" type="color" value="${typed.color}" x-model="color" ${invalid(errors, "color")}>
      <code x-text="color">${typed.color}</code>
    </div>
    ${fieldError(t, errors, "color")}
    ${field(t, errors, { name: "title", label: t("deploy.titleField"), value: typed.title, maxlength: limits.widgetTitleLength })}
    <p class="muted">${t("deploy.titleHint")}</p>
    <fieldset class="position-choice" ${invalid(errors, "position")}>
      <legend>${t("deploy.position")}</legend>
      ${positions.map(([value, label]) => html`<label class="check"><input type="radio" name="position" value="${value}" ${typed.position === value ? html`checked` : ""}> ${t(label)}</label>`)}
    </fieldset>
    ${fieldError(t, errors, "position")}
    ${field(t, errors, { name: "greeting", label: t("deploy.greeting"), value: typed.greeting, maxlength: limits.widgetGreetingLength })}
    <p class="muted">${t("deploy.greetingHint")}</p>
    <div class="actions"><button type="submit">${t("settings.submit")}</button></div>
  </form>
  <figure class="widget-preview-frame">
    <figcaption><strong>${t("deploy.preview")}</strong> <span class="muted">${t("deploy.livePreviewHint")}</span></figcaption>
    ${widgetPreview(t, typed, business.name)}
  </figure>
  </div>
</section>`;
}

function originsSection(ctx: ConsoleContext, state: DeployState): SafeHtml {
  const { t, business } = ctx;
  const errors = state.errors ?? {};
  return html`<section class="card panel" id="deploy-origins">
  <h2>${t("deploy.origins")}</h2>
  ${state.saved === "origins" ? notice("ok", t("settings.saved")) : ""}
  <form method="post" action="/console/deploy/origins#deploy-origins" novalidate>
    <label for="field-origins">${t("deploy.originsField")}</label>
    <textarea id="field-origins" name="origins" rows="4" spellcheck="false" placeholder="https://shop.example.com" ${invalid(errors, "origins")}>${
      state.origins ?? business.allowedOrigins.join("\n")
    }</textarea>
    ${fieldError(t, errors, "origins")}
    <p class="muted">${t("deploy.originsHint")}</p>
    <p><strong>${t(business.allowedOrigins.length ? "deploy.originsListed" : "deploy.originsAny")}</strong></p>
    <div class="actions"><button type="submit">${t("settings.submit")}</button></div>
  </form>
</section>`;
}

/** How a host site signs its user's id, in two languages shops' servers often speak. */
function signingExamples(secret: string): { php: string; node: string } {
  return {
    php: `<?php
// $userId: your signed-in user's id, as a string.
$userHash = hash_hmac('sha256', $userId, '${secret}');
?>
<script>window.kefuSettings = { visitor: {
  id: <?= json_encode((string) $userId) ?>,
  name: <?= json_encode($userName) ?>,
  userHash: <?= json_encode($userHash) ?>
} };</script>`,
    node: `import crypto from "node:crypto";

// userId: your signed-in user's id, as a string.
const userHash = crypto.createHmac('sha256', '${secret}').update(userId).digest('hex');
const kefuSettings = { visitor: { id: userId, name: userName, userHash } };

// In the page, with "<" escaped so that a name cannot end the script:
// <script>window.kefuSettings = \${JSON.stringify(kefuSettings).replaceAll("<", "\\u003c")};</script>`,
  };
}

/** The verified-visitors section; the rotate button answers with it re-rendered. */
export function identitySection(ctx: ConsoleContext, state: DeployState = {}): SafeHtml {
  const { t, business } = ctx;
  const examples = signingExamples(business.identitySecret);
  return html`<section class="card panel" id="deploy-identity">
  <h2>${t("deploy.identity")}</h2>
  ${state.saved === "identity" ? notice("ok", t("settings.saved")) : ""}
  ${state.saved === "rotated" ? notice("ok", t("deploy.rotated")) : ""}
  <p class="muted">${t("deploy.identityIntro")}</p>
  <form method="post" action="/console/deploy/identity#deploy-identity">
    <label class="check"><input type="checkbox" name="identityVerification" value="on" ${business.identityVerification ? html`checked` : ""}> ${t("deploy.identityEnabled")}</label>
    <p class="muted">${t("deploy.identityHint")}</p>
    <div class="actions"><button type="submit">${t("settings.submit")}</button></div>
  </form>
  ${copyText(t, { id: "identity-secret", label: t("deploy.secret"), text: business.identitySecret })}
  <p class="muted">${t("deploy.secretHint")}</p>
  <form method="post" action="/console/deploy/identity/rotate#deploy-identity" hx-post="/console/deploy/identity/rotate"
    hx-confirm="${t("deploy.rotateConfirm")}" hx-target="#deploy-identity" hx-swap="outerHTML">
    <button type="submit" class="danger small">${t("deploy.rotate")}</button>
  </form>
  <p>${t("deploy.examples")}</p>
  <h3>PHP</h3>
  <pre class="code"><code>${examples.php}</code></pre>
  <h3>Node.js</h3>
  <pre class="code"><code>${examples.node}</code></pre>
</section>`;
}

/** The loader snippet; `window` mode opens the chat in a new tab instead of over the page. */
function scriptSnippet(base: string, widgetKey: string, mode: "mini" | "window"): string {
  return `<script>window.kefuSettings = { /* optional: visitor: { id, name, email, userHash }, product: { title, price, url, image } */ };</script>
<script async src="${base}/widget.js" data-key="${widgetKey}"${mode === "window" ? ' data-mode="window"' : ""}></script>`;
}

/**
 * A button that opens the chat page in a new tab, for pages that cannot run scripts. Built with
 * `html`, so the title and link are escaped; brandColors keeps anything but #rrggbb out of the
 * style attribute.
 */
function plainHtmlSnippet(t: Translate, business: ConsoleContext["business"], chatPage: string): SafeHtml {
  const { brand, onBrand } = brandColors(business.widgetColor);
  const style = `padding:10px 18px;border:0;border-radius:6px;background:${brand};color:${onBrand};font-size:15px;cursor:pointer`;
  return html`<form action="${chatPage}" method="get" target="_blank">
  <button type="submit" style="${style}">${business.widgetTitle || t("deploy.chatWithUs")}</button>
</form>`;
}

function codeBlock(t: Translate, id: string, title: MessageKey, hint: MessageKey, code: string, after: SafeHtml): SafeHtml {
  return html`<div class="deploy-code" id="${id}">
  <h3>${t(title)}</h3>
  <p class="muted">${t(hint)}</p>
  ${copyText(t, { id: `${id}-code`, label: t("deploy.code"), text: code, rows: code.split("\n").length + 1 })}
  ${after}
</div>`;
}

/** The snippet to paste, whether it has been found on a site, and the other ways in, folded. */
function installSection(ctx: ConsoleContext, page: DeployContext): SafeHtml {
  const { t, business } = ctx;
  const plain = plainHtmlSnippet(t, business, page.chatPage);
  const mini = scriptSnippet(page.base, business.widgetKey, "mini");
  const demo = (mode: "mini" | "window") =>
    html`<p><a href="/demo?key=${business.widgetKey}&mode=${mode}" target="_blank" rel="noopener">${icon("app-window")} ${t("deploy.tryDemo")}</a></p>`;
  return html`<section class="card panel" id="deploy-install">
  <h2>${t("deploy.codes")}</h2>
  <p class="muted">${t("deploy.codesHint")}</p>
  <div class="deploy-code" id="code-mini">
    ${copyText(t, { id: "code-mini-code", label: t("deploy.code"), text: mini, rows: mini.split("\n").length + 1 })}
  </div>
  ${installationStatus(ctx, page.installation)}
  <p class="muted">${t("deploy.miniHint")} ${t("deploy.settingsHint")}</p>
  ${demo("mini")}
  <details class="other-ways">
    <summary>${t("deploy.otherWays")}</summary>
    ${codeBlock(t, "code-window", "deploy.window", "deploy.windowHint", scriptSnippet(page.base, business.widgetKey, "window"), demo("window"))}
    ${codeBlock(t, "code-html", "deploy.plainHtml", "deploy.plainHtmlHint", plain.value, html`<p class="deploy-preview-label">${t("deploy.preview")}</p><div class="deploy-preview-inline">${plain}</div>`)}
  </details>
</section>`;
}

/** A link to copy beside its QR code, which can be downloaded as an SVG file to print. */
function linkWithQr(t: Translate, options: { id: string; label: string; url: string; hint?: SafeHtml | string }): SafeHtml {
  const qr = qrSvg(options.url, t("deploy.qrOf", { name: options.label }));
  return html`<div class="deploy-link" id="${options.id}">
  <div class="deploy-link-text">
    ${copyLink(t, { id: `${options.id}-url`, label: options.label, url: options.url })}
    ${options.hint ? html`<p class="muted">${options.hint}</p>` : ""}
  </div>
  <figure class="deploy-qr">
    ${qr}
    <figcaption><a href="data:image/svg+xml;charset=utf-8,${encodeURIComponent(qr.value)}" download="kefu-${options.id}.svg">${icon("download")} ${t("deploy.downloadQr")}</a></figcaption>
  </figure>
</div>`;
}

function linksSection(ctx: ConsoleContext, page: DeployContext, state: DeployState): SafeHtml {
  const { t } = ctx;
  return html`<section class="card panel" id="deploy-links">
  <h2>${t("deploy.links")}</h2>
  <p class="muted">${t("deploy.linksHint")}</p>
  ${linkWithQr(t, { id: "link-direct", label: t("deploy.directLink"), url: page.chatPage })}
  ${linkWithQr(t, { id: "link-wechat", label: t("deploy.wechatLink"), url: `${page.chatPage}?via=wechat`, hint: t("deploy.wechatHint") })}
  ${wechatSignInSettings(ctx, page.wechat, new URL(page.chatPage).hostname, state.wechat)}
  <h3>${t("deploy.agentLinks")}</h3>
  <p class="muted">${t("deploy.agentLinksHint")}</p>
  ${page.agents.map((agent) => linkWithQr(t, { id: `link-agent-${agent.id}`, label: agent.displayName, url: `${page.chatPage}?agent=${agent.id}` }))}
  <h3>${t("deploy.groupLinks")}</h3>
  <p class="muted">${t("deploy.groupLinksHint")}</p>
  ${
    page.groups.length
      ? page.groups.map((group) => linkWithQr(t, { id: `link-group-${group.id}`, label: group.name, url: `${page.chatPage}?group=${group.id}` }))
      : html`<p>${t("deploy.noGroups")} <a href="/console/groups">${t("nav.groups")}</a></p>`
  }
</section>`;
}

const pageSections: [string, MessageKey][] = [
  ["deploy-install", "deploy.install"],
  ["deploy-appearance", "deploy.appearance"],
  ["deploy-origins", "deploy.origins"],
  ["deploy-identity", "deploy.identity"],
  ["deploy-links", "deploy.links"],
];

export function deployPage(ctx: ConsoleContext, page: DeployContext, state: DeployState = {}): SafeHtml {
  const { t } = ctx;
  return consolePage(
    ctx,
    "deploy",
    t("deploy.title"),
    html`<h1>${t("deploy.title")}</h1>
<p class="muted lead">${t("deploy.intro")}</p>
<div class="sectioned deploy">
${sectionNav(t("deploy.sections"), pageSections.map(([id, label]) => ({ href: `#${id}`, label: t(label) })))}
<div class="sections">
${installSection(ctx, page)}
${appearanceSection(ctx, state)}
${originsSection(ctx, state)}
${identitySection(ctx, state)}
${linksSection(ctx, page, state)}
</div>
</div>`,
  );
}
