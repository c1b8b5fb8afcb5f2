import { describe, expect, it } from "bun:test";
import { businesses, conversations, messages, offlineMessages, visitors } from "../../src/db/schema";
import type { Conversation } from "../../src/domain/conversations";
import { NotFoundError, RuleError, ValidationError } from "../../src/domain/errors";
import { type DomainEvents, ignoreEvents } from "../../src/domain/events";
import { sendVisitorMessage } from "../../src/domain/messages";
import {
  type LeftMessage,
  leaveMessage,
  listOfflineMessages,
  markHandled,
  replyInChat,
  unhandledCount,
} from "../../src/domain/offline-messages";
import { createAnonymousVisitor, type Visitor } from "../../src/domain/visitors";
import { addMember, testApp } from "../support";

const left = (overrides: Partial<LeftMessage> = {}): LeftMessage => ({ name: "", phone: "", email: "", message: "Do you ship to Hangzhou?", ...overrides });

function setup() {
  const ctx = testApp();
  const visit = { ip: null, userAgent: null, page: null };
  const newVisitor = (businessId = ctx.business.id) => createAnonymousVisitor(ctx.db, "0".repeat(64), businessId, visit).visitor;
  const otherBusiness = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-shop", identitySecret: "x" }).returning().get();
  const shop = (offlineRequired: ("name" | "phone" | "email")[] = []) => ({ id: ctx.business.id, offlineRequired });
  return { ...ctx, newVisitor, otherBusiness, shop };
}

function problemsOf(leave: () => unknown): Record<string, string> {
  try {
    leave();
  } catch (error) {
    if (error instanceof ValidationError) return Object.fromEntries(Object.entries(error.fields).map(([name, problem]) => [name, problem.key]));
    throw error;
  }
  throw new Error("expected a ValidationError");
}

describe("leaving a message", () => {
  it("stores the message with whatever contact details were given, trimmed", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    const stored = leaveMessage(ctx.db, ignoreEvents, ctx.shop(), visitor.id, left({ name: "  Wang Fang ", phone: "+86 138 0013 8000", message: "  Hello \n there  " }));
    expect(stored).toMatchObject({ businessId: ctx.business.id, visitorId: visitor.id, name: "Wang Fang", phone: "+86 138 0013 8000", email: null, body: "Hello \n there", handled: false });
  });

  it("copies contact details to the visitor without overwriting what is known", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    ctx.sqlite.run("UPDATE visitors SET name = 'Known Name' WHERE id = ?", [visitor.id]);
    const changed: string[] = [];
    const events = { ...ignoreEvents, visitorChanged: (v: Visitor, { renamed }: { renamed: boolean }) => void changed.push(`${v.email}:${renamed}`) };
    leaveMessage(ctx.db, events, ctx.shop(), visitor.id, left({ name: "Typed Name", email: "fang@example.com" }));
    const row = ctx.db.select().from(visitors).all().find((v) => v.id === visitor.id)!;
    expect(row).toMatchObject({ name: "Known Name", email: "fang@example.com", phone: null });
    // Announced, so the team's panel and lists show the new email; the known name stayed.
    expect(changed).toEqual(["fang@example.com:false"]);
    // Nothing new to copy: nothing announced.
    leaveMessage(ctx.db, events, ctx.shop(), visitor.id, left({ name: "Typed Name", email: "other@example.com" }));
    expect(changed).toHaveLength(1);
  });

  it("requires the message always, and the contact fields the business chose", () => {
    const ctx = setup();
    expect(problemsOf(() => leaveMessage(ctx.db, ignoreEvents, ctx.shop(), null, left({ message: "   " })))).toEqual({ message: "message.empty" });
    expect(problemsOf(() => leaveMessage(ctx.db, ignoreEvents, ctx.shop(["name", "phone", "email"]), null, left()))).toEqual({
      name: "error.name.required",
      phone: "error.phone.required",
      email: "error.email.required",
    });
    expect(leaveMessage(ctx.db, ignoreEvents, ctx.shop(["email"]), null, left({ email: "a@example.com" })).email).toBe("a@example.com");
  });

  it("checks the shape and length of every field that is filled in, and stores nothing when one is wrong", () => {
    const ctx = setup();
    const found = problemsOf(() =>
      leaveMessage(ctx.db, ignoreEvents, ctx.shop(), null, {
        name: "n".repeat(81),
        phone: "call me maybe",
        email: "not-an-email",
        message: "m".repeat(5001),
      }),
    );
    expect(found).toEqual({
      name: "error.name.tooLong",
      phone: "error.phone.invalid",
      email: "error.email.invalid",
      message: "message.tooLong",
    });
    for (const phone of ["123", "1".repeat(33), "+86 138<script>"]) {
      expect(problemsOf(() => leaveMessage(ctx.db, ignoreEvents, ctx.shop(), null, left({ phone })))).toEqual({ phone: "error.phone.invalid" });
    }
    expect(ctx.db.select().from(offlineMessages).all()).toEqual([]);
  });
});

