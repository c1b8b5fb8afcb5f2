// Every routing rule of domain/assignment.ts, one test each: groups, tie-breaks, exclusive
// links, claim mode, pools in the queue, agents who leave, reopening, transfer to a group.
import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { agents, businesses, conversations, messages } from "../../src/db/schema";
import { setAvailability, setAwayAfterAbsence } from "../../src/domain/agents";
import { anyAgentOnline, drainQueue, requeueFromAbsentAgents, resolvePool } from "../../src/domain/assignment";
import { closeConversation, endConversationByVisitor, listWaiting, queueFrom, queuePosition, takeConversation, transferConversation } from "../../src/domain/conversations";
import { RuleError } from "../../src/domain/errors";
import { ignoreEvents } from "../../src/domain/events";
import { createGroup, setGroupMembers } from "../../src/domain/groups";
import { sendVisitorMessage } from "../../src/domain/messages";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { addMember, testApp } from "../support";

const visit = { ip: null, userAgent: null, page: null };
const draft = (body = "hello") => ({ clientId: `client-${crypto.randomUUID()}`, body });

async function setup() {
  const ctx = testApp();
  const owner = await addMember(ctx, "owner", "owner@example.com");
  // The owner is not part of the routing under test.
  setAvailability(ctx.db, ignoreEvents, owner.id, "offline");
  const newVisitor = () => createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, visit).visitor;
  const configure = (changes: Partial<typeof businesses.$inferInsert>) => ctx.db.update(businesses).set(changes).where(eq(businesses.id, ctx.business.id)).run();
  const group = (name: string, members: number[]) => {
    const created = createGroup(ctx.db, owner, name);
    setGroupMembers(ctx.db, ignoreEvents, owner, created.id, members);
    return created;
  };
  return { ...ctx, owner, newVisitor, configure, group };
}

describe("groups", () => {
  it("send a group's visitor to a member first, then to agents in no group, never to another group's member", async () => {
    const ctx = await setup();
    const sales = await addMember(ctx, "agent", "sales@example.com");
    const support = await addMember(ctx, "agent", "support@example.com");
    const everyone = await addMember(ctx, "agent", "everyone@example.com");
    const salesGroup = ctx.group("Sales", [sales.id]);
    ctx.group("Support", [support.id]);
    const pool = { groupId: salesGroup.id, requestedAgentId: null };
    const online = [sales.id, support.id, everyone.id];

    const first = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), online, pool);
    expect(first.conversation).toMatchObject({ agentId: sales.id, groupId: salesGroup.id });
    // Sales is busier now, but stays first while below capacity.
    expect(sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), online, pool).conversation.agentId).toBe(sales.id);
    // Without the member online, the agent in no group serves the group; the other group's member never does.
    expect(sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [support.id, everyone.id], pool).conversation.agentId).toBe(everyone.id);
    expect(sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [support.id], pool).conversation.status).toBe("queued");
  });

  it("show a waiting conversation only to the agents who serve its group", async () => {
    const ctx = await setup();
    const sales = await addMember(ctx, "agent", "sales@example.com");
    const support = await addMember(ctx, "agent", "support@example.com");
    const everyone = await addMember(ctx, "agent", "everyone@example.com");
    const salesGroup = ctx.group("Sales", [sales.id]);
    ctx.group("Support", [support.id]);
    const waiting = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [], { groupId: salesGroup.id, requestedAgentId: null }).conversation;
    const ungrouped = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), []).conversation;
    const ids = (agent: { id: number; businessId: number }) => listWaiting(ctx.db, agent).map((s) => s.conversation.id).sort();
    expect(ids(sales)).toEqual([waiting.id, ungrouped.id].sort());
    expect(ids(everyone)).toEqual([waiting.id, ungrouped.id].sort());
    expect(ids(support)).toEqual([ungrouped.id]);
    expect(() => takeConversation(ctx.db, ignoreEvents, support, waiting.id)).toThrow(RuleError);
    expect(takeConversation(ctx.db, ignoreEvents, sales, waiting.id).agentId).toBe(sales.id);
  });

  it("ignore a link's group or agent that is not in the business", async () => {
    const ctx = await setup();
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "x" }).returning().get();
    const stranger = (await addMember({ ...ctx, business: other }, "agent", "stranger@example.com")).id;
    const agent = await addMember(ctx, "agent", "agent@example.com");
    const sales = ctx.group("Sales", []);
    expect(resolvePool(ctx.db, ctx.business.id, { group: sales.id })).toEqual({ groupId: sales.id, requestedAgentId: null });
    expect(resolvePool(ctx.db, ctx.business.id, { agent: agent.id, group: sales.id })).toEqual({ groupId: null, requestedAgentId: agent.id });
    expect(resolvePool(ctx.db, ctx.business.id, { agent: stranger, group: 99_999 })).toEqual({ groupId: null, requestedAgentId: null });
  });
});

