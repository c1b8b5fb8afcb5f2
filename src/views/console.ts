// The console frame: header (shop, language, who is signed in, sign out) and navigation.
import { type Agent, type Availability, availabilities } from "../domain/agents";
import type { Business } from "../domain/businesses";
import { type Locale, locales, type Translate } from "../i18n";
import { html, type SafeHtml } from "./html";
import { type IconName, icon } from "./icons";
import { documentPage, type PageContext } from "./page";
import { mayManageShop, mayReadReports } from "../domain/permissions";

export type Section = "conversations" | "inbox" | "settings" | "preferences" | "hours" | "team" | "groups" | "triggers" | "deploy" | "visitorWindow" | "profile" | "cannedReplies" | "liveVisitors" | "search" | "history" | "customers" | "reports" | "platform" | "automaticAnswers";

export interface ConsoleContext extends PageContext {
  agent: Agent;
  business: Business;
  /** Unread visitor messages in the agent's open conversations, for the navigation badge. */
  unreadTotal: number;
  /** Offline messages (留言) nobody has handled yet, for the Inbox badge. */
  unhandledOfflineMessages: number;
}

const languageNames: Record<Locale, string> = { "zh-CN": "中文", en: "English" };

export function avatar(agent: Pick<Agent, "avatar" | "displayName">, size: "" | "large" = ""): SafeHtml {
  if (agent.avatar) return html`<img class="avatar ${size}" src="${agent.avatar}" alt="">`;
  return html`<span class="avatar ${size}" aria-hidden="true">${Array.from(agent.displayName.trim())[0] ?? "?"}</span>`;
}

/** The Inbox link's badge; re-rendered (by id) when a message is handled. */
export function inboxBadge(count: number): SafeHtml {
  return html`<span id="inbox-count" class="unread" ${count ? "" : html`hidden`}>${count || ""}</span>`;
}

/** An icon and its name; where the navigation is a rail of icons, the name is still read out and shown on hover. */
function navLink(ctx: ConsoleContext, current: Section, section: Section, href: string, iconName: IconName, extra?: SafeHtml): SafeHtml {
  const name = ctx.t(`nav.${section}`);
  return html`<a href="${href}" ${current === section ? html`aria-current="page"` : ""} title="${name}">${icon(iconName)} <span class="nav-label">${name}</span>${extra}</a>`;
}

/** The agent's own status for new chats, in the header; the route answers with it re-rendered. */
export function availabilitySwitch(t: Translate, availability: Availability): SafeHtml {
  return html`<form class="availability-switch" hx-post="/console/availability" hx-trigger="change" hx-swap="outerHTML">
    <span class="dot ${availability}" aria-hidden="true"></span>
    <select id="availability" name="availability" aria-label="${t("nav.availability")}">
      ${availabilities.map((value) => html`<option value="${value}" ${value === availability ? html`selected` : ""}>${t(`chat.${value}`)}</option>`)}
    </select>
  </form>`;
}

/** The socket answers in the page's language: a browser may send another Accept-Language with the upgrade. */
function socketWithLocale(url: string, locale: Locale): string {
  return `${url}${url.includes("?") ? "&" : "?"}locale=${locale}`;
}

export function consolePage(
  ctx: ConsoleContext,
  section: Section,
  title: string,
  content: SafeHtml,
  options: { socketUrl?: string } = {},
): SafeHtml {
  const { t, agent } = ctx;
  const manager = mayManageShop(agent);
  return documentPage(
    ctx,
    title,
    // Every console page keeps the agent's socket open: presence, the unread badge and alerts
    // follow the agent around the console; conversation pages also name their conversation.
    html`<div class="console" hx-ws:connect="${socketWithLocale(options.socketUrl ?? "/ws/agent", ctx.locale)}" hx-config='{"ws": {"pauseOnBackground": false}}' data-agent="${agent.id}"
  data-sound="${agent.sound}" data-sound-volume="${agent.soundVolume}" data-desktop-notifications="${agent.desktopNotifications ? "on" : "off"}" data-send-key="${agent.sendKey}">
<a class="skip-link" href="#main">${t("nav.skip")}</a>
<header>
  <div class="brand">${icon("message-square")} ${ctx.business.name}</div>
  <form class="locale-switch" hx-post="/console/locale" hx-trigger="change" hx-swap="none">
    <label for="locale" class="inline" title="${t("nav.language")}">${icon("languages")}</label>
    <select id="locale" name="locale" aria-label="${t("nav.language")}">
      ${locales.map((locale) => html`<option value="${locale}" ${locale === ctx.locale ? html`selected` : ""}>${languageNames[locale]}</option>`)}
    </select>
  </form>
  ${availabilitySwitch(t, agent.availability)}
  <a class="who" href="/console/profile" id="signed-in-agent" title="${agent.displayName}">${avatar(agent)} <span class="who-name">${agent.displayName}</span></a>
  <form method="post" action="/logout" class="inline">
    <button type="submit" class="secondary small" title="${t("nav.signOut")}">${icon("log-out")} <span class="sign-out-label">${t("nav.signOut")}</span></button>
  </form>
</header>
<nav aria-label="${t("app.name")}">
  ${navLink(ctx, section, "conversations", "/console", "message-square", html` <span id="unread-total" class="unread" ${ctx.unreadTotal ? "" : html`hidden`}>${ctx.unreadTotal || ""}</span>`)}
  ${navLink(ctx, section, "liveVisitors", "/console/visitors", "eye")}
  ${navLink(ctx, section, "history", "/console/conversations", "history")}
  ${navLink(ctx, section, "customers", "/console/customers", "book-user")}
  ${navLink(ctx, section, "search", "/console/search", "search")}
  ${navLink(ctx, section, "inbox", "/console/inbox", "inbox", html` ${inboxBadge(ctx.unhandledOfflineMessages)}`)}
  ${navLink(ctx, section, "cannedReplies", "/console/canned-replies", "message-square-text")}
  ${manager ? navLink(ctx, section, "settings", "/console/settings", "settings") : navLink(ctx, section, "preferences", "/console/preferences", "settings")}
  ${mayReadReports(agent) ? navLink(ctx, section, "reports", "/console/reports", "chart-column") : ""}
  ${manager ? navLink(ctx, section, "hours", "/console/hours", "calendar-clock") : ""}
  ${manager ? navLink(ctx, section, "team", "/console/team", "users") : ""}
  ${manager ? navLink(ctx, section, "groups", "/console/groups", "network") : ""}
  ${manager ? navLink(ctx, section, "triggers", "/console/triggers", "message-circle-plus") : ""}
  ${manager ? navLink(ctx, section, "visitorWindow", "/console/visitor-window", "app-window") : ""}
  ${manager ? navLink(ctx, section, "automaticAnswers", "/console/automatic-answers", "bot") : ""}
  ${manager ? navLink(ctx, section, "deploy", "/console/deploy", "code") : ""}
  ${navLink(ctx, section, "profile", "/console/profile", "user")}
  ${agent.platformAdmin ? navLink(ctx, section, "platform", "/console/platform", "store") : ""}
</nav>
<span id="agent-alert" hidden></span>
<main id="main" tabindex="-1">
${content}
</main>
</div>`,
    { chat: true, console: true },
  );
}
