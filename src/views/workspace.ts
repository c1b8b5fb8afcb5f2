// The agent's workspace: the conversation lists on the left (tabs Mine, Waiting and, for owners
// and admins, All, each with its count), one conversation in the middle, the visitor on the
// right. Below 900 px wide the three are separate screens (data-screen, switched by console.js).
import type { Visitor } from "../domain/visitors";
import type { VisitorConversation, VisitorProfile } from "../domain/visitor-profile";
import { conversationsSection, visitorPanel } from "./visitor-panel";
import type { Conversation, ConversationSummary, InboxLists } from "../domain/conversations";
import type { Message } from "../domain/messages";
import type { Translate } from "../i18n";
import { threadPanel } from "./chat";
import { foundMessageMarker, olderPartNotice } from "./search";
import { cannedRepliesTemplate } from "./canned-replies";
import { type ConsoleContext, consolePage } from "./console";
import { conversationItem, type ConversationListName, conversationListId } from "./conversation-item";
import { conversationActions, conversationTitle, type TransferTargets, visitorStatus } from "./conversation-header";
import { conversationFooter, footerPartial } from "./conversation-footer";
import { elapsedTexts } from "./elapsed";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { visitorName } from "./visitor-name";

export interface WorkspaceState extends InboxLists {
  /** How many times the shop's lists had changed when they were read (the socket sends them again if they change before it listens). */
  listsVersion: number;
  chatLink: string;
  socketUrl: string;
  open: null | OpenConversation;
}

export interface OpenConversation {
  summary: ConversationSummary;
  messages: Message[];
  earlierUrl: string | null;
  visitorOnline: boolean;
  transferTargets: TransferTargets;
  visitor: Visitor;
  /** The team's notes, tags and the visitor's conversations, for the visitor panel. */
  visitorProfile: VisitorProfile;
  /** A closed conversation's visitor came back: their newer conversation. */
  newer: Pick<Conversation, "id"> | null;
  /** Opened at a message (`?at=`): its DOM id; `latestUrl` when the thread shown stops before the newest messages. */
  found?: { domId: string; latestUrl: string | null } | null;
}

/**
 * Which tab shows first: the open conversation's list, else Mine when it has anything, else
 * Waiting when it has. console.js applies the same rule as the lists change, until the agent
 * picks a tab.
 */
function firstTab(state: WorkspaceState): ConversationListName {
  const current = state.open?.summary.conversation.id;
  const holds = (items: ConversationSummary[]) => items.some((summary) => summary.conversation.id === current);
  if (current !== undefined && holds(state.waiting)) return "waiting";
  if (current !== undefined && holds(state.mine)) return "mine";
  // A colleague's conversation, open before an owner's or admin's eyes.
  if (current !== undefined && state.all && holds(state.all)) return "all";
  return state.mine.length === 0 && state.waiting.length > 0 ? "waiting" : "mine";
}

const tabKeys = { mine: "workspace.mine", waiting: "workspace.waiting", all: "workspace.all" } as const;

function listsOf(lists: InboxLists): [ConversationListName, ConversationSummary[]][] {
  const named: [ConversationListName, ConversationSummary[]][] = [["mine", lists.mine], ["waiting", lists.waiting]];
  if (lists.all) named.push(["all", lists.all]);
  return named;
}

function listItems(t: Translate, lists: InboxLists, list: ConversationListName, items: ConversationSummary[], current: number | undefined): SafeHtml[] {
  return items.map((summary) =>
    conversationItem(t, summary, { online: lists.onlineVisitorIds.has(summary.conversation.visitorId), current: summary.conversation.id === current, list }),
  );
}

/** The lists' items again, whole, into the lists the page has (console.js recounts the tabs). */
export function inboxRefresh(t: Translate, lists: InboxLists, current: number | undefined): SafeHtml {
  return html`${listsOf(lists).map(
    ([list, items]) => html`<hx-partial hx-target="#${conversationListId(list)}" hx-swap="innerHTML">${listItems(t, lists, list, items, current)}</hx-partial>`,
  )}`;
}

function inbox(t: Translate, state: WorkspaceState): SafeHtml {
  const current = state.open?.summary.conversation.id;
  const lists = listsOf(state);
  const selected = firstTab(state);
  return html`<aside class="inbox" aria-label="${t("conversations.title")}" data-lists-version="${state.listsVersion}">
  <div class="inbox-tabs" role="tablist" aria-label="${t("conversations.title")}" data-auto>
    ${lists.map(
      ([list, items]) => html`<button type="button" role="tab" id="tab-${list}" aria-controls="panel-${list}" aria-selected="${String(list === selected)}" ${list === selected ? "" : html`tabindex="-1"`} data-list="${list}">
      ${t(tabKeys[list])} <span class="count" id="count-${list}" data-count="${items.length}">${items.length}</span></button>`,
    )}
  </div>
  ${lists.map(
    ([list, items]) => html`<div role="tabpanel" id="panel-${list}" aria-labelledby="tab-${list}" ${list === selected ? "" : html`hidden`}>
    <ul id="${conversationListId(list)}" class="conversation-list" data-list="${list}" data-empty="${t(list === "waiting" ? "workspace.noneWaiting" : "workspace.none")}">${listItems(t, state, list, items, current)}</ul>
  </div>`,
  )}
  <p class="alerts"><a href="/console/preferences" id="alert-preferences" data-waiting-alert="${t("prefs.waitingAlert")}">${icon("settings")} ${t("prefs.title")}</a></p>
</aside>`;
}

