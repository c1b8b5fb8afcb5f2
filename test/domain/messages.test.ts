import { describe, expect, it } from "bun:test";
import { conversations, messages } from "../../src/db/schema";
import { setAvailability } from "../../src/domain/agents";
import { drainQueue } from "../../src/domain/assignment";
import { closeConversation, closeIdleConversations, queuePosition, takeConversation, transferConversation } from "../../src/domain/conversations";
import { NotFoundError, RuleError, ValidationError } from "../../src/domain/errors";
import { type ConversationEvents, ignoreEvents } from "../../src/domain/events";
import { markRead, sendAgentMessage, sendVisitorMessage, threadAfter, threadPage } from "../../src/domain/messages";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { translator } from "../../src/i18n";
import { messageView } from "../../src/views/message";
import { businesses } from "../../src/db/schema";
import { addMember, testApp } from "../support";

const visit = { ip: null, userAgent: null, page: null };
let counter = 0;
const draft = (body = "hello") => ({ clientId: `client-${++counter}-${crypto.randomUUID()}`, body });

function setup() {
  const ctx = testApp();
  const newVisitor = () => createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, visit).visitor;
  return { ...ctx, newVisitor };
}

describe("sending as a visitor", () => {
  it("opens a conversation with the least busy online agent", async () => {
    const ctx = setup();
    const busy = await addMember(ctx, "agent", "busy@example.com");
    const free = await addMember(ctx, "agent", "free@example.com");
    const offline = await addMember(ctx, "agent", "offline@example.com");
    sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [busy.id]);
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [busy.id, free.id]);
    expect(conversation).toMatchObject({ agentId: free.id, status: "open" });
    expect(conversation.agentId).not.toBe(offline.id);
  });

  it("queues the conversation when no agent is online", () => {
    const ctx = setup();
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), []);
    expect(conversation).toMatchObject({ agentId: null, status: "queued" });
  });

  it("keeps writing into the visitor's open conversation", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    const first = sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), []);
    const second = sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), []);
    expect(second.conversation.id).toBe(first.conversation.id);
    expect(second.conversation.lastMessageId).toBe(second.message.id);
  });

  it("returns the stored message for a repeated client id instead of storing another", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    const same = draft();
    const first = sendVisitorMessage(ctx.db, ignoreEvents, visitor, same, []);
    const again = sendVisitorMessage(ctx.db, ignoreEvents, visitor, same, []);
    expect(again).toMatchObject({ created: false, message: { id: first.message.id } });
    expect(ctx.db.select().from(messages).all()).toHaveLength(1);
  });

  it("refuses an empty or too long message and stores nothing", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    expect(() => sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(" \n "), [])).toThrow(ValidationError);
    expect(() => sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft("字".repeat(5001)), [])).toThrow(ValidationError);
    expect(sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft("字".repeat(5000)), []).created).toBe(true);
    expect(ctx.db.select().from(conversations).all()).toHaveLength(1);
  });

  it("announces a message only after it is committed", () => {
    const ctx = setup();
    const seen: boolean[] = [];
    const events: ConversationEvents = {
      ...ignoreEvents,
      messageCreated(message) {
        // A second connection would see it too: the transaction is over.
        seen.push(ctx.sqlite.query("SELECT 1 FROM messages WHERE id = ?").get(message.id) !== null && !ctx.sqlite.inTransaction);
      },
    };
    sendVisitorMessage(ctx.db, events, ctx.newVisitor(), draft(), []);
    expect(seen).toEqual([true]);
  });
});

