// Below the thread: the composer while the conversation is the agent's; otherwise what state it
// is in and what can be done ("Waiting 2 min · Take", "Closed 18:35", who has it). Its
// data-state lets a re-rendering replace it only when the state changed, so a draft in the
// composer survives changes that leave the conversation the agent's.
import type { Conversation, ConversationSummary } from "../domain/conversations";
import type { ConsoleContext } from "./console";
import { composer } from "./chat";
import { elapsedTime } from "./elapsed";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { messageTime } from "./message";

type FooterState = "composer" | "waiting" | "elsewhere" | "closed";

interface FooterFacts {
  summary: ConversationSummary;
  /** The visitor's newer conversation, when this one is closed and they came back. */
  newer: Pick<Conversation, "id"> | null;
}

function footerState(conversation: Conversation, viewerId: number): FooterState {
  if (conversation.status === "queued") return "waiting";
  if (conversation.status === "closed") return "closed";
  return conversation.agentId === viewerId ? "composer" : "elsewhere";
}

function stateLine(ctx: ConsoleContext, facts: FooterFacts, state: Exclude<FooterState, "composer">): SafeHtml {
  const { t } = ctx;
  const { conversation } = facts.summary;
  if (state === "waiting") {
    return html`<p>${icon("clock")} ${t("workspace.waitingFor")} ${elapsedTime(t, facts.summary.waitingSince ?? conversation.openedAt)}</p>
  <button class="primary" hx-post="/console/conversations/${conversation.id}/take" hx-target="#conversation-actions" hx-swap="outerHTML">${t("workspace.take")}</button>`;
  }
  if (state === "closed") {
    return html`<p>${icon("check")} ${t("workspace.closedAt")} ${messageTime(conversation.closedAt ?? Date.now())}</p>
  ${facts.newer ? html`<a class="button" href="/console/conversations/${facts.newer.id}">${t("workspace.newerConversation")}</a>` : ""}`;
  }
  return html`<p>${icon("user")} ${t("workspace.withAgent", { name: facts.summary.agentName ?? "" })}</p>`;
}

export function conversationFooter(ctx: ConsoleContext, facts: FooterFacts): SafeHtml {
  const state = footerState(facts.summary.conversation, ctx.agent.id);
  return html`<div id="conversation-footer" class="conversation-footer" data-state="${state}">${
    state === "composer" ? composer(ctx) : html`<div class="conversation-state" role="status">${stateLine(ctx, facts, state)}</div>`
  }</div>`;
}

/** The footer as part of a response: it replaces the one on the page only if that one shows another state. */
export function footerPartial(ctx: ConsoleContext, facts: FooterFacts): SafeHtml {
  const state = footerState(facts.summary.conversation, ctx.agent.id);
  return html`<hx-partial hx-target='#conversation-footer:not([data-state="${state}"])' hx-swap="outerHTML">${conversationFooter(ctx, facts)}</hx-partial>`;
}
