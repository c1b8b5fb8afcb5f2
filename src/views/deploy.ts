// The Deployment page (部署, owners and admins): how the widget looks, which sites may embed it,
// verified visitors, and every way to put Kefu in front of visitors (script snippets, a plain
// HTML button, chat links and their QR codes), each ready to copy.
import type { Agent } from "../domain/agents";
import type { WidgetAppearance } from "../domain/businesses";
import type { Group } from "../domain/groups";
import { limits } from "../domain/limits";
import type { MessageKey, Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { copyLink, copyText, field, fieldError, type FieldErrors, invalid, notice } from "./form";
import { brandColors } from "./brand";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { qrSvg } from "./qr";

/** What the page shows besides the business itself. */
export interface DeployContext {
  /** Where the shop's site reaches Kefu: the public URL, or the address this page was opened on. */
  base: string;
  /** The shop's chat page; agent and group links add `?agent=` or `?group=`. */
  chatPage: string;
  /** The active agents, each with an exclusive link. */
  agents: Pick<Agent, "id" | "displayName">[];
  groups: Pick<Group, "id" | "name">[];
}

export interface DeployState {
  saved?: "appearance" | "origins" | "identity" | "rotated";
  errors?: FieldErrors;
  /** What was typed, shown again with what is wrong. */
  appearance?: WidgetAppearance;
  origins?: string;
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
  return html`<section class="card panel" id="deploy-appearance">
  <h2>${t("deploy.appearance")}</h2>
  ${state.saved === "appearance" ? notice("ok", t("settings.saved")) : ""}
  <form method="post" action="/console/deploy/appearance#deploy-appearance" novalidate>
    <label for="field-color">${t("deploy.color")}</label>
    <input id="field-color" name="color" type="color" value="${typed.color}" ${invalid(errors, "color")}>
    ${fieldError(t, errors, "color")}
    ${field(t, errors, { name: "title", label: t("deploy.titleField"), value: typed.title, maxlength: limits.widgetTitleLength })}
    <p class="muted">${t("deploy.titleHint")}</p>
    <label for="field-position">${t("deploy.position")}</label>
    <select id="field-position" name="position" ${invalid(errors, "position")}>
      ${positions.map(([value, label]) => html`<option value="${value}" ${typed.position === value ? html`selected` : ""}>${t(label)}</option>`)}
    </select>
    ${fieldError(t, errors, "position")}
    ${field(t, errors, { name: "greeting", label: t("deploy.greeting"), value: typed.greeting, maxlength: limits.widgetGreetingLength })}
    <p class="muted">${t("deploy.greetingHint")}</p>
    <div class="actions"><button type="submit">${t("settings.submit")}</button></div>
  </form>
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

function codeBlock(t: Translate, id: string, title: MessageKey, hint: MessageKey, code: string, preview: SafeHtml): SafeHtml {
  return html`<div class="deploy-code" id="${id}">
  <h3>${t(title)}</h3>
  <p class="muted">${t(hint)}</p>
  ${copyText(t, { id: `${id}-code`, label: t("deploy.code"), text: code, rows: code.split("\n").length + 1 })}
  <p class="deploy-preview-label">${t("deploy.preview")}</p>
  ${preview}
</div>`;
}

function codesSection(ctx: ConsoleContext, page: DeployContext): SafeHtml {
  const { t, business } = ctx;
  const plain = plainHtmlSnippet(t, business, page.chatPage);
  const demo = (mode: "mini" | "window", title: MessageKey) =>
    html`<iframe class="deploy-preview" src="/demo?key=${business.widgetKey}&mode=${mode}" loading="lazy" title="${t("deploy.previewOf", { name: t(title) })}"></iframe>`;
  return html`<section class="card panel" id="deploy-codes">
  <h2>${t("deploy.codes")}</h2>
  <p class="muted">${t("deploy.codesHint")}</p>
  <p class="muted">${t("deploy.settingsHint")}</p>
  ${codeBlock(t, "code-mini", "deploy.mini", "deploy.miniHint", scriptSnippet(page.base, business.widgetKey, "mini"), demo("mini", "deploy.mini"))}
  ${codeBlock(t, "code-window", "deploy.window", "deploy.windowHint", scriptSnippet(page.base, business.widgetKey, "window"), demo("window", "deploy.window"))}
  ${codeBlock(t, "code-html", "deploy.plainHtml", "deploy.plainHtmlHint", plain.value, html`<div class="deploy-preview-inline">${plain}</div>`)}
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

function linksSection(ctx: ConsoleContext, page: DeployContext): SafeHtml {
  const { t } = ctx;
  return html`<section class="card panel" id="deploy-links">
  <h2>${t("deploy.links")}</h2>
  <p class="muted">${t("deploy.linksHint")}</p>
  ${linkWithQr(t, { id: "link-direct", label: t("deploy.directLink"), url: page.chatPage })}
  ${linkWithQr(t, { id: "link-wechat", label: t("deploy.wechatLink"), url: `${page.chatPage}?via=wechat`, hint: t("deploy.wechatHint") })}
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

export function deployPage(ctx: ConsoleContext, page: DeployContext, state: DeployState = {}): SafeHtml {
  const { t } = ctx;
  return consolePage(
    ctx,
    "deploy",
    t("deploy.title"),
    html`<div class="deploy">
<h1>${t("deploy.title")}</h1>
<p class="muted panel">${t("deploy.intro")}</p>
${appearanceSection(ctx, state)}
${originsSection(ctx, state)}
${identitySection(ctx, state)}
${codesSection(ctx, page)}
${linksSection(ctx, page)}
</div>`,
  );
}