function conversationPane(ctx: ConsoleContext, open: OpenConversation): SafeHtml {
  const { t } = ctx;
  const { conversation } = open.summary;
  const visitor = { id: conversation.visitorId, name: open.summary.visitorName };
  return html`<section class="conversation" data-conversation="${conversation.id}" data-visitor="${conversation.visitorId}" aria-label="${visitorName(t, visitor)}">
  <header class="conversation-header">
    <a class="bar-button icon-only screen-back" href="/console" aria-label="${t("workspace.backToList")}" title="${t("workspace.backToList")}">${icon("arrow-left")}</a>
    <div class="conversation-who">${conversationTitle(t, visitor)} ${visitorStatus(t, open.visitorOnline)}</div>
    ${conversationActions(t, conversation, ctx.agent, open.summary, open.transferTargets)}
    <button type="button" class="bar-button icon-only panel-toggle" data-show-screen="panel" aria-label="${t("visitorPanel.title")}" title="${t("visitorPanel.title")}">${icon("panel-right")}</button>
  </header>
  ${threadPanel(ctx, open, "agent", visitorName(t, visitor), open.found ? foundMessageMarker(open.found.domId) : undefined)}
  ${open.found?.latestUrl ? olderPartNotice(t, open.found.latestUrl) : conversationFooter(ctx, { summary: open.summary, newer: open.newer })}
  ${cannedRepliesTemplate(t, conversation.id)}
</section>
${visitorPanel(t, open.visitor, open.visitorProfile)}`;
}

// Both texts: the lists fill live, and console.css shows the one that fits what they hold.
function emptyPane(ctx: ConsoleContext, state: WorkspaceState): SafeHtml {
  const { t } = ctx;
  return html`<section class="conversation empty" id="conversations-empty">
  ${icon("inbox")}
  <p class="when-some-conversations"><strong>${t("workspace.pick")}</strong></p>
  <p class="when-no-conversations"><strong>${t("conversations.empty")}</strong></p>
  <p class="when-no-conversations">${t("conversations.emptyHint")}</p>
  <label for="chat-link">${t("workspace.chatLink")}</label>
  <div class="copy-field" x-data="{ copied: false }">
    <input id="chat-link" readonly value="${state.chatLink}" x-ref="link">
    <button type="button" class="secondary" @click="navigator.clipboard.writeText($refs.link.value); copied = true">${icon("copy")} <span x-show="!copied">${t("team.copy")}</span><span x-show="copied" x-cloak>${t("team.copied")}</span></button>
    <a class="button secondary" href="${state.chatLink}" target="_blank" rel="noopener" aria-label="${t("workspace.openChatLink")}" title="${t("workspace.openChatLink")}">${icon("link")}</a>
  </div>
</section>`;
}

export function workspacePage(ctx: ConsoleContext, state: WorkspaceState): SafeHtml {
  const { t } = ctx;
  return consolePage(
    ctx,
    "conversations",
    t("conversations.title"),
    html`<h1 class="visually-hidden">${t("conversations.title")}</h1>
<div class="workspace" data-screen="${state.open ? "thread" : "list"}">
  ${inbox(t, state)}
  ${state.open ? conversationPane(ctx, state.open) : emptyPane(ctx, state)}
</div>
${elapsedTexts(t)}`,
    { socketUrl: state.socketUrl },
  );
}

/**
 * What a change of the open conversation re-renders: its action bar (the response's own swap),
 * the footer when its state changed, and the visitor panel's list of conversations, whose
 * status ("Waiting", "Open") changed with it.
 */
export function conversationUpdate(
  ctx: ConsoleContext,
  update: { summary: ConversationSummary; transferTargets: TransferTargets; newer: Pick<Conversation, "id"> | null; visitorConversations: VisitorConversation[] },
): SafeHtml {
  return html`${conversationActions(ctx.t, update.summary.conversation, ctx.agent, update.summary, update.transferTargets)}
${footerPartial(ctx, { summary: update.summary, newer: update.newer })}
<hx-partial hx-target="#visitor-conversations" hx-swap="outerHTML">${conversationsSection(ctx.t, update.visitorConversations)}</hx-partial>`;
}
