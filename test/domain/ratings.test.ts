import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { businesses, conversations, messages } from "../../src/db/schema";
import { closeConversation, closeIdleConversations, endConversationByVisitor, findConversationForAgent } from "../../src/domain/conversations";
import { NotFoundError, RuleError, ValidationError } from "../../src/domain/errors";
import { type ConversationEvents, ignoreEvents } from "../../src/domain/events";
import type { Message } from "../../src/domain/messages";
import { sendVisitorMessage } from "../../src/domain/messages";
import { rateConversation, ratingCard, ratingEvents, requestRating } from "../../src/domain/ratings";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { addMember, testApp } from "../support";

const visit = { ip: null, userAgent: null, page: null };
const draft = (body = "hello") => ({ clientId: `client-${crypto.randomUUID()}`, body });

/** A shop with one online agent serving one visitor's open conversation. */
async function setup(options: { ratingEnabled?: boolean } = {}) {
  const ctx = testApp();
  ctx.db.update(businesses).set({ ratingEnabled: options.ratingEnabled ?? true }).run();
  const agent = await addMember(ctx, "agent", "agent@example.com");
  const newVisitor = () => createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, visit).visitor;
  const visitor = newVisitor();
  const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), [agent.id]);
  const ratingMessages = (conversationId = conversation.id) =>
    ctx.db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, conversationId))
      .all()
      .filter((message) => message.body === ratingEvents.requested || message.body === ratingEvents.rated);
  const reload = (id = conversation.id) => findConversationForAgent(ctx.db, ctx.business.id, id);
  return { ...ctx, agent, visitor, conversation, newVisitor, ratingMessages, reload };
}

function recordingEvents(): ConversationEvents & { created: Message[] } {
  const created: Message[] = [];
  return { ...ignoreEvents, created, messageCreated: (message) => created.push(message) };
}

const answer = (stars: string | undefined, comment = "") => ({ stars, comment });

describe("asking for a rating", () => {
  it("puts one card in the thread and marks the conversation asked", async () => {
    const ctx = await setup();
    const events = recordingEvents();
    const asked = requestRating(ctx.db, events, ctx.agent, ctx.conversation.id);
    expect(asked.ratingRequestedAt).not.toBeNull();
    expect(events.created.map((message) => message.body)).toEqual([ratingEvents.requested]);
    expect(events.created[0]!.meta).toMatchObject({ by: "agent", agentName: "agent", widgetKey: ctx.business.widgetKey });
    expect(asked.lastMessageId).toBe(events.created[0]!.id);
  });

  it("refuses a second request for the same conversation and changes nothing", async () => {
    const ctx = await setup();
    requestRating(ctx.db, ignoreEvents, ctx.agent, ctx.conversation.id);
    const before = ctx.reload();
    expect(() => requestRating(ctx.db, ignoreEvents, ctx.agent, ctx.conversation.id)).toThrow(RuleError);
    expect(ctx.reload()).toEqual(before);
    expect(ctx.ratingMessages()).toHaveLength(1);
  });

  it("is for the agent who has the conversation, or a manager", async () => {
    const ctx = await setup();
    const colleague = await addMember(ctx, "agent", "colleague@example.com");
    expect(() => requestRating(ctx.db, ignoreEvents, colleague, ctx.conversation.id)).toThrow(RuleError);
    const admin = await addMember(ctx, "admin", "admin@example.com");
    expect(requestRating(ctx.db, ignoreEvents, admin, ctx.conversation.id).ratingRequestedAt).not.toBeNull();
  });

  it("is only for an open conversation of the agent's own business", async () => {
    const ctx = await setup();
    const waiting = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), []).conversation;
    expect(() => requestRating(ctx.db, ignoreEvents, ctx.agent, waiting.id)).toThrow(RuleError);
    const elsewhere = { ...ctx.agent, businessId: ctx.business.id + 1 };
    expect(() => requestRating(ctx.db, ignoreEvents, elsewhere, ctx.conversation.id)).toThrow(NotFoundError);
    expect(ctx.ratingMessages()).toHaveLength(0);
  });
});