describe("auto mode tie-breaks", () => {
  it("among equally busy agents, gives the conversation to the one idle longest", async () => {
    const ctx = await setup();
    const a = await addMember(ctx, "agent", "a@example.com");
    const b = await addMember(ctx, "agent", "b@example.com");
    // b got a conversation long ago, a recently: both have none open now.
    ctx.db.update(agents).set({ lastAssignedAt: 1_000 }).where(eq(agents.id, b.id)).run();
    ctx.db.update(agents).set({ lastAssignedAt: Date.now() }).where(eq(agents.id, a.id)).run();
    expect(sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [a.id, b.id]).conversation.agentId).toBe(b.id);
    const second = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [a.id, b.id]).conversation;
    expect(second.agentId).toBe(a.id);
    // Both free again: b's last assignment is the older one, so b is idle longest.
    for (const open of ctx.db.select().from(conversations).where(eq(conversations.status, "open")).all()) {
      closeConversation(ctx.db, ignoreEvents, ctx.owner, open.id);
    }
    expect(sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [a.id, b.id]).conversation.agentId).toBe(b.id);
  });
});

describe("exclusive links", () => {
  it("route to the named agent, and wait only for them when they cannot take it", async () => {
    const ctx = await setup();
    const named = await addMember(ctx, "agent", "named@example.com");
    const colleague = await addMember(ctx, "agent", "colleague@example.com");
    const pool = { groupId: null, requestedAgentId: named.id };
    expect(sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [named.id, colleague.id], pool).conversation.agentId).toBe(named.id);
    const waiting = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [colleague.id], pool).conversation;
    expect(waiting).toMatchObject({ status: "queued", requestedAgentId: named.id });
    expect(anyAgentOnline(ctx.db, ctx.business.id, [colleague.id], pool)).toBe(false);
    // The colleague is free, but the visitor waits for the agent they asked for.
    expect(drainQueue(ctx.db, ignoreEvents, ctx.business.id, [colleague.id])).toBe(0);
    expect(listWaiting(ctx.db, colleague).map((s) => s.conversation.id)).not.toContain(waiting.id);
    expect(drainQueue(ctx.db, ignoreEvents, ctx.business.id, [named.id, colleague.id])).toBe(1);
    expect(ctx.db.select().from(conversations).where(eq(conversations.id, waiting.id)).get()!.agentId).toBe(named.id);
  });
});

describe("the queue per pool", () => {
  it("counts only the same pool ahead, and a stuck pool does not hold back the others", async () => {
    const ctx = await setup();
    const agent = await addMember(ctx, "agent", "agent@example.com");
    const sales = ctx.group("Sales", [agent.id]);
    const support = ctx.group("Support", []);
    const supportPool = { groupId: support.id, requestedAgentId: null };
    const salesPool = { groupId: sales.id, requestedAgentId: null };
    // Support has no member, and the only agent is in Sales: support visitors wait.
    const s1 = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [], supportPool).conversation;
    const s2 = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [], supportPool).conversation;
    const sale = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [], salesPool).conversation;
    expect([queuePosition(ctx.db, s1), queuePosition(ctx.db, s2), queuePosition(ctx.db, sale)]).toEqual([0, 1, 0]);
    // Whose place a change moves: a newcomer at the tail moves nobody else; the head leaving moves the rest.
    expect(queueFrom(ctx.db, s2)).toEqual([{ visitorId: s2.visitorId, ahead: 1 }]);
    expect(queueFrom(ctx.db, s1)).toEqual([
      { visitorId: s1.visitorId, ahead: 0 },
      { visitorId: s2.visitorId, ahead: 1 },
    ]);
    expect(drainQueue(ctx.db, ignoreEvents, ctx.business.id, [agent.id])).toBe(1);
    expect(ctx.db.select().from(conversations).where(eq(conversations.id, sale.id)).get()!.agentId).toBe(agent.id);
  });
});