describe("answering as an agent", () => {
  it("refuses a conversation that is waiting, someone else's, closed or in another business", async () => {
    const ctx = setup();
    const me = await addMember(ctx, "agent", "me@example.com");
    const colleague = await addMember(ctx, "agent", "colleague@example.com");
    const waiting = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), []).conversation;
    expect(() => sendAgentMessage(ctx.db, ignoreEvents, me, waiting.id, draft())).toThrow(RuleError);
    const theirs = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [colleague.id]).conversation;
    expect(() => sendAgentMessage(ctx.db, ignoreEvents, me, theirs.id, draft())).toThrow(RuleError);
    const mine = takeConversation(ctx.db, ignoreEvents, me, waiting.id);
    expect(sendAgentMessage(ctx.db, ignoreEvents, me, mine.id, draft()).created).toBe(true);
    closeConversation(ctx.db, ignoreEvents, me, mine.id);
    expect(() => sendAgentMessage(ctx.db, ignoreEvents, me, mine.id, draft())).toThrow(RuleError);
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "k2", identitySecret: "s" }).returning().get();
    expect(() => sendAgentMessage(ctx.db, ignoreEvents, { ...me, businessId: other.id }, theirs.id, draft())).toThrow(NotFoundError);
  });

  it("refuses a message that still holds a canned reply's placeholder, and stores nothing", async () => {
    const ctx = setup();
    const me = await addMember(ctx, "agent", "me@example.com");
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [me.id]);
    const before = ctx.db.select().from(messages).all().length;
    let refused: unknown;
    try {
      sendAgentMessage(ctx.db, ignoreEvents, me, conversation.id, draft("Hi {visitor_name}, your parcel left today."));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).fields.body).toEqual({ key: "canned.unfilled", params: { placeholder: "{visitor_name}" } });
    expect(ctx.db.select().from(messages).all()).toHaveLength(before);
    // Braces that are no placeholder of ours are text like any other.
    expect(sendAgentMessage(ctx.db, ignoreEvents, me, conversation.id, draft("Use the code {WINTER10} at checkout.")).created).toBe(true);
  });

  it("records the first response time once", async () => {
    const ctx = setup();
    const me = await addMember(ctx, "agent", "me@example.com");
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [me.id]);
    const first = sendAgentMessage(ctx.db, ignoreEvents, me, conversation.id, draft());
    sendAgentMessage(ctx.db, ignoreEvents, me, conversation.id, draft());
    const row = ctx.db.select().from(conversations).all()[0]!;
    expect(row.firstResponseAt).toBe(first.message.createdAt);
  });
});

describe("reading a thread", () => {
  it("pages back by id, oldest first within a page", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    const sent = Array.from({ length: 25 }, (_, i) => sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(`m${i}`), []).message);
    const latest = threadPage(ctx.db, { visitorId: visitor.id });
    expect(latest.messages.map((m) => m.body)).toEqual(sent.slice(5).map((m) => m.body));
    expect(latest.hasEarlier).toBe(true);
    const earlier = threadPage(ctx.db, { visitorId: visitor.id }, latest.messages[0]!.id);
    expect(earlier.messages.map((m) => m.body)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
    expect(earlier.hasEarlier).toBe(false);
  });

  it("replays what came after an id, or says there is too much to replay", () => {
    const ctx = setup();
    const visitor = ctx.newVisitor();
    const sent = Array.from({ length: 5 }, () => sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), []).message);
    expect(threadAfter(ctx.db, visitor.id, sent[2]!.id).messages.map((m) => m.id)).toEqual([sent[3]!.id, sent[4]!.id]);
    expect(threadAfter(ctx.db, visitor.id, 0, 3)).toEqual({ messages: [], tooMany: true });
  });

  it("marks the other side's messages read and announces it once", async () => {
    const ctx = setup();
    const me = await addMember(ctx, "agent", "me@example.com");
    const visitor = ctx.newVisitor();
    const { message, conversation } = sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), [me.id]);
    const reply = sendAgentMessage(ctx.db, ignoreEvents, me, conversation.id, draft()).message;
    const reads: string[] = [];
    const events = { ...ignoreEvents, messagesRead: (_: number, reader: string, upTo: number) => reads.push(`${reader}:${upTo}`) };
    markRead(ctx.db, events, visitor.id, "agent", reply.id);
    markRead(ctx.db, events, visitor.id, "agent", reply.id);
    expect(reads).toEqual([`agent:${reply.id}`]);
    const rows = ctx.db.select().from(messages).all();
    expect(rows.find((m) => m.id === message.id)!.readAt).not.toBeNull();
    expect(rows.find((m) => m.id === reply.id)!.readAt).toBeNull();
  });
});

