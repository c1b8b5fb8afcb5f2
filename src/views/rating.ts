// Ratings in the thread, the conversation list and the action bar. The visitor's card is a
// message (its id is the message's), so the answer re-renders it in place as "thanks".
import type { Conversation } from "../domain/conversations";
import type { FieldProblem } from "../domain/errors";
import { limits } from "../domain/limits";
import type { Message } from "../domain/messages";
import { maxStars, type RatingCardMeta, ratingEvents, starsText } from "../domain/ratings";
import type { Translate } from "../i18n";
import { html, type SafeHtml } from "./html";
import { type Audience, conversationAttribute, messageDomId, messageTime } from "./message";
import { mayActOnConversation } from "../domain/permissions";

/** What a refused answer shows again: the problems, and the comment as typed. */
export interface RatingFormState {
  errors?: Record<string, FieldProblem>;
  comment?: string;
  /** A rule refused it (e.g. already rated): said above the card. */
  problem?: string;
}

/** The stars as text, read out as "4 of 5 stars". */
export function ratingStars(t: Translate, rating: number): SafeHtml {
  return html`<span class="rating-stars" role="img" aria-label="${t("rating.stars", { count: rating, max: maxStars })}">${starsText(rating)}</span>`;
}

/** The line a rating event shows in a list preview; null for any other message. */
export function ratingText(t: Translate, message: Pick<Message, "body" | "meta">, audience: Audience): string | null {
  const meta = (message.meta ?? {}) as Record<string, unknown>;
  if (message.body === ratingEvents.requested) {
    if (audience === "visitor") return t(typeof meta.rating === "number" ? "rating.thanks" : "rating.question");
    return meta.by === "agent" ? t("rating.requestedBy", { name: String(meta.agentName ?? "") }) : t("rating.offered");
  }
  if (message.body === ratingEvents.rated) {
    const line = `${t("rating.ratedLabel")} ${starsText(Number(meta.rating))}`;
    return meta.comment ? `${line} — ${String(meta.comment)}` : line;
  }
  return null;
}

/** A rating event in a thread: the card (visitor) or the note (agents) that it was asked, or the answer. */
export function ratingMessage(t: Translate, message: Message, audience: Audience, form: RatingFormState = {}): SafeHtml {
  const meta = (message.meta ?? {}) as Record<string, unknown>;
  const id = messageDomId(message.clientId);
  if (message.body === ratingEvents.rated) {
    return html`<div class="message event rating-result" id="${id}" data-seq="${message.id}"${conversationAttribute(message, audience)}>
  <span>${t("rating.ratedLabel")} ${ratingStars(t, Number(meta.rating))}${meta.comment ? html` — <q>${String(meta.comment)}</q>` : ""}</span> ${messageTime(message.createdAt)}
</div>`;
  }
  if (audience === "agent") {
    return html`<div class="message event rating-asked" id="${id}" data-seq="${message.id}"${conversationAttribute(message, audience)}>
  <span>${ratingText(t, message, "agent")}</span> ${messageTime(message.createdAt)}
</div>`;
  }
  return ratingCard(t, message, meta as unknown as RatingCardMeta, form);
}

function ratingCard(t: Translate, message: Message, meta: RatingCardMeta, form: RatingFormState): SafeHtml {
  const id = messageDomId(message.clientId);
  const problem = form.problem ? html`<p class="field-error" role="alert">${form.problem}</p>` : "";
  if (typeof meta.rating === "number") {
    return html`<div class="message event rating-card answered" id="${id}" data-seq="${message.id}">
  ${problem}
  <p>${ratingStars(t, meta.rating)} <strong>${t("rating.thanks")}</strong></p>
</div>`;
  }
  const conversationId = message.conversationId;
  const field = (name: number | string) => `rating-${conversationId}-${name}`;
  const errors = form.errors ?? {};
  const error = (name: string) => {
    const found = errors[name];
    return found ? html`<p class="field-error" id="${field(name)}-error">${t(found.key, found.params)}</p>` : "";
  };
  const stars = Array.from({ length: maxStars }, (_, index) => index + 1);
  return html`<div class="message event rating-card" id="${id}" data-seq="${message.id}">
  ${problem}
  <form class="rating-form" hx-post="/chat/${encodeURIComponent(meta.widgetKey)}/rating" hx-target="#${id}" hx-swap="outerHTML">
    <input type="hidden" name="conversation" value="${conversationId}">
    <fieldset class="star-picker" ${errors.stars ? html`aria-describedby="${field("stars")}-error"` : ""}>
      <legend>${t("rating.question")}</legend>
      <span class="star-row">${stars.map(
        (n) => html`<input type="radio" id="${field(n)}" name="stars" value="${n}" required><label for="${field(n)}" title="${t("rating.stars", { count: n, max: maxStars })}"><span aria-hidden="true">★</span><span class="visually-hidden">${t("rating.stars", { count: n, max: maxStars })}</span></label>`,
      )}</span>
    </fieldset>
    ${error("stars")}
    <label for="${field("comment")}">${t("rating.comment")}</label>
    <textarea id="${field("comment")}" name="comment" rows="2" maxlength="${limits.ratingCommentLength}" ${errors.comment ? html`aria-invalid="true" aria-describedby="${field("comment")}-error"` : ""}>${form.comment ?? ""}</textarea>
    ${error("comment")}
    <button type="submit" class="small">${t("rating.submit")}</button>
  </form>
</div>`;
}

/** The rating's place in the conversation's action bar: ask for one, asked, or the stars given. */
export function ratingAction(t: Translate, conversation: Conversation, viewer: { id: number; role: string }): SafeHtml {
  if (conversation.rating !== null) return html`<span class="badge rating-badge" title="${t("rating.ratedLabel")}">${ratingStars(t, conversation.rating)}</span>`;
  if (conversation.ratingRequestedAt !== null) return html`<span class="badge">${t("rating.requested")}</span>`;
  const mayAsk = conversation.status === "open" && mayActOnConversation(viewer, conversation);
  if (!mayAsk) return html``;
  return html`<button class="secondary small" hx-post="/console/conversations/${conversation.id}/rating-request" hx-target="#conversation-actions" hx-swap="outerHTML" title="${t("rating.requestHint")}">${t("rating.request")}</button>`;
}
