// Ratings (评价): a visitor rates a conversation once, 1 to 5 stars with an optional comment,
// after the shop asked them: an agent's request during the conversation, or the offer made when
// it closes (if the shop turned that on). The ask and the answer are system messages in the
// thread, so both sides see them live, in history and on catch-up like any other message.
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { agents, businesses, conversations, messages } from "../db/schema";
import type { Actor } from "./agents";
import { type Conversation, findConversationForAgent } from "./conversations";
import { NotFoundError, RuleError, ValidationError } from "./errors";
import type { ConversationEvents } from "./events";
import { limits } from "./limits";
import { insertSystemMessage, type Message } from "./messages";
import { mayActOnConversation } from "./permissions";

/** The two system messages of a rating: the card that asks, and the line with the answer. */
export const ratingEvents = { requested: "rating-requested", rated: "rated" } as const;
export type RatingEvent = (typeof ratingEvents)[keyof typeof ratingEvents];

export const maxStars = 5;

export function isRatingEvent(message: Pick<Message, "sender" | "body">): boolean {
  return message.sender === "system" && (message.body === ratingEvents.requested || message.body === ratingEvents.rated);
}

/** What the card message carries: who asked, where the visitor answers, and once answered, the stars. */
export interface RatingCardMeta {
  by: "agent" | "close";
  agentName?: string;
  /** The shop's public widget key: the card posts to /chat/:widgetKey/rating. */
  widgetKey: string;
  rating?: number;
}

/**
 * Marks the conversation asked and puts the card in its thread, or returns null when it was
 * asked (or rated) before: the UPDATE matches only an unasked row, so two asks at once make one card.
 */
function ask(tx: Queryable, conversation: Conversation, meta: RatingCardMeta) {
  const asked = tx
    .update(conversations)
    .set({ ratingRequestedAt: Date.now() })
    .where(and(eq(conversations.id, conversation.id), isNull(conversations.ratingRequestedAt), isNull(conversations.rating)))
    .returning()
    .get();
  if (!asked) return null;
  const card = insertSystemMessage(tx, asked, ratingEvents.requested, { ...meta });
  return { conversation: { ...asked, lastMessageId: card.id }, card };
}

/** An agent asks the visitor of an open conversation to rate it; once per conversation. */
export function requestRating(db: Database, events: ConversationEvents, agent: Actor, conversationId: number): Conversation {
  const result = db.transaction((tx) => {
    const before = findConversationForAgent(tx, agent.businessId, conversationId);
    if (before.status !== "open") throw new RuleError({ key: "rating.notOpen" });
    if (!mayActOnConversation(agent, before)) throw new RuleError({ key: "rating.notYours" });
    if (before.rating !== null) throw new RuleError({ key: "rating.alreadyRated" });
    const agentName = tx.select({ name: agents.displayName }).from(agents).where(eq(agents.id, agent.id)).get()?.name ?? "";
    const { widgetKey } = tx.select({ widgetKey: businesses.widgetKey }).from(businesses).where(eq(businesses.id, before.businessId)).get()!;
    const asked = ask(tx, before, { by: "agent", agentName, widgetKey });
    if (!asked) throw new RuleError({ key: "rating.alreadyRequested" });
    return { before, ...asked };
  }, { behavior: "immediate" });
  events.messageCreated(result.card, result.conversation);
  events.conversationChanged(result.conversation, result.before);
  return result.conversation;
}

/**
 * Called as a conversation closes (inside its transaction, after the close line): when the shop
 * offers ratings on close, the visitor gets the card, unless an agent asked already or it was
 * rated. Only a conversation an agent was serving: one that closed while still waiting had
 * nobody to rate.
 */
export function offerRatingOnClose(tx: Queryable, before: Conversation, closed: Conversation): { conversation: Conversation; card: Message } | null {
  if (before.status !== "open") return null;
  const business = tx.select({ ratingEnabled: businesses.ratingEnabled, widgetKey: businesses.widgetKey }).from(businesses).where(eq(businesses.id, closed.businessId)).get();
  if (!business?.ratingEnabled) return null;
  return ask(tx, closed, { by: "close", widgetKey: business.widgetKey });
}