describe("the offline-messages inbox", () => {
  it("lists the business's waiting messages newest first, a page at a time by id", () => {
    const ctx = setup();
    const ids = [1, 2, 3, 4, 5].map((n) => leaveMessage(ctx.db, ignoreEvents, ctx.shop(), null, left({ message: `message ${n}` })).id);
    leaveMessage(ctx.db, ignoreEvents, { id: ctx.otherBusiness.id, offlineRequired: [] }, null, left({ message: "another shop's" }));

    const first = listOfflineMessages(ctx.db, ctx.business.id, { handled: false, limit: 2 });
    expect(first.entries.map((entry) => entry.body)).toEqual(["message 5", "message 4"]);
    expect(first.next).toBe(ids[3]!);
    const second = listOfflineMessages(ctx.db, ctx.business.id, { handled: false, before: first.next!, limit: 2 });
    expect(second.entries.map((entry) => entry.body)).toEqual(["message 3", "message 2"]);
    const last = listOfflineMessages(ctx.db, ctx.business.id, { handled: false, before: second.next!, limit: 2 });
    expect(last.entries.map((entry) => entry.body)).toEqual(["message 1"]);
    expect(last.next).toBeNull();
    expect(unhandledCount(ctx.db, ctx.business.id)).toBe(5);
  });

  it("marks a message handled with who and when, keeps the first handler, and moves it to the handled list", async () => {
    const ctx = setup();
    const mei = await addMember(ctx, "agent", "mei@example.com");
    const lei = await addMember(ctx, "agent", "lei@example.com");
    const message = leaveMessage(ctx.db, ignoreEvents, ctx.shop(), null, left());
    const before = Date.now();
    const handled = markHandled(ctx.db, ignoreEvents, mei, message.id);
    expect(handled).toMatchObject({ handled: true, handledBy: mei.id, handledByName: "mei" });
    expect(handled.handledAt!).toBeGreaterThanOrEqual(before);
    expect(markHandled(ctx.db, ignoreEvents, lei, message.id).handledBy).toBe(mei.id);
    expect(unhandledCount(ctx.db, ctx.business.id)).toBe(0);
    expect(listOfflineMessages(ctx.db, ctx.business.id, { handled: false }).entries).toEqual([]);
    expect(listOfflineMessages(ctx.db, ctx.business.id, { handled: true }).entries.map((entry) => entry.handledByName)).toEqual(["mei"]);
  });

  it("announces the inbox changed when a message is left and when it is handled, not when handled again", async () => {
    const ctx = setup();
    const mei = await addMember(ctx, "agent", "mei@example.com");
    const changed: number[] = [];
    const events: DomainEvents = { ...ignoreEvents, inboxChanged: (businessId) => changed.push(unhandledCount(ctx.db, businessId)) };
    const message = leaveMessage(ctx.db, events, ctx.shop(), null, left());
    markHandled(ctx.db, events, mei, message.id);
    markHandled(ctx.db, events, mei, message.id);
    expect(changed).toEqual([1, 0]);
  });

  it("does not find another business's message", async () => {
    const ctx = setup();
    const agent = await addMember(ctx, "agent", "mei@example.com");
    const theirs = leaveMessage(ctx.db, ignoreEvents, { id: ctx.otherBusiness.id, offlineRequired: [] }, null, left());
    expect(() => markHandled(ctx.db, ignoreEvents, agent, theirs.id)).toThrow(NotFoundError);
    expect(() => replyInChat(ctx.db, ignoreEvents, agent, theirs.id)).toThrow(NotFoundError);
    expect(ctx.db.select().from(offlineMessages).get()!.handled).toBe(false);
  });
});