describe("answering", () => {
  it("stores the stars and comment, turns the card into thanks and adds the answer to the thread", async () => {
    const ctx = await setup();
    requestRating(ctx.db, ignoreEvents, ctx.agent, ctx.conversation.id);
    const events = recordingEvents();
    const rated = rateConversation(ctx.db, events, ctx.visitor, ctx.conversation.id, answer("4", "  Quick and kind  "));
    expect(rated).toMatchObject({ rating: 4, ratingComment: "Quick and kind" });
    expect(rated.ratedAt).not.toBeNull();
    // The card again (now answered), then the rated line.
    expect(events.created.map((message) => message.body)).toEqual([ratingEvents.requested, ratingEvents.rated]);
    expect(ratingCard(ctx.db, ctx.conversation.id)!.meta).toMatchObject({ rating: 4 });
    expect(events.created[1]!.meta).toEqual({ rating: 4, comment: "Quick and kind" });
  });

  it("takes only a whole number of stars from 1 to 5, and a comment of at most 500 characters", async () => {
    const ctx = await setup();
    requestRating(ctx.db, ignoreEvents, ctx.agent, ctx.conversation.id);
    for (const stars of ["0", "6", "3.5", "", "five", " ", undefined, "-1", "１"]) {
      expect(() => rateConversation(ctx.db, ignoreEvents, ctx.visitor, ctx.conversation.id, answer(stars))).toThrow(ValidationError);
    }
    expect(() => rateConversation(ctx.db, ignoreEvents, ctx.visitor, ctx.conversation.id, answer("5", "字".repeat(501)))).toThrow(ValidationError);
    expect(ctx.reload()).toMatchObject({ rating: null, ratingComment: null, ratedAt: null });
    expect(ctx.ratingMessages()).toHaveLength(1);
    // Exactly 500 characters (not UTF-16 units) is fine.
    expect(rateConversation(ctx.db, ignoreEvents, ctx.visitor, ctx.conversation.id, answer("1", "😀".repeat(500))).rating).toBe(1);
  });

  it("is final: a second answer is refused and the first one stays", async () => {
    const ctx = await setup();
    requestRating(ctx.db, ignoreEvents, ctx.agent, ctx.conversation.id);
    rateConversation(ctx.db, ignoreEvents, ctx.visitor, ctx.conversation.id, answer("2"));
    expect(() => rateConversation(ctx.db, ignoreEvents, ctx.visitor, ctx.conversation.id, answer("5", "changed my mind"))).toThrow(RuleError);
    expect(ctx.reload()).toMatchObject({ rating: 2, ratingComment: null });
    expect(ctx.ratingMessages().map((message) => message.body)).toEqual([ratingEvents.requested, ratingEvents.rated]);
  });

  it("is only for the visitor's own conversation: another's is not found", async () => {
    const ctx = await setup();
    requestRating(ctx.db, ignoreEvents, ctx.agent, ctx.conversation.id);
    const stranger = ctx.newVisitor();
    expect(() => rateConversation(ctx.db, ignoreEvents, stranger, ctx.conversation.id, answer("1"))).toThrow(NotFoundError);
    expect(ctx.reload().rating).toBeNull();
  });

  it("needs the shop to have asked first", async () => {
    const ctx = await setup();
    expect(() => rateConversation(ctx.db, ignoreEvents, ctx.visitor, ctx.conversation.id, answer("5"))).toThrow(RuleError);
    expect(ctx.reload().rating).toBeNull();
  });

  it("stays possible after the conversation closed", async () => {
    const ctx = await setup();
    requestRating(ctx.db, ignoreEvents, ctx.agent, ctx.conversation.id);
    closeConversation(ctx.db, ignoreEvents, ctx.agent, ctx.conversation.id);
    expect(rateConversation(ctx.db, ignoreEvents, ctx.visitor, ctx.conversation.id, answer("5")).rating).toBe(5);
  });
});

describe("offering a rating when a conversation closes", () => {
  it("offers the card, just above the close line, when the agent closes it", async () => {
    const ctx = await setup();
    const events = recordingEvents();
    const closed = closeConversation(ctx.db, events, ctx.agent, ctx.conversation.id);
    expect(events.created.map((message) => message.body)).toEqual([ratingEvents.requested, "closed"]);
    expect(events.created[0]!.meta).toMatchObject({ by: "close" });
    expect(events.created[0]!.id).toBeLessThan(events.created[1]!.id);
    expect(closed).toMatchObject({ status: "closed", lastMessageId: events.created[1]!.id });
    expect(closed.ratingRequestedAt).not.toBeNull();
  });

  it("offers it when the visitor ends the chat, and when it closes for being idle", async () => {
    const ctx = await setup();
    endConversationByVisitor(ctx.db, ignoreEvents, ctx.visitor.id);
    expect(ctx.ratingMessages()).toHaveLength(1);
    const other = ctx.newVisitor();
    const idle = sendVisitorMessage(ctx.db, ignoreEvents, other, draft(), [ctx.agent.id]).conversation;
    ctx.db.update(businesses).set({ idleCloseMinutes: 1 }).run();
    expect(closeIdleConversations(ctx.db, ignoreEvents, Date.now() + 5 * 60_000)).toBe(1);
    expect(ctx.ratingMessages(idle.id).map((message) => message.meta)).toEqual([expect.objectContaining({ by: "close" })]);
  });

  it("offers nothing when the shop turned ratings off", async () => {
    const ctx = await setup({ ratingEnabled: false });
    closeConversation(ctx.db, ignoreEvents, ctx.agent, ctx.conversation.id);
    expect(ctx.ratingMessages()).toHaveLength(0);
    expect(ctx.reload().ratingRequestedAt).toBeNull();
  });

  it("does not offer it again once asked or rated", async () => {
    const ctx = await setup();
    requestRating(ctx.db, ignoreEvents, ctx.agent, ctx.conversation.id);
    rateConversation(ctx.db, ignoreEvents, ctx.visitor, ctx.conversation.id, answer("3"));
    closeConversation(ctx.db, ignoreEvents, ctx.agent, ctx.conversation.id);
    expect(ctx.ratingMessages().map((message) => message.body)).toEqual([ratingEvents.requested, ratingEvents.rated]);
  });

  it("does not offer it for a conversation nobody answered", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    const waiting = sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), []).conversation;
    endConversationByVisitor(ctx.db, ignoreEvents, visitor.id);
    expect(ctx.ratingMessages(waiting.id)).toHaveLength(0);
    expect(ctx.db.select().from(conversations).where(eq(conversations.id, waiting.id)).get()!.ratingRequestedAt).toBeNull();
  });
});