describe("closing", () => {
  it("lets the assigned agent or a manager close a conversation, but not another agent", async () => {
    const ctx = setup();
    const mine = await addMember(ctx, "agent", "mine@example.com");
    const other = await addMember(ctx, "agent", "other@example.com");
    const admin = await addMember(ctx, "admin", "admin@example.com");
    const first = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [mine.id]).conversation;
    expect(() => closeConversation(ctx.db, ignoreEvents, other, first.id)).toThrow(RuleError);
    expect(closeConversation(ctx.db, ignoreEvents, mine, first.id).status).toBe("closed");
    const second = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [mine.id]).conversation;
    expect(closeConversation(ctx.db, ignoreEvents, admin, second.id).status).toBe("closed");
    expect(() => closeConversation(ctx.db, ignoreEvents, admin, second.id)).toThrow(RuleError);
  });
});

describe("assignment and availability", () => {
  it("gives new conversations only to agents who are available, even with a console open", async () => {
    const ctx = setup();
    const away = await addMember(ctx, "agent", "away@example.com");
    const online = await addMember(ctx, "agent", "online@example.com");
    setAvailability(ctx.db, ignoreEvents, away.id, "away");
    const first = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [away.id, online.id]).conversation;
    expect(first.agentId).toBe(online.id);
    setAvailability(ctx.db, ignoreEvents, online.id, "offline");
    const second = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [away.id, online.id]).conversation;
    expect(second).toMatchObject({ agentId: null, status: "queued" });
  });
});

describe("capacity and the queue", () => {
  it("queues a conversation when every available agent is at capacity", async () => {
    const ctx = setup();
    const agent = await addMember(ctx, "agent", "solo@example.com");
    ctx.sqlite.run("UPDATE businesses SET max_concurrent_chats = 1");
    const first = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [agent.id]).conversation;
    const second = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [agent.id]).conversation;
    expect(first.agentId).toBe(agent.id);
    expect(second).toMatchObject({ agentId: null, status: "queued" });
    // An agent's own maximum wins over the business default.
    ctx.sqlite.run("UPDATE agents SET max_concurrent_chats = 2 WHERE id = ?", [agent.id]);
    expect(sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [agent.id]).conversation.agentId).toBe(agent.id);
  });

  it("gives the oldest waiting conversation to the agent whose slot frees, and says who is next", async () => {
    const ctx = setup();
    const agent = await addMember(ctx, "agent", "solo@example.com");
    ctx.sqlite.run("UPDATE businesses SET max_concurrent_chats = 1");
    const busy = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [agent.id]).conversation;
    const older = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [agent.id]).conversation;
    const newer = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [agent.id]).conversation;
    expect(queuePosition(ctx.db, older)).toBe(0);
    expect(queuePosition(ctx.db, newer)).toBe(1);
    expect(drainQueue(ctx.db, ignoreEvents, ctx.business.id, [agent.id])).toBe(0);
    closeConversation(ctx.db, ignoreEvents, agent, busy.id);
    expect(drainQueue(ctx.db, ignoreEvents, ctx.business.id, [agent.id])).toBe(1);
    const rows = ctx.db.select().from(conversations).all();
    expect(rows.find((c) => c.id === older.id)).toMatchObject({ status: "open", agentId: agent.id });
    expect(rows.find((c) => c.id === newer.id)).toMatchObject({ status: "queued" });
    expect(queuePosition(ctx.db, rows.find((c) => c.id === newer.id)!)).toBe(0);
  });
});

describe("returning visitors", () => {
  it("go back to their previous agent when that agent can take them, and are routed normally otherwise", async () => {
    const ctx = setup();
    const busy = await addMember(ctx, "agent", "busy@example.com");
    const idle = await addMember(ctx, "agent", "idle@example.com");
    const visitor = ctx.newVisitor();
    const first = sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), [busy.id]).conversation;
    expect(first.agentId).toBe(busy.id);
    sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [busy.id]);
    closeConversation(ctx.db, ignoreEvents, busy, first.id);
    // busy still has one open conversation, idle has none: the visitor goes back to busy anyway.
    const again = sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), [busy.id, idle.id]).conversation;
    expect(again.agentId).toBe(busy.id);
    closeConversation(ctx.db, ignoreEvents, busy, again.id);
    setAvailability(ctx.db, ignoreEvents, busy.id, "away");
    const third = sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), [busy.id, idle.id]).conversation;
    expect(third.agentId).toBe(idle.id);
  });
});

