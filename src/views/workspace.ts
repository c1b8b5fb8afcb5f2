// The agent's workspace: my conversations and the waiting queue on the left, one conversation on
// the right. List items are fragments too, pushed live by the realtime hub.
import type { Visitor } from "../domain/visitors";
import type { VisitorProfile } from "../domain/visitor-profile";
import { visitorPanel } from "./visitor-panel";
import type { Agent } from "../domain/agents";
import type { ConversationSummary } from "../domain/conversations";
import type { Message } from "../domain/messages";
import type { Translate } from "../i18n";
import { composer, threadPanel } from "./chat";
import { foundMessageMarker, olderPartNotice } from "./search";
import { cannedRepliesTemplate } from "./canned-replies";
import { type ConsoleContext, consolePage } from "./console";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { limits } from "../domain/limits";
import { messageTime, systemText } from "./message";
import { ratingAction, ratingStars } from "./rating";
import { visitorName } from "./visitor-name";


export function conversationItemId(conversationId: number): string {
  return `conversation-${conversationId}`;
}

export function conversationItem(
  t: Translate,
  summary: ConversationSummary,
  options: { online: boolean; current: boolean },
): SafeHtml {
  const { conversation } = summary;
  const name = visitorName(t, { id: conversation.visitorId, name: summary.visitorName });
  const preview =
    summary.lastSender === "system" ? systemText(t, { body: summary.lastBody ?? "", meta: summary.lastMeta }) : (summary.lastBody ?? "").slice(0, 80);
  return html`<li id="${conversationItemId(conversation.id)}" data-last="${conversation.lastMessageId ?? 0}" ${options.current ? html`aria-current="true"` : ""}>
  <a href="/console/conversations/${conversation.id}">
    <span class="dot ${options.online ? "online" : "offline"}" data-visitor-dot="${conversation.visitorId}"></span>
    <span class="item-main"><strong>${name}</strong><span class="preview">${preview}</span></span>
    <span class="item-side">${summary.lastAt ? messageTime(summary.lastAt) : ""}${conversation.rating !== null ? ratingStars(t, conversation.rating) : ""}${summary.unread > 0 ? html`<span class="unread">${summary.unread}</span>` : ""}</span>
  </a>
  ${
    conversation.status === "queued"
      ? html`<button class="small take" hx-post="/console/conversations/${conversation.id}/take?open=1" hx-swap="none">${t("workspace.take")}</button>`
      : ""
  }
</li>`;
}

export interface WorkspaceState {
  mine: ConversationSummary[];
  waiting: ConversationSummary[];
  onlineVisitorIds: ReadonlySet<number>;
  chatLink: string;
  socketUrl: string;
  open: null | {
    summary: ConversationSummary;
    messages: Message[];
    earlierUrl: string | null;
    visitorOnline: boolean;
    transferTargets: TransferTargets;
    visitor: Visitor;
    /** The team's notes, tags and the visitor's conversations, for the visitor panel. */
    visitorProfile: VisitorProfile;
    /** Opened at a message (`?at=`): its DOM id; `latestUrl` when the thread shown stops before the newest messages. */
    found?: { domId: string; latestUrl: string | null } | null;
  };
}

/** Who a conversation can be handed to: colleagues, and groups (back to the queue for them). */
export interface TransferTargets {
  colleagues: Pick<Agent, "id" | "displayName">[];
  groups: { id: number; name: string }[];
}

function transferForm(t: Translate, conversation: ConversationSummary["conversation"], targets: TransferTargets): SafeHtml {
  const receivers = targets.colleagues.filter((colleague) => colleague.id !== conversation.agentId);
  if (receivers.length === 0 && targets.groups.length === 0) return html``;
  return html`<details class="popover-form"><summary>${t("transfer.title")}</summary>
    <form hx-post="/console/conversations/${conversation.id}/transfer" hx-target="#conversation-actions" hx-swap="outerHTML">
      <select name="to" aria-label="${t("transfer.to")}">
        ${receivers.length ? html`<optgroup label="${t("transfer.agents")}">${receivers.map((colleague) => html`<option value="agent:${colleague.id}">${colleague.displayName}</option>`)}</optgroup>` : ""}
        ${targets.groups.length ? html`<optgroup label="${t("transfer.groups")}">${targets.groups.map((group) => html`<option value="group:${group.id}">${group.name}</option>`)}</optgroup>` : ""}
      </select>
      <input name="note" maxlength="${limits.transferNoteLength}" aria-label="${t("transfer.note")}" placeholder="${t("transfer.note")}">
      <button class="small" type="submit">${t("transfer.submit")}</button>
    </form></details>`;
}