describe("claim mode", () => {
  it("assigns nothing by itself; eligible agents take, the first wins, a full agent is refused", async () => {
    const ctx = await setup();
    ctx.configure({ routingMode: "claim", maxConcurrentChats: 1 });
    const a = await addMember(ctx, "agent", "a@example.com");
    const b = await addMember(ctx, "agent", "b@example.com");
    const first = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [a.id, b.id]).conversation;
    expect(first.status).toBe("queued");
    expect(drainQueue(ctx.db, ignoreEvents, ctx.business.id, [a.id, b.id])).toBe(0);
    expect(takeConversation(ctx.db, ignoreEvents, a, first.id).agentId).toBe(a.id);
    expect(() => takeConversation(ctx.db, ignoreEvents, b, first.id)).toThrow(RuleError);
    const second = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [a.id, b.id]).conversation;
    try {
      takeConversation(ctx.db, ignoreEvents, a, second.id);
      throw new Error("a full agent took a conversation");
    } catch (error) {
      expect((error as RuleError).problem.key).toBe("conversation.full");
    }
    expect(ctx.db.select().from(conversations).where(eq(conversations.id, second.id)).get()!.status).toBe("queued");
  });
});

describe("agents who leave", () => {
  it("keep their conversations for the hold time, then the conversations are queued again and routed", async () => {
    const ctx = await setup();
    ctx.configure({ holdMinutes: 5 });
    const leaver = await addMember(ctx, "agent", "leaver@example.com");
    const stayer = await addMember(ctx, "agent", "stayer@example.com");
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [leaver.id]);
    const leftAt = Date.now();
    const absentSince = (id: number) => (id === leaver.id ? leftAt : null);
    expect(requeueFromAbsentAgents(ctx.db, ignoreEvents, absentSince, leftAt + 4 * 60_000)).toEqual([]);
    const requeued = requeueFromAbsentAgents(ctx.db, ignoreEvents, absentSince, leftAt + 5 * 60_000);
    expect(requeued.map((c) => [c.id, c.status, c.agentId])).toEqual([[conversation.id, "queued", null]]);
    const note = ctx.db.select().from(messages).where(eq(messages.conversationId, conversation.id)).all().at(-1)!;
    expect(note).toMatchObject({ sender: "system", body: "requeued", meta: { agentName: "leaver" } });
    expect(drainQueue(ctx.db, ignoreEvents, ctx.business.id, [stayer.id])).toBe(1);
    expect(ctx.db.select().from(conversations).where(eq(conversations.id, conversation.id)).get()!.agentId).toBe(stayer.id);
  });

  it("keep them for good when the hold time is 0", async () => {
    const ctx = await setup();
    ctx.configure({ holdMinutes: 0 });
    const leaver = await addMember(ctx, "agent", "leaver@example.com");
    sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [leaver.id]);
    expect(requeueFromAbsentAgents(ctx.db, ignoreEvents, () => 0, Date.now())).toEqual([]);
  });
});

describe("reopening", () => {
  it("reopens the visitor's last conversation within the shop's reopen time, else starts a new one", async () => {
    const ctx = await setup();
    ctx.configure({ reopenMinutes: 10 });
    const agent = await addMember(ctx, "agent", "agent@example.com");
    const visitor = ctx.newVisitor();
    const first = sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), [agent.id]).conversation;
    endConversationByVisitor(ctx.db, ignoreEvents, visitor.id);
    const again = sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft("one more thing"), [agent.id]).conversation;
    expect(again).toMatchObject({ id: first.id, status: "open", agentId: agent.id, closedAt: null });
    const bodies = ctx.db.select().from(messages).where(eq(messages.conversationId, first.id)).all().map((m) => m.body);
    expect(bodies).toContain("reopened");
    // Closed long ago: a new conversation.
    endConversationByVisitor(ctx.db, ignoreEvents, visitor.id);
    ctx.db.update(conversations).set({ closedAt: Date.now() - 11 * 60_000 }).where(eq(conversations.id, first.id)).run();
    expect(sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), [agent.id]).conversation.id).not.toBe(first.id);
  });

  it("never reopens when the reopen time is 0", async () => {
    const ctx = await setup();
    const agent = await addMember(ctx, "agent", "agent@example.com");
    const visitor = ctx.newVisitor();
    const first = sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), [agent.id]).conversation;
    endConversationByVisitor(ctx.db, ignoreEvents, visitor.id);
    expect(sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), [agent.id]).conversation.id).not.toBe(first.id);
  });
});

describe("transfer to a group", () => {
  it("puts the conversation back in the queue for that group, which routes it to a member", async () => {
    const ctx = await setup();
    const from = await addMember(ctx, "agent", "from@example.com");
    const member = await addMember(ctx, "agent", "member@example.com");
    const billing = ctx.group("Billing", [member.id]);
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [from.id]);
    const moved = transferConversation(ctx.db, ignoreEvents, from, conversation.id, { to: { groupId: billing.id }, note: "invoice" }, [from.id]);
    expect(moved).toMatchObject({ status: "queued", agentId: null, groupId: billing.id });
    // The member comes online: the group's queue drains to them.
    expect(drainQueue(ctx.db, ignoreEvents, ctx.business.id, [from.id, member.id])).toBe(1);
    expect(ctx.db.select().from(conversations).where(eq(conversations.id, conversation.id)).get()!.agentId).toBe(member.id);
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other", identitySecret: "x" }).returning().get();
    const foreignGroup = createGroup(ctx.db, { id: from.id, businessId: other.id }, "Foreign");
    expect(() => transferConversation(ctx.db, ignoreEvents, member, conversation.id, { to: { groupId: foreignGroup.id }, note: "" }, [member.id])).toThrow();
  });
});