export interface RatingAnswer {
  /** As typed in the form: a whole number from 1 to 5. */
  stars: string | undefined;
  comment: string | undefined;
}

/** The stars and the trimmed comment, or a ValidationError naming each bad field. */
export function checkRatingAnswer(answer: RatingAnswer): { stars: number; comment: string | null } {
  const stars = /^[1-5]$/.test(answer.stars?.trim() ?? "") ? Number(answer.stars!.trim()) : null;
  const comment = (answer.comment ?? "").trim();
  const fields: ConstructorParameters<typeof ValidationError>[0] = {};
  if (stars === null) fields.stars = { key: "rating.starsRange", params: { max: maxStars } };
  if (Array.from(comment).length > limits.ratingCommentLength) fields.comment = { key: "rating.commentTooLong", params: { max: limits.ratingCommentLength } };
  if (Object.keys(fields).length > 0) throw new ValidationError(fields);
  return { stars: stars!, comment: comment || null };
}

/**
 * The visitor answers. Only their own conversation (another's is not found), only once it was
 * asked, and only once: a rating is final. The card turns into thanks and the answer is added
 * to the thread, for both sides.
 */
export function rateConversation(
  db: Database,
  events: ConversationEvents,
  visitor: { id: number; businessId: number },
  conversationId: number,
  answer: RatingAnswer,
): Conversation {
  const { stars, comment } = checkRatingAnswer(answer);
  const result = db.transaction((tx) => {
    const before = findConversationForVisitor(tx, visitor, conversationId);
    if (before.rating !== null) throw new RuleError({ key: "rating.alreadyRated" });
    if (before.ratingRequestedAt === null) throw new RuleError({ key: "rating.notRequested" });
    const rated = tx
      .update(conversations)
      .set({ rating: stars, ratingComment: comment, ratedAt: Date.now() })
      .where(and(eq(conversations.id, before.id), isNull(conversations.rating)))
      .returning()
      .get();
    if (!rated) throw new RuleError({ key: "rating.alreadyRated" });
    const asked = ratingCard(tx, before.id);
    // The card remembers the answer, so it renders as thanks wherever it is shown again.
    const card = asked
      ? tx
          .update(messages)
          .set({ meta: { ...asked.meta, rating: stars } })
          .where(eq(messages.id, asked.id))
          .returning()
          .get()!
      : null;
    const line = insertSystemMessage(tx, rated, ratingEvents.rated, comment ? { rating: stars, comment } : { rating: stars });
    return { before, conversation: { ...rated, lastMessageId: line.id }, card, line };
  }, { behavior: "immediate" });
  // Announcing the card again replaces it in every open thread (same element id).
  if (result.card) events.messageCreated(result.card, result.conversation);
  events.messageCreated(result.line, result.conversation);
  events.conversationChanged(result.conversation, result.before);
  return result.conversation;
}

/** The conversation's rating card, if it was asked. */
export function ratingCard(db: Queryable, conversationId: number): Message | undefined {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), eq(messages.sender, "system"), eq(messages.body, ratingEvents.requested)))
    .orderBy(desc(messages.id))
    .limit(1)
    .get();
}

/** One of the visitor's own conversations; anyone else's is simply not found (invariant 4). */
export function findConversationForVisitor(db: Queryable, visitor: { id: number; businessId: number }, conversationId: number): Conversation {
  const conversation = db
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, conversationId), eq(conversations.visitorId, visitor.id), eq(conversations.businessId, visitor.businessId)))
    .get();
  if (!conversation) throw new NotFoundError("conversation");
  return conversation;
}

/** "★★★★☆": the stars as text, for thread lines, list items and notifications. */
export function starsText(rating: number): string {
  const filled = Math.max(0, Math.min(maxStars, Math.round(rating)));
  return "★".repeat(filled) + "☆".repeat(maxStars - filled);
}