export function conversationActions(
  t: Translate,
  conversation: ConversationSummary["conversation"],
  viewer: Pick<Agent, "id" | "role">,
  visitor: Pick<ConversationSummary, "visitorBlocked" | "visitorIp">,
  targets: TransferTargets,
  error?: string,
): SafeHtml {
  const agentId = viewer.id;
  // Blocking an address can shut out many people: owners and admins only.
  const ip = viewer.role !== "agent" ? visitor.visitorIp : null;
  return html`<div id="conversation-actions" class="actions">
  ${error ? html`<span class="field-error" role="alert">${error}</span>` : ""}
  ${conversation.status === "open" ? transferForm(t, conversation, targets) : ""}
  ${
    visitor.visitorBlocked
      ? html`<span class="badge off">${t("workspace.blocked")}</span>
    <button class="secondary small" hx-post="/console/conversations/${conversation.id}/unblock" hx-target="#conversation-actions" hx-swap="outerHTML">${t("workspace.unblock")}</button>`
      : html`<details class="popover-form block-visitor"><summary>${t("workspace.block")}</summary>
    <form hx-post="/console/conversations/${conversation.id}/block" hx-target="#conversation-actions" hx-swap="outerHTML">
      <input name="reason" maxlength="${limits.blockReasonLength}" aria-label="${t("workspace.blockReason")}" placeholder="${t("workspace.blockReason")}">
      ${ip ? html`<label class="check"><input type="checkbox" name="blockIp" value="1"> ${t("blocked.alsoIp", { ip })}</label>` : ""}
      <button class="danger small" type="submit">${t("workspace.block")}</button>
    </form></details>`
  }
  ${conversation.status === "queued" ? html`<button hx-post="/console/conversations/${conversation.id}/take" hx-target="#conversation-actions" hx-swap="outerHTML">${t("workspace.take")}</button>` : ""}
  ${ratingAction(t, conversation, viewer)}
  ${conversation.status === "open" && conversation.agentId === agentId ? html`<button class="secondary" hx-post="/console/conversations/${conversation.id}/close" hx-target="#conversation-actions" hx-swap="outerHTML" hx-confirm="${t("workspace.closeConfirm")}">${t("workspace.close")}</button>` : ""}
  ${conversation.status === "closed" ? html`<span class="badge">${t("workspace.closed")}</span>` : ""}
  ${conversation.status === "open" && conversation.agentId !== agentId ? html`<span class="badge">${t("workspace.someoneElse")}</span>` : ""}
</div>`;
}

export function visitorStatus(t: Translate, online: boolean): SafeHtml {
  return html`<small id="visitor-status" class="presence ${online ? "online" : "offline"}">${online ? t("chat.online") : t("chat.offline")}</small>`;
}

function list(t: Translate, id: string, title: string, items: ConversationSummary[], state: WorkspaceState): SafeHtml {
  const current = state.open?.summary.conversation.id;
  return html`<h2>${title}</h2>
<ul id="${id}" class="conversation-list" data-empty="${t("workspace.none")}">${items.map((summary) =>
    conversationItem(t, summary, { online: state.onlineVisitorIds.has(summary.conversation.visitorId), current: summary.conversation.id === current }),
  )}</ul>`;
}

export function workspacePage(ctx: ConsoleContext, state: WorkspaceState): SafeHtml {
  const { t } = ctx;
  const open = state.open;
  const pane = open
    ? html`<section class="conversation" data-conversation="${open.summary.conversation.id}" data-visitor="${open.summary.conversation.visitorId}">
  <header class="conversation-header">
    <div><strong>${visitorName(t, { id: open.summary.conversation.visitorId, name: open.summary.visitorName })}</strong> ${visitorStatus(t, open.visitorOnline)}</div>
    ${conversationActions(t, open.summary.conversation, ctx.agent, open.summary, open.transferTargets)}
  </header>
  ${threadPanel(ctx, open, "agent", visitorName(t, { id: open.summary.conversation.visitorId, name: open.summary.visitorName }), open.found ? foundMessageMarker(open.found.domId) : undefined)}
  ${open.found?.latestUrl ? olderPartNotice(t, open.found.latestUrl) : composer(ctx)}
  ${cannedRepliesTemplate(t, open.summary.conversation.id)}
</section>
${visitorPanel(t, open.visitor, open.visitorProfile)}`
    : html`<section class="conversation empty" id="conversations-empty">
  ${icon("inbox")}
  <p><strong>${state.mine.length || state.waiting.length ? t("workspace.pick") : t("conversations.empty")}</strong></p>
  <p>${t("conversations.emptyHint")}</p>
  <label for="chat-link">${t("workspace.chatLink")}</label>
  <div class="copy-field" x-data="{ copied: false }">
    <input id="chat-link" readonly value="${state.chatLink}" x-ref="link">
    <button type="button" class="secondary" @click="navigator.clipboard.writeText($refs.link.value); copied = true">${icon("copy")} <span x-show="!copied">${t("team.copy")}</span><span x-show="copied" x-cloak>${t("team.copied")}</span></button>
    <a class="button secondary" href="${state.chatLink}" target="_blank" rel="noopener">${icon("link")}</a>
  </div>
</section>`;
  return consolePage(
    ctx,
    "conversations",
    t("conversations.title"),
    html`<h1 class="visually-hidden">${t("conversations.title")}</h1>
<div class="workspace">
  <aside class="inbox">
    ${list(t, "my-conversations", t("workspace.mine"), state.mine, state)}
    ${list(t, "waiting-conversations", t("workspace.waiting"), state.waiting, state)}
    <p class="alerts"><a href="/console/preferences" id="alert-preferences" data-waiting-alert="${t("prefs.waitingAlert")}">${icon("settings")} ${t("prefs.title")}</a></p>
  </aside>
  ${pane}
</div>`,
    { socketUrl: state.socketUrl },
  );
}