describe("auto away", () => {
  it("sets an online agent away once their console has been closed for the shop's auto-away time, and never when it is 0", async () => {
    const ctx = await setup();
    const gone = await addMember(ctx, "agent", "gone@example.com");
    const here = await addMember(ctx, "agent", "here@example.com");
    const leftAt = Date.now();
    const absentSince = (id: number) => (id === gone.id ? leftAt : null);
    const announced: number[] = [];
    const events = { ...ignoreEvents, availabilityChanged: (id: number) => void announced.push(id) };
    expect(setAwayAfterAbsence(ctx.db, events, absentSince, leftAt + 60 * 60_000)).toEqual([]);
    ctx.configure({ autoAwayMinutes: 10 });
    expect(setAwayAfterAbsence(ctx.db, events, absentSince, leftAt + 9 * 60_000)).toEqual([]);
    expect(setAwayAfterAbsence(ctx.db, events, absentSince, leftAt + 10 * 60_000)).toEqual([gone.id]);
    const availability = (id: number) => ctx.db.select({ a: agents.availability }).from(agents).where(eq(agents.id, id)).get()!.a;
    expect([availability(gone.id), availability(here.id)]).toEqual(["away", "online"]);
    // Announced once, like an agent's own choice, so their visitors see "away".
    expect(announced).toEqual([gone.id]);
    expect(setAwayAfterAbsence(ctx.db, events, absentSince, leftAt + 11 * 60_000)).toEqual([]);
  });
});

describe("fixes from review", () => {
  it("a transfer frees the sender's slot for the oldest waiting visitor", async () => {
    const ctx = await setup();
    ctx.configure({ maxConcurrentChats: 1 });
    const a = await addMember(ctx, "agent", "a@example.com");
    const b = await addMember(ctx, "agent", "b@example.com");
    const first = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [a.id]).conversation;
    const waiting = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [a.id]).conversation;
    expect(waiting.status).toBe("queued");
    transferConversation(ctx.db, ignoreEvents, a, first.id, { to: { agentId: b.id }, note: "" }, [a.id, b.id]);
    expect(ctx.db.select().from(conversations).where(eq(conversations.id, waiting.id)).get()).toMatchObject({ status: "open", agentId: a.id });
  });

  it("a reopened conversation goes back to the agent who had it, and not while the shop is offline", async () => {
    const ctx = await setup();
    ctx.configure({ reopenMinutes: 10 });
    const a = await addMember(ctx, "agent", "a@example.com");
    const b = await addMember(ctx, "agent", "b@example.com");
    const visitor = ctx.newVisitor();
    const first = sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), [a.id]).conversation;
    // a is busier than b now; the reopened conversation still goes back to a.
    sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [a.id]);
    endConversationByVisitor(ctx.db, ignoreEvents, visitor.id);
    expect(sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), [a.id, b.id]).conversation).toMatchObject({ id: first.id, agentId: a.id });
    endConversationByVisitor(ctx.db, ignoreEvents, visitor.id);
    ctx.configure({ offlineWhenNoAgent: true });
    expect(() => sendVisitorMessage(ctx.db, ignoreEvents, visitor, draft(), [])).toThrow(RuleError);
    expect(ctx.db.select().from(conversations).where(eq(conversations.id, first.id)).get()!.status).toBe("closed");
  });

  it("an exclusive-link conversation requeued from its absent agent waits for anyone", async () => {
    const ctx = await setup();
    const named = await addMember(ctx, "agent", "named@example.com");
    const other = await addMember(ctx, "agent", "other@example.com");
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, ctx.newVisitor(), draft(), [named.id], { groupId: null, requestedAgentId: named.id });
    const [requeued] = requeueFromAbsentAgents(ctx.db, ignoreEvents, (id) => (id === named.id ? 0 : null), 60 * 60_000);
    expect(requeued).toMatchObject({ id: conversation.id, status: "queued", requestedAgentId: null });
    expect(drainQueue(ctx.db, ignoreEvents, ctx.business.id, [other.id])).toBe(1);
  });
});
