// The visitor's chat page: full page on desktop and mobile, and the widget iframe later.
import type { Agent, Availability } from "../domain/agents";
import type { Translate } from "../i18n";
import type { Business } from "../domain/businesses";
import type { Message } from "../domain/messages";
import type { NextOpening } from "../domain/hours";
import { messageLimits } from "../domain/limits";
import { assetUrl } from "../routes/assets";
import { avatar } from "./console";
import { attachmentControls, composerStatus, type UploadRules } from "./attachment";
import { brandStyle } from "./brand";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { type LeaveMessageState, leaveMessageForm } from "./leave-message";
import { type PreChatState, preChatForm } from "./pre-chat";
import { earlierControl, messageView } from "./message";
import { documentPage, type PageContext } from "./page";
import { type FaqChoice, type InfoTabView, visitorSide, visitorSideToggle, visitorWindowState } from "./visitor-window";

export interface ChatState {
  business: Business;
  agent: Pick<Agent, "displayName" | "avatar"> | null;
  agentAvailability: Availability;
  /** A conversation goes on (waiting or open): it can be ended. */
  ongoing: boolean;
  /** Up to three online agents who serve this visitor: who may answer, before one has joined. */
  team: Pick<Agent, "displayName" | "avatar">[];
  /** Outside the hours: when the shop opens next. */
  nextOpening: NextOpening | null;
  /** Conversations waiting before this visitor's, or null when it is not waiting. */
  queueAhead: number | null;
  /** Nobody who could answer is online (in business hours): what to tell the visitor, else null. */
  nobodyOnline: string | null;
  messages: Message[];
  earlierUrl: string | null;
  socketUrl: string;
  /** While the chat is offline: the leave-a-message form, shown instead of the composer. */
  leaveMessage: LeaveMessageState | null;
  /** Before the first message, while the shop does not know who the visitor is: the pre-chat form instead of the composer. */
  preChat: PreChatState | null;
  /** Before the first message, when the shop asks visitors to pick a group: one link per group. */
  groupChoices: { name: string; url: string }[] | null;
  /** Came by an agent's exclusive link while that agent is away: where to chat with anyone instead. */
  requestedAway: { name: string; anyoneUrl: string } | null;
  /** The shop's FAQ questions: picking one asks it and shows the answer at once. */
  faqs: FaqChoice[];
  /** The shop's info tabs (shipping, returns...), beside the chat. */
  infoTabs: InfoTabView[];
  /** Where this shop's chat lives, for embed.js's reports (`/chat/:widgetKey`). */
  chatPath: string;
  /** In the widget's iframe: the sites allowed to frame it (empty: any), for embed.js. */
  embedded: { origins: string[] } | null;
}

/** "Who would you like to talk to?": each group is a link to the chat for that group. */
function groupPicker(ctx: PageContext, choices: { name: string; url: string }[]): SafeHtml {
  const { t } = ctx;
  return html`<nav class="group-picker" aria-labelledby="group-picker-title">
  <p id="group-picker-title"><strong>${t("chat.pickGroup")}</strong></p>
  <ul>${choices.map((choice) => html`<li><a class="button" href="${choice.url}">${choice.name}</a></li>`)}</ul>
</nav>`;
}

function requestedAwayNotice(ctx: PageContext, away: { name: string; anyoneUrl: string }): SafeHtml {
  const { t } = ctx;
  return html`<p class="queue" role="status" id="requested-away">${t("chat.requestedAway", { name: away.name })}
  <a href="${away.anyoneUrl}">${t("chat.chatWithAnyone")}</a></p>`;
}

/**
 * The header's title line and who answers: the window title while nobody has joined (the team and
 * the reply time stand beside it, see teamStatus), then the agent, their presence and the title.
 * The hub pushes it again when that changes; `ongoing` shows the ⋯ menu's "End chat".
 */
export function agentStatus(ctx: PageContext, business: Business, agent: ChatState["agent"], availability: Availability, ongoing = true): SafeHtml {
  const { t } = ctx;
  const title = business.widgetTitle || business.name;
  return html`<div id="agent-status" class="agent-status" ${agent ? html`data-agent` : ""} ${ongoing ? html`data-ongoing` : ""}>${
    agent
      ? html`${avatar(agent)}<strong>${agent.displayName}</strong>
  <small><span class="presence ${availability}">${t(`chat.${availability}`)}</span> · ${title}</small>`
      : html`<strong>${title}</strong>`
  }</div>`;
}