describe("replying to an offline message in chat", () => {
  function recordingEvents() {
    const seen: string[] = [];
    const events: DomainEvents = {
      ...ignoreEvents,
      messageCreated: (message) => seen.push(`message:${message.sender}:${message.body}`),
      conversationChanged: (conversation: Conversation, previous) => seen.push(`changed:${conversation.status}:${previous === null}`),
      inboxChanged: (businessId) => seen.push(`inbox:${businessId}`),
      offlineMessageAnswered: (visitorId) => seen.push(`answered:${visitorId}`),
    };
    return { seen, events };
  }

  it("opens a conversation given to the replying agent, starting with what the visitor left", async () => {
    const ctx = setup();
    const agent = await addMember(ctx, "agent", "mei@example.com");
    const visitor = ctx.newVisitor();
    const message = leaveMessage(ctx.db, ignoreEvents, ctx.shop(), visitor.id, left({ message: "Is the red one back in stock?" }));
    const { seen, events } = recordingEvents();

    const conversation = replyInChat(ctx.db, events, agent, message.id);
    expect(conversation).toMatchObject({ visitorId: visitor.id, agentId: agent.id, status: "open", businessId: ctx.business.id });
    const thread = ctx.db.select().from(messages).all().filter((m) => m.conversationId === conversation.id);
    expect(thread.map((m) => `${m.sender}:${m.body}`)).toEqual(["visitor:Is the red one back in stock?", "system:joined"]);
    expect(thread[0]!.createdAt).toBe(message.createdAt);
    expect(conversation.lastMessageId).toBe(thread.at(-1)!.id);
    expect(seen).toEqual([
      "message:visitor:Is the red one back in stock?",
      "message:system:joined",
      "changed:open:true",
      `inbox:${ctx.business.id}`,
      `answered:${visitor.id}`,
    ]);
    expect(ctx.db.select().from(offlineMessages).get()).toMatchObject({ handled: true, handledBy: agent.id });
  });

  it("returns the visitor's conversation that is not closed yet instead of opening another", async () => {
    const ctx = setup();
    const agent = await addMember(ctx, "agent", "mei@example.com");
    const visitor = ctx.newVisitor();
    const waiting = sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: "waiting-visitor-1", body: "anyone?" }, []).conversation;
    const message = leaveMessage(ctx.db, ignoreEvents, ctx.shop(), visitor.id, left());
    const { seen, events } = recordingEvents();
    expect(replyInChat(ctx.db, events, agent, message.id).id).toBe(waiting.id);
    expect(ctx.db.select().from(conversations).all()).toHaveLength(1);
    expect(seen).toEqual([`inbox:${ctx.business.id}`, `answered:${visitor.id}`]);
  });

  it("refuses a message that no visitor left", async () => {
    const ctx = setup();
    const agent = await addMember(ctx, "agent", "mei@example.com");
    const message = leaveMessage(ctx.db, ignoreEvents, ctx.shop(), null, left());
    expect(() => replyInChat(ctx.db, ignoreEvents, agent, message.id)).toThrow(RuleError);
    expect(ctx.db.select().from(conversations).all()).toEqual([]);
  });
});
