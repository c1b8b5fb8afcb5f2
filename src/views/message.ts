// One message, rendered the same way for the page, for history pages and for the realtime push.
// The element id is the client id, so a confirmed message replaces its pending bubble; data-seq
// is the message id, by which the thread keeps its order (see assets/chat.js).
import type { Message } from "../domain/messages";
import type { Translate } from "../i18n";
import { html, type SafeHtml } from "./html";
import { richText } from "./rich-text";
import { avatar } from "./console";
import type { Product } from "../db/schema";
import { productCard } from "./product-card";
import { attachmentView, isAttachmentMessage } from "./attachment";
import { ratingMessage, ratingText } from "./rating";
import { isRatingEvent } from "../domain/ratings";
import { callText } from "../domain/calls";

export type Audience = "visitor" | "agent";

export function messageDomId(clientId: string): string {
  return `message-${clientId}`;
}

/** Agents' renderings name their conversation: one agent socket may carry several (`follow`). */
export function conversationAttribute(message: Pick<Message, "conversationId">, audience: Audience): SafeHtml | "" {
  return audience === "agent" ? html` data-conversation="${message.conversationId}"` : "";
}

export function messageTime(at: number): SafeHtml {
  const date = new Date(at);
  // Shown in UTC until chat.js rewrites it in the reader's own time zone.
  return html`<time datetime="${date.toISOString()}">${date.toISOString().slice(11, 16)}</time>`;
}

/** The line a system event shows; a transfer's note is for agents only, never the visitor. */
export function systemText(t: Translate, message: Pick<Message, "body" | "meta">, audience: Audience = "agent"): string {
  if (message.meta?.auto) return message.body;
  const rating = ratingText(t, message, audience);
  if (rating !== null) return rating;
  const agentName = String(message.meta?.agentName ?? "");
  if (message.body === "joined") return t("event.joined", { name: agentName });
  if (message.body === "transferred") {
    // The visitor is told who helps them now; agents read where it went.
    const groupName = message.meta?.groupName;
    const line =
      groupName !== undefined
        ? t("event.transferredToGroup", { name: String(groupName) })
        : t(audience === "visitor" ? "event.transferred" : "event.transferredTo", { name: agentName });
    const note = audience === "agent" && message.meta?.note ? String(message.meta.note) : "";
    return note ? `${line} (${t("event.transferNote", { from: String(message.meta?.fromName ?? ""), note })})` : line;
  }
  if (message.body === "requeued") return t(audience === "visitor" ? "event.requeued" : "event.requeuedFrom", { name: agentName });
  if (message.body === "reopened") return t("event.reopened");
  if (message.body === "call") return callText(t, message.meta);
  if (message.body === "personRequested") return t(audience === "visitor" ? "event.personRequested" : "event.personRequestedBy");
  return message.meta?.idle ? t("event.closedIdle") : t("event.closed");
}

/**
 * An answer the shop sent by itself (a chosen FAQ's, or its bot's): on the shop's side, labelled so
 * nobody takes it for an agent's words. Under the bot's, the visitor may ask for a person (转人工).
 */
function automaticReply(t: Translate, message: Message, audience: Audience): SafeHtml {
  const bot = message.meta?.auto === "answer";
  const author = bot ? html`${String(message.meta?.shopName ?? "")} <span class="faq-tag auto-label">${t("answers.label")}</span>` : t("faq.autoReply");
  return html`<div class="message ${audience === "visitor" ? "theirs " : ""}auto" id="${messageDomId(message.clientId)}" data-seq="${message.id}"${conversationAttribute(message, audience)}>
  <div class="author">${author}</div>
  <div class="bubble">${richText(message.body)}</div>
  <div class="meta">${messageTime(message.createdAt)}</div>
  ${bot && audience === "visitor" ? html`<button type="button" class="secondary small talk-to-person" hx-ws:send hx-vals='{"type": "person"}'>${t("answers.talkToPerson")}</button>` : ""}
</div>`;
}

export function messageView(t: Translate, message: Message, audience: Audience): SafeHtml {
  if (message.sender === "system" && message.meta?.auto) return automaticReply(t, message, audience);
  if (isRatingEvent(message)) return ratingMessage(t, message, audience);
  if (message.sender === "system") {
    // The visitor asked for a person: the page hides "Talk to a person" above it (kefu.css).
    return html`<div class="message event${message.body === "personRequested" ? " person-requested" : ""}" id="${messageDomId(message.clientId)}" data-seq="${message.id}"${conversationAttribute(message, audience)}>
  <span>${systemText(t, message, audience)}</span> ${messageTime(message.createdAt)}
</div>`;
  }
  const mine = message.sender === audience;
  // Agents share one rendering, so every agent message names its author there: a colleague's
  // reply (before a transfer, say) must not look like the reader's own.
  const author = message.sender === "agent" ? String(message.meta?.agentName ?? "") : "";
  // Agents see that the visitor picked this question from the FAQ list rather than typed it.
  const faqTag = audience === "agent" && message.sender === "visitor" && message.meta?.faq !== undefined ? html` <span class="faq-tag" title="${t("faq.tagHint")}">${t("faq.title")}</span>` : "";
  // Agents see that a trigger wrote this line, not the agent it names (domain/trigger-showings.ts).
  const triggerTag = audience === "agent" && message.meta?.trigger !== undefined ? html` <span class="faq-tag" title="${t("triggers.tagHint", { name: String(message.meta.triggerName ?? "") })}">${t("triggers.tag")}</span>` : "";
  // An agent's first word to a browsing visitor (live visitors): their closed widget opens for it.
  const proactive = message.sender === "agent" && message.meta?.proactive === true;
  return html`<div class="message ${mine ? "mine" : "theirs"}${message.readAt ? " seen" : ""}" id="${messageDomId(message.clientId)}" data-seq="${message.id}"${conversationAttribute(message, audience)} ${proactive ? html`data-proactive` : ""}>
  ${author && (!mine || audience === "agent") ? html`<div class="author">${triggerFace(message, author, audience)}${author}</div>` : ""}
  ${isAttachmentMessage(message) ? html`<div class="bubble attachment ${message.kind}">${attachmentView(t, message, audience)}</div>` : html`<div class="bubble">${message.kind === "product" && message.meta ? productCard(message.meta as unknown as Product) : richText(message.body)}</div>`}
  <div class="meta">${messageTime(message.createdAt)}${faqTag}${triggerTag}${mine ? html` <span class="receipt">${t("message.seen")}</span>` : ""}</div>
</div>`;
}

/** A trigger's message shows the visitor whose it is, face and name, as a proactive message does in other chats. */
function triggerFace(message: Message, author: string, audience: Audience): SafeHtml | "" {
  if (audience !== "visitor" || message.meta?.trigger === undefined) return "";
  const picture = typeof message.meta.agentAvatar === "string" ? message.meta.agentAvatar : null;
  return html`${avatar({ displayName: author, avatar: picture })} `;
}

/** Inserts or replaces messages in #thread, kept in id order whatever order they arrive in. */
export function threadUpsert(t: Translate, messages: Message[], audience: Audience): SafeHtml {
  return html`<hx-upsert hx-target="#thread" key="data-seq">${messages.map((message) => messageView(t, message, audience))}</hx-upsert>`;
}

/** The "earlier messages" control above the thread: loads the page before `beforeId`. */
export function earlierControl(t: Translate, url: string | null): SafeHtml {
  return html`<div id="earlier">${
    url ? html`<button type="button" class="secondary small" hx-get="${url}" hx-target="#earlier" hx-swap="outerHTML">${t("thread.earlier")}</button>` : ""
  }</div>`;
}