/** "Back at 09:00", "Back tomorrow at 09:00", "Back on Monday at 09:00": the shop's clock, the reader's words. */
function backAt(ctx: PageContext, opening: NextOpening): string {
  const { t } = ctx;
  if (opening.inDays === 0) return t("chat.backAt", { time: opening.opensAt });
  if (opening.inDays === 1) return t("chat.backTomorrowAt", { time: opening.opensAt });
  // 2024-01-07 was a Sunday: weekday 0.
  const day = new Intl.DateTimeFormat(ctx.locale, { weekday: "long", timeZone: "UTC" }).format(Date.UTC(2024, 0, 7 + opening.weekday));
  return t("chat.backOnAt", { day, time: opening.opensAt });
}

/** Before an agent joins: the faces of who may answer and when, beside the title (hidden once one has joined). */
function teamStatus(ctx: PageContext, state: Pick<ChatState, "team" | "nextOpening">): SafeHtml {
  const { t } = ctx;
  const when = state.nextOpening ? backAt(ctx, state.nextOpening) : state.team.length ? t("chat.repliesSoon") : t("chat.replyLater");
  return html`<span class="team" aria-hidden="true">${
    state.team.length ? state.team.map((agent) => avatar(agent)) : html`<span class="avatar">${icon("message-square")}</span>`
  }</span>
  <small class="reply-time">${when}</small>`;
}

/** "End chat" in the header's ⋯ menu, asked again in the page (window.confirm is unreliable in a cross-origin frame). */
function endChatMenu(t: Translate): SafeHtml {
  return html`<div class="chat-menu" @click.outside="menu = false" @keydown.escape="if (menu) { menu = false; $refs.more.focus(); $event.preventDefault() }">
  <button type="button" class="icon-button" x-ref="more" aria-haspopup="menu" aria-controls="chat-menu" aria-expanded="false" :aria-expanded="menu"
    @click="menu = !menu; menu && $nextTick(() => $refs.end.focus())" aria-label="${t("chat.more")}" title="${t("chat.more")}">${icon("ellipsis")}</button>
  <div class="menu" id="chat-menu" role="menu" x-show="menu" x-cloak>
    <button type="button" role="menuitem" id="end-chat" x-ref="end" @click="menu = false; confirming = true; $nextTick(() => $refs.confirm.focus())">${t("chat.end")}</button>
  </div>
</div>`;
}

function endChatConfirmation(t: Translate): SafeHtml {
  return html`<div class="end-confirm" role="alertdialog" aria-labelledby="end-confirm-text" x-show="confirming" x-cloak @keydown.escape="confirming = false; $refs.more.focus(); $event.preventDefault()">
  <p id="end-confirm-text">${t("chat.endConfirm")}</p>
  <div class="actions">
    <button type="button" class="secondary" @click="confirming = false; $refs.more.focus()">${t("chat.keepChatting")}</button>
    <button type="button" id="end-chat-confirm" x-ref="confirm" hx-ws:send hx-vals='{"type": "end"}' @click="confirming = false">${t("chat.end")}</button>
  </div>
</div>`;
}

/** What a visitor is told while nobody who serves them is online: the shop's text, or ours. */
export function nobodyOnlineText(t: Translate, business: Pick<Business, "noAgentText">): string {
  return business.noAgentText || t("chat.nobodyOnline");
}

/**
 * "3 people ahead of you" while the visitor's conversation waits, nothing once it is taken; and,
 * while nobody who could answer is online (`nobodyOnline`: the text to show), that instead, at
 * once, also before the first message.
 */
export function queueNotice(t: Translate, ahead: number | null, nobodyOnline: string | null = null): SafeHtml {
  if (nobodyOnline !== null) return html`<p id="queue-position" class="queue nobody-online" role="status">${nobodyOnline}</p>`;
  if (ahead === null) return html`<p id="queue-position" class="queue" hidden></p>`;
  return html`<p id="queue-position" class="queue" role="status">${ahead === 0 ? t("chat.queueNext") : t("chat.queueAhead", { ahead })}</p>`;
}

/** Opens the emoji picker (assets/emoji.js, loaded on the first click, builds it); carries its group names. */
function emojiToggle(t: Translate): SafeHtml {
  const groups = ["smileys", "gestures", "hearts", "animals", "food", "activities", "travel", "objects", "symbols"] as const;
  const names = Object.fromEntries(groups.map((group) => [group, t(`emoji.group.${group}`)]));
  return html`<button type="button" class="icon-button emoji-toggle" aria-label="${t("emoji.open")}" title="${t("emoji.open")}" aria-haspopup="dialog" aria-expanded="false" data-groups="${JSON.stringify(names)}" data-loads="${assetUrl("emoji.js")}">${icon("smile")}</button>`;
}

/**
 * The composer: a one-line message box that grows with what is typed (CSS field-sizing), the send
 * button inside it and the tools beside it. An agent who sends with Ctrl+Enter is told so in its
 * placeholder.
 */
