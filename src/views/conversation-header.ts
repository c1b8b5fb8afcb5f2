// The open conversation's header: who the visitor is, and the action bar (Transfer, Request
// rating, a ⋯ menu holding Block, and Close), re-rendered by id after every change. A refused
// action answers with its reason alone, which console.js shows beside what was clicked.
import type { Agent } from "../domain/agents";
import type { AgentLoad, Readiness } from "../domain/assignment";
import type { Conversation, ConversationSummary } from "../domain/conversations";
import { limits } from "../domain/limits";
import type { Translate } from "../i18n";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { ratingAction } from "./rating";
import { visitorName } from "./visitor-name";
import { mayActOnConversation, mayBlockIps } from "../domain/permissions";
import { callTexts } from "./call-texts";

/** Who a conversation can be handed to: colleagues as they are now, and groups (back to the queue for them). */
export interface TransferTargets {
  colleagues: AgentLoad[];
  groups: { id: number; name: string }[];
}

export function visitorStatus(t: Translate, online: boolean): SafeHtml {
  return html`<small id="visitor-status" class="presence ${online ? "online" : "offline"}">${online ? t("chat.online") : t("chat.offline")}</small>`;
}

/** The visitor's name above the thread; replaced by id when an agent renames them. */
export function conversationTitle(t: Translate, visitor: { id: number; name: string | null }): SafeHtml {
  const name = visitorName(t, visitor);
  return html`<strong id="conversation-visitor-name" class="conversation-name" title="${name}">${name}</strong>`;
}

const readinessText: Record<Exclude<Readiness, "ready">, "chat.away" | "chat.offline" | "transfer.fullShort"> = { away: "chat.away", offline: "chat.offline", full: "transfer.fullShort" };

/** One colleague in the picker: a status dot and their load; the unavailable say why and cannot be picked. */
function colleagueChoice(t: Translate, colleague: AgentLoad): SafeHtml {
  const ready = colleague.readiness === "ready";
  return html`<label class="transfer-choice${ready ? "" : " unavailable"}">
  <input type="radio" name="to" value="agent:${colleague.id}" required ${ready ? "" : html`disabled`}>
  <span class="dot ${ready ? "online" : colleague.readiness}" aria-hidden="true"></span>
  <span class="transfer-name">${colleague.displayName}</span>
  ${colleague.readiness === "ready" ? "" : html`<span class="transfer-why">${t(readinessText[colleague.readiness])}</span>`}
  <span class="transfer-load" title="${t("transfer.loadHint")}">${colleague.open}/${colleague.capacity}</span>
</label>`;
}

function transferPicker(t: Translate, conversation: Conversation, targets: TransferTargets): SafeHtml {
  const colleagues = targets.colleagues.filter((colleague) => colleague.id !== conversation.agentId);
  if (colleagues.length === 0 && targets.groups.length === 0) return html``;
  return html`<details class="popover-form transfer-picker">
  <summary class="bar-button" title="${t("transfer.title")}">${icon("arrow-right-left")} <span class="bar-label">${t("transfer.title")}</span></summary>
  <form class="popover-panel" hx-post="/console/conversations/${conversation.id}/transfer" hx-target="#conversation-actions" hx-swap="outerHTML">
    ${colleagues.length ? html`<fieldset><legend>${t("transfer.agents")}</legend>${colleagues.map((colleague) => colleagueChoice(t, colleague))}</fieldset>` : ""}
    ${
      targets.groups.length
        ? html`<fieldset><legend>${t("transfer.groups")}</legend>${targets.groups.map(
            (group) => html`<label class="transfer-choice"><input type="radio" name="to" value="group:${group.id}" required> <span class="transfer-name">${group.name}</span></label>`,
          )}</fieldset>`
        : ""
    }
    ${colleagues.some((colleague) => colleague.readiness === "ready") || targets.groups.length ? "" : html`<p class="muted">${t("transfer.nobodyReady")}</p>`}
    <label for="transfer-note-${conversation.id}">${t("transfer.note")}</label>
    <textarea id="transfer-note-${conversation.id}" name="note" rows="2" maxlength="${limits.transferNoteLength}"></textarea>
    <button type="submit">${t("transfer.submit")}</button>
  </form>
</details>`;
}

/** The ⋯ menu: blocking (and unblocking), kept out of reach of a stray click. */
function moreMenu(t: Translate, conversation: Conversation, blocked: boolean, ip: string | null): SafeHtml {
  return html`<details class="popover-form more-menu">
  <summary class="bar-button icon-only" aria-label="${t("workspace.more")}" title="${t("workspace.more")}">${icon("ellipsis")}</summary>
  <div class="popover-panel">${
    blocked
      ? html`<button class="secondary" hx-post="/console/conversations/${conversation.id}/unblock" hx-target="#conversation-actions" hx-swap="outerHTML">${t("workspace.unblock")}</button>`
      : html`<form class="block-visitor" hx-post="/console/conversations/${conversation.id}/block" hx-target="#conversation-actions" hx-swap="outerHTML">
      <p class="popover-title">${icon("ban")} ${t("workspace.blockTitle")}</p>
      <label for="block-reason-${conversation.id}">${t("workspace.blockReason")}</label>
      <input id="block-reason-${conversation.id}" name="reason" maxlength="${limits.blockReasonLength}">
      ${ip ? html`<label class="check"><input type="checkbox" name="blockIp" value="1"> ${t("blocked.alsoIp", { ip })}</label>` : ""}
      <button class="danger" type="submit">${t("workspace.block")}</button>
    </form>`
  }</div>
</details>`;
}

/**
 * Voice and video call buttons, for the conversation's own agent only; chat.js fetches the call
 * code on the first click. Hidden by console.css while the visitor is offline.
 */
function callButtons(t: Translate, conversation: Conversation): SafeHtml {
  return html`<span class="call-buttons" data-call-texts="${JSON.stringify(callTexts(t, "agent"))}">
  <button type="button" class="bar-button icon-only" data-call="voice" data-call-conversation="${conversation.id}" aria-label="${t("call.startVoice")}" title="${t("call.startVoice")}">${icon("phone")}</button>
  <button type="button" class="bar-button icon-only" data-call="video" data-call-conversation="${conversation.id}" aria-label="${t("call.startVideo")}" title="${t("call.startVideo")}">${icon("video")}</button>
</span>`;
}

export function conversationActions(
  t: Translate,
  conversation: Conversation,
  viewer: Pick<Agent, "id" | "role">,
  visitor: Pick<ConversationSummary, "visitorBlocked" | "visitorIp">,
  targets: TransferTargets,
): SafeHtml {
  const mayAct = conversation.status === "open" && mayActOnConversation(viewer, conversation);
  const ip = mayBlockIps(viewer) ? visitor.visitorIp : null;
  return html`<div id="conversation-actions" class="conversation-actions">
  ${visitor.visitorBlocked ? html`<span class="badge off">${t("workspace.blocked")}</span>` : ""}
  ${conversation.status === "open" && conversation.agentId === viewer.id ? callButtons(t, conversation) : ""}
  ${mayAct ? transferPicker(t, conversation, targets) : ""}
  ${ratingAction(t, conversation, viewer)}
  ${moreMenu(t, conversation, visitor.visitorBlocked, ip)}
  ${mayAct ? html`<button class="bar-button primary" hx-post="/console/conversations/${conversation.id}/close" hx-target="#conversation-actions" hx-swap="outerHTML" hx-confirm="${t("workspace.closeConfirm")}" title="${t("workspace.close")}">${icon("check")} <span class="bar-label">${t("workspace.close")}</span></button>` : ""}
</div>`;
}
