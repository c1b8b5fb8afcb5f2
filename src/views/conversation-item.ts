// One line of the workspace's conversation lists (Mine, Waiting, All), rendered the same way for
// the page and for the realtime hub's pushes. What it previews is the visitor's last message:
// the shop's own greeting or "joined" line says nothing about what the visitor wants.
import type { ConversationSummary } from "../domain/conversations";
import type { Translate } from "../i18n";
import { elapsedTime } from "./elapsed";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { messageTime } from "./message";
import { ratingStars } from "./rating";
import { visitorAvatar } from "./visitor-avatar";
import { visitorName } from "./visitor-name";

export type ConversationListName = "mine" | "waiting" | "all";

/** The list's element id; the hub pushes items into it. */
export function conversationListId(list: ConversationListName): string {
  return { mine: "my-conversations", waiting: "waiting-conversations", all: "all-conversations" }[list];
}

/** A conversation's item id. "All" holds the same conversations as Mine and Waiting, under ids of its own. */
export function conversationItemId(conversationId: number, list: ConversationListName = "mine"): string {
  return list === "all" ? `all-conversation-${conversationId}` : `conversation-${conversationId}`;
}

function preview(t: Translate, summary: ConversationSummary): string {
  if (summary.visitorKind === "audio") return t("attachment.voice");
  return (summary.visitorBody ?? "").slice(0, 80);
}

/** The shop's bot answered last, or the visitor then asked for a person: marked beside the preview. */
function botNote(t: Translate, summary: ConversationSummary): SafeHtml | "" {
  if (!summary.lastBot) return "";
  return html`<span class="faq-tag bot-note" data-bot="${summary.lastBot}">${t(summary.lastBot === "answered" ? "answers.label" : "answers.personRequested")}</span>`;
}

/** Top right: how long it has waited, or when something last happened. */
function when(t: Translate, summary: ConversationSummary): SafeHtml | string {
  if (summary.waitingSince !== null) return html`<span class="waited" title="${t("workspace.waitedHint")}">${icon("clock")} ${elapsedTime(t, summary.waitingSince)}</span>`;
  return summary.lastAt ? messageTime(summary.lastAt) : "";
}

export function conversationItem(
  t: Translate,
  summary: ConversationSummary,
  options: { online: boolean; current: boolean; list: ConversationListName },
): SafeHtml {
  const { conversation } = summary;
  const name = visitorName(t, { id: conversation.visitorId, name: summary.visitorName });
  const waiting = conversation.status === "queued";
  // In "All" a manager reads who has each one.
  const owner = options.list === "all" ? html`<span class="item-owner">${summary.agentName ?? t("workspace.unassigned")}</span>` : "";
  return html`<li id="${conversationItemId(conversation.id, options.list)}" data-last="${conversation.lastMessageId ?? 0}" data-conversation="${conversation.id}" ${options.current ? html`aria-current="true"` : ""}>
  <a href="/console/conversations/${conversation.id}">
    <span class="dot ${options.online ? "online" : "offline"}" data-visitor-dot="${conversation.visitorId}" role="img" aria-label="${t(options.online ? "chat.online" : "chat.offline")}"></span>
    <span class="item-main">
      <span class="item-head">${visitorAvatar({ avatar: summary.visitorAvatar }, "small")}<strong class="item-name">${name}</strong><span class="item-when">${when(t, summary)}</span></span>
      <span class="item-foot"><span class="preview">${preview(t, summary)}</span>${botNote(t, summary)}${owner}${conversation.rating !== null ? ratingStars(t, conversation.rating) : ""}${
        summary.unread > 0 ? html`<span class="unread" aria-label="${t("workspace.unread", { count: summary.unread })}">${summary.unread}</span>` : ""
      }</span>
    </span>
  </a>
  ${waiting && options.list !== "all" ? html`<button class="small take" hx-post="/console/conversations/${conversation.id}/take?open=1" hx-swap="none">${t("workspace.take")}</button>` : ""}
</li>`;
}