export function composer(ctx: PageContext & { agent?: { sendKey: string }; business?: UploadRules }): SafeHtml {
  const { t } = ctx;
  const placeholder = t(ctx.agent?.sendKey === "ctrl-enter" ? "prefs.placeholderCtrlEnter" : "composer.placeholder");
  return html`<form id="composer" class="composer" hx-ws:send>
  ${composerStatus()}
  <div class="composer-tools">
    ${emojiToggle(t)}
    ${attachmentControls(t, ctx.business)}
  </div>
  <div class="composer-field">
    <textarea name="body" rows="1" maxlength="${messageLimits.bodyLength}" placeholder="${placeholder}" aria-label="${placeholder}" required></textarea>
    <button type="submit" class="send" title="${t("composer.send")}">${icon("send")}<span class="visually-hidden">${t("composer.send")}</span></button>
  </div>
</form>`;
}

/** With the typing preview on, agents see drafts: the page says so, and chat.js sends them only then. */
function typingPreviewNotice(t: Translate, business: Business): SafeHtml {
  return business.typingPreview ? html`<p id="typing-preview-notice" class="typing-preview-notice">${t("preview.notice")}</p>` : html``;
}

/**
 * The thread with its controls; `side` says whose messages are "mine". The thread is a log that
 * screen readers announce as messages arrive; "typing…" stands just above the composer.
 */
export function threadPanel(
  ctx: PageContext,
  state: { messages: Message[]; earlierUrl: string | null },
  side: "visitor" | "agent",
  typingName: string,
  intro?: SafeHtml,
): SafeHtml {
  const { t } = ctx;
  return html`<div class="thread-scroll" id="thread-scroll">
  ${intro}
  ${earlierControl(t, state.earlierUrl)}
  <div id="thread" class="thread" data-side="${side}" role="log" aria-live="polite">${state.messages.map((message) => messageView(t, message, side))}</div>
</div>
<div class="typing-row"><p id="typing" class="typing" hidden>${t("thread.typing", { name: typingName })}${side === "agent" ? html` <q class="typing-draft" hidden></q>` : ""}</p></div>
<button type="button" id="new-messages" class="pill" hidden>${t("thread.newMessages")}</button>
<template id="chat-texts" data-failed="${t("message.failed")}" data-retry="${t("message.retry")}" data-seen="${t("message.seen")}"></template>`;
}

export function chatPage(ctx: PageContext, state: ChatState): SafeHtml {
  const { t, business } = { ...ctx, ...state };
  // A picked question is a message: no FAQ while the visitor cannot write (offline form, group picker).
  const side = { faqs: state.leaveMessage || state.groupChoices || state.preChat ? [] : state.faqs, infoTabs: state.infoTabs };
  const sideState = visitorWindowState(side);
  return documentPage(
    ctx,
    t("chat.title", { name: business.name }),
    // The shop's colour reaches the whole window: brandStyle sets --brand, --on-brand and --brand-ink.
    html`<main class="chat${state.embedded ? " embedded" : ""}${sideState ? " with-side" : ""}" style="${brandStyle(business.widgetColor)}" ${sideState ? html`x-data="${sideState}"` : ""}
  hx-ws:connect="${state.socketUrl}" hx-config='{"ws": {"pauseOnBackground": false}}'
  data-chat-path="${state.chatPath}" ${state.embedded ? html`data-embedded data-origins="${JSON.stringify(state.embedded.origins)}"` : ""}>
  <header class="chat-header" x-data="{ menu: false, confirming: false }">
    <div class="chat-header-row">
      <div class="chat-who">${agentStatus(ctx, business, state.agent, state.agentAvailability, state.ongoing)}${teamStatus(ctx, state)}</div>
      ${visitorSideToggle(ctx, side)}
      ${endChatMenu(t)}
      ${state.embedded ? html`<button type="button" class="icon-button" id="close-widget" title="${t("chat.minimize")}" aria-label="${t("chat.minimize")}">${icon("x")}</button>` : ""}
    </div>
    ${queueNotice(t, state.queueAhead, state.nobodyOnline)}
    ${state.requestedAway ? requestedAwayNotice(ctx, state.requestedAway) : ""}
    ${endChatConfirmation(t)}
  </header>
  ${threadPanel(ctx, state, "visitor", state.agent?.displayName ?? business.name, state.messages.length === 0 && !state.leaveMessage && !state.preChat ? html`<p class="chat-welcome">${t("chat.welcome")}</p>` : undefined)}
  ${visitorSide(ctx, side)}
  ${state.leaveMessage ? leaveMessageForm(ctx, state.leaveMessage) : state.groupChoices ? groupPicker(ctx, state.groupChoices) : state.preChat ? preChatForm(ctx, state.preChat) : html`${composer({ ...ctx, business })}${typingPreviewNotice(t, business)}`}
</main>`,
    { chat: true, visitor: true },
  );
}