describe("idle conversations", () => {
  it("close by themselves once quiet past the shop's limit, 30 minutes unless the owner changes it, and only then", async () => {
    const ctx = setup();
    expect(ctx.business.idleCloseMinutes).toBe(30);
    const agent = await addMember(ctx, "agent", "agent@example.com");
    const quiet = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [agent.id]).conversation;
    const lively = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [agent.id]).conversation;
    const now = Date.now();
    expect(closeIdleConversations(ctx.db, ignoreEvents, now + 29 * 60_000)).toBe(0);
    ctx.sqlite.run("UPDATE businesses SET idle_close_minutes = 0");
    expect(closeIdleConversations(ctx.db, ignoreEvents, now + 10 * 60 * 60_000)).toBe(0); // 0: never
    ctx.sqlite.run("UPDATE businesses SET idle_close_minutes = 30");
    ctx.sqlite.run("UPDATE messages SET created_at = ? WHERE conversation_id = ?", [now - 31 * 60_000, quiet.id]);
    expect(closeIdleConversations(ctx.db, ignoreEvents, now)).toBe(1);
    const rows = ctx.db.select().from(conversations).all();
    expect(rows.find((c) => c.id === quiet.id)!.status).toBe("closed");
    expect(rows.find((c) => c.id === lively.id)!.status).toBe("open");
    const note = ctx.db.select().from(messages).all().at(-1)!;
    expect(note).toMatchObject({ conversationId: quiet.id, sender: "system", body: "closed", meta: { idle: true } });
  });
});

describe("transfer", () => {
  it("hands an open conversation to an online, available agent with room, and says why when it cannot", async () => {
    const ctx = setup();
    const from = await addMember(ctx, "agent", "from@example.com");
    const to = await addMember(ctx, "agent", "to@example.com");
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [from.id]);
    const attempt = (online: number[], toAgentId = to.id) =>
      transferConversation(ctx.db, ignoreEvents, from, conversation.id, { to: { agentId: toAgentId }, note: "VIP customer" }, online);
    expect(() => attempt([from.id])).toThrow(expect.objectContaining({ problem: expect.objectContaining({ key: "transfer.unavailable" }) }));
    setAvailability(ctx.db, ignoreEvents, to.id, "away");
    expect(() => attempt([from.id, to.id])).toThrow(RuleError);
    setAvailability(ctx.db, ignoreEvents, to.id, "online");
    ctx.sqlite.run("UPDATE agents SET max_concurrent_chats = 1 WHERE id = ?", [to.id]);
    sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [to.id]);
    expect(() => attempt([from.id, to.id])).toThrow(expect.objectContaining({ problem: expect.objectContaining({ key: "transfer.full" }) }));
    ctx.sqlite.run("UPDATE agents SET max_concurrent_chats = NULL WHERE id = ?", [to.id]);
    expect(() => attempt([from.id, to.id], from.id)).toThrow(RuleError);
    expect(attempt([from.id, to.id])).toMatchObject({ agentId: to.id, status: "open" });
    const event = ctx.db.select().from(messages).all().at(-1)!;
    expect(event).toMatchObject({ sender: "system", body: "transferred", meta: { agentName: "to", fromName: "from", note: "VIP customer" } });
    // The note is for the team: the visitor's rendering leaves it out.
    expect(messageView(translator("en"), event, "visitor").value).not.toContain("VIP");
    expect(messageView(translator("en"), event, "agent").value).toContain("VIP customer");
    // Only its agent (or a manager) may hand it on.
    expect(() => transferConversation(ctx.db, ignoreEvents, from, conversation.id, { to: { agentId: from.id }, note: "" }, [from.id, to.id])).toThrow(RuleError);
  });
});
