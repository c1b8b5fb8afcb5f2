import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { businesses, conversations, messages, triggerShowings } from "../../src/db/schema";
import { addAgent } from "../../src/domain/agents";
import { RuleError, ValidationError } from "../../src/domain/errors";
import { ignoreEvents } from "../../src/domain/events";
import { limits } from "../../src/domain/limits";
import { anyone } from "../../src/domain/assignment";
import { sendSelfServiceMessage, sendVisitorMessage } from "../../src/domain/messages";
import { buildReport } from "../../src/domain/reports";
import { rangeOf } from "../../src/domain/report-range";
import { dismissTrigger, pendingTrigger, showTrigger } from "../../src/domain/trigger-showings";
import { createTrigger, pageMatches, type TriggerInput, updateTrigger, widgetTriggers } from "../../src/domain/triggers";
import { createAnonymousVisitor, findVisitor } from "../../src/domain/visitors";
import { testApp } from "../support";

const pricing = "https://shop.example/pricing?plan=pro";
const rule = (overrides: Partial<TriggerInput> = {}): TriggerInput => ({
  name: "Pricing help",
  pagePattern: "*/pricing*",
  delaySeconds: 5,
  message: "Questions about our plans? Ask me.",
  agentId: null,
  enabled: true,
  ...overrides,
});

async function setup() {
  const ctx = testApp();
  const { agent: owner } = await addAgent(ctx.db, { businessId: ctx.business.id, email: "owner@example.com", name: "Mei", role: "owner", password: "correct horse" });
  const newVisitor = () => createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, { ip: null, userAgent: null, page: null }).visitor;
  const shop = () => ctx.db.select().from(businesses).where(eq(businesses.id, ctx.business.id)).get()!;
  const show = (triggerId: number, visitor: { id: number }, url = pricing, now = Date.now()) =>
    showTrigger(ctx.db, shop(), findVisitor(ctx.db, ctx.business.id, visitor.id)!, triggerId, url, [], now);
  const answer = (visitor: { id: number }, body = "Is there a yearly price?") =>
    sendVisitorMessage(ctx.db, ignoreEvents, findVisitor(ctx.db, ctx.business.id, visitor.id)!, { clientId: crypto.randomUUID(), body }, []);
  return { ...ctx, owner, newVisitor, shop, show, answer };
}

function problemsOf(act: () => unknown): Record<string, string> {
  try {
    act();
  } catch (error) {
    if (error instanceof ValidationError) return Object.fromEntries(Object.entries(error.fields).map(([name, problem]) => [name, problem.key]));
    throw error;
  }
  throw new Error("expected a ValidationError");
}

describe("a trigger's page pattern", () => {
  it("matches a page whose address contains the text, whatever the case", () => {
    expect(pageMatches("pricing", pricing)).toBe(true);
    expect(pageMatches("PRICING", pricing)).toBe(true);
    expect(pageMatches("checkout", pricing)).toBe(false);
  });

  it("with a *, matches the whole address, * standing for any text and nothing else being special", () => {
    expect(pageMatches("*/pricing*", pricing)).toBe(true);
    expect(pageMatches("*/pricing", pricing)).toBe(false);
    expect(pageMatches("https://shop.example/*", pricing)).toBe(true);
    expect(pageMatches("https://other.example/*", pricing)).toBe(false);
    expect(pageMatches("*", pricing)).toBe(true);
    // "." and "?" are the characters themselves, not a regular expression's.
    expect(pageMatches("*shop.example/pricing?plan=pro", pricing)).toBe(true);
    expect(pageMatches("*shopxexample*", pricing)).toBe(false);
  });
});

describe("a shop's triggers", () => {
  it("refuses an empty pattern or message, a delay out of range, another shop's agent, with every field's problem and nothing stored", async () => {
    const ctx = await setup();
    const other = ctx.db.insert(businesses).values({ name: "Other shop", widgetKey: "other-key", identitySecret: "s" }).returning().get();
    const { agent: stranger } = await addAgent(ctx.db, { businessId: other.id, email: "x@example.com", name: "X", role: "agent", password: "correct horse" });
    expect(problemsOf(() => createTrigger(ctx.db, ctx.owner, rule({ name: " ", pagePattern: "  ", delaySeconds: limits.triggerDelaySeconds + 1, message: "", agentId: stranger.id })))).toEqual({
      name: "error.name.required",
      pagePattern: "triggers.patternEmpty",
      delaySeconds: "triggers.delayRange",
      message: "triggers.messageEmpty",
      agentId: "triggers.agentUnknown",
    });
    expect(problemsOf(() => createTrigger(ctx.db, ctx.owner, rule({ delaySeconds: -1, message: "x".repeat(limits.triggerMessageLength + 1) })))).toEqual({
      delaySeconds: "triggers.delayRange",
      message: "triggers.messageTooLong",
    });
    expect(widgetTriggers(ctx.db, ctx.business.id)).toEqual([]);
  });

  it("keeps at most the limit per shop", async () => {
    const ctx = await setup();
    for (let i = 0; i < limits.triggersPerBusiness; i++) createTrigger(ctx.db, ctx.owner, rule({ name: `Rule ${i}` }));
    expect(() => createTrigger(ctx.db, ctx.owner, rule())).toThrow(RuleError);
  });

  it("gives the widget only the enabled ones, and of them only the id, pattern and delay", async () => {
    const ctx = await setup();
    const on = createTrigger(ctx.db, ctx.owner, rule());
    createTrigger(ctx.db, ctx.owner, rule({ name: "Off", enabled: false }));
    expect(widgetTriggers(ctx.db, ctx.business.id)).toEqual([{ id: on.id, pattern: "*/pricing*", delay: 5 }]);
  });
});

describe("showing a trigger's message", () => {
  it("shows the rule's own text from its agent, and records the showing", async () => {
    const ctx = await setup();
    const trigger = createTrigger(ctx.db, ctx.owner, rule({ agentId: ctx.owner.id }));
    const shown = ctx.show(trigger.id, ctx.newVisitor());
    expect(shown).toMatchObject({ trigger: { id: trigger.id, message: "Questions about our plans? Ask me." }, author: { displayName: "Mei" } });
    expect(ctx.db.select().from(triggerShowings).all()).toHaveLength(1);
  });

  it("shows nothing for a disabled rule, another page, or another shop's rule", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    const trigger = createTrigger(ctx.db, ctx.owner, rule());
    expect(ctx.show(trigger.id, visitor, "https://shop.example/about")).toBeNull();
    updateTrigger(ctx.db, ctx.owner, trigger.id, rule({ enabled: false }));
    expect(ctx.show(trigger.id, visitor)).toBeNull();
    const other = ctx.db.insert(businesses).values({ name: "Other shop", widgetKey: "other-key", identitySecret: "s" }).returning().get();
    const { agent: otherOwner } = await addAgent(ctx.db, { businessId: other.id, email: "o@example.com", name: "O", role: "owner", password: "correct horse" });
    const theirs = createTrigger(ctx.db, otherOwner, rule());
    expect(ctx.show(theirs.id, visitor)).toBeNull();
    expect(ctx.db.select().from(triggerShowings).all()).toHaveLength(0);
  });

  it("shows nothing to a visitor who has a conversation", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    const trigger = createTrigger(ctx.db, ctx.owner, rule());
    ctx.answer(visitor, "Hello");
    expect(ctx.show(trigger.id, visitor)).toBeNull();
  });

  it("shows nothing while the shop is closed", async () => {
    const ctx = await setup();
    const trigger = createTrigger(ctx.db, ctx.owner, rule());
    ctx.db.update(businesses).set({ open: false }).run();
    expect(ctx.show(trigger.id, ctx.newVisitor())).toBeNull();
  });

  it("stops at the shop's daily cap, counted by the shop's day, and starts again the next day", async () => {
    const ctx = await setup();
    // Shanghai is UTC+8: 15:00 and 17:00 UTC fall on two of the shop's days, 10:00 and 15:00 on one.
    ctx.db.update(businesses).set({ timezone: "Asia/Shanghai", triggerDailyCap: 2 }).run();
    const trigger = createTrigger(ctx.db, ctx.owner, rule());
    const visitor = ctx.newVisitor();
    const at = (iso: string) => Date.parse(iso);
    expect(ctx.show(trigger.id, visitor, pricing, at("2026-12-03T01:00:00Z"))).not.toBeNull();
    expect(ctx.show(trigger.id, visitor, pricing, at("2026-12-03T10:00:00Z"))).not.toBeNull();
    expect(ctx.show(trigger.id, visitor, pricing, at("2026-12-03T15:00:00Z"))).toBeNull();
    expect(ctx.show(trigger.id, visitor, pricing, at("2026-12-03T17:00:00Z"))).not.toBeNull();
    // Another visitor has a cap of their own.
    expect(ctx.show(trigger.id, ctx.newVisitor(), pricing, at("2026-12-03T15:00:00Z"))).not.toBeNull();
  });

  it("shows nothing more that day to a visitor who closed one unanswered, under the cap too", async () => {
    const ctx = await setup();
    ctx.db.update(businesses).set({ triggerDailyCap: 3 }).run();
    const trigger = createTrigger(ctx.db, ctx.owner, rule());
    const visitor = ctx.newVisitor();
    expect(ctx.show(trigger.id, visitor)).not.toBeNull();
    dismissTrigger(ctx.db, visitor.id);
    expect(pendingTrigger(ctx.db, visitor.id)).toBeNull();
    expect(ctx.show(trigger.id, visitor)).toBeNull();
  });
});

describe("answering a trigger's message", () => {
  it("starts the conversation with the message, from its agent, then the visitor's answer, and records the conversation", async () => {
    const ctx = await setup();
    const trigger = createTrigger(ctx.db, ctx.owner, rule({ agentId: ctx.owner.id }));
    const visitor = ctx.newVisitor();
    const shown = ctx.show(trigger.id, visitor)!;
    const sent = ctx.answer(visitor);
    const thread = ctx.db.select().from(messages).where(eq(messages.conversationId, sent.conversation.id)).orderBy(messages.id).all();
    expect(thread.map((m) => [m.sender, m.agentId, m.body])).toEqual([
      ["agent", ctx.owner.id, "Questions about our plans? Ask me."],
      ["visitor", null, "Is there a yearly price?"],
    ]);
    expect(thread[0]).toMatchObject({ clientId: `trigger-${shown.showingId}`, meta: { agentName: "Mei", trigger: trigger.id, triggerName: "Pricing help" } });
    expect(ctx.db.select().from(triggerShowings).get()).toMatchObject({ conversationId: sent.conversation.id });
    // Its line is not an agent's answer: the conversation is still waiting for one.
    expect(ctx.db.select().from(conversations).get()).toMatchObject({ firstResponseAt: null });
    // Only the first message of a conversation: the next one is just the visitor's.
    const next = ctx.answer(visitor, "And monthly?");
    expect(ctx.db.select().from(messages).where(eq(messages.conversationId, next.conversation.id)).all()).toHaveLength(3);
  });

  it("opens a conversation the shop answers by itself too (an automatic answer, a picked FAQ), above the visitor's words", async () => {
    const ctx = await setup();
    const trigger = createTrigger(ctx.db, ctx.owner, rule({ agentId: ctx.owner.id }));
    const visitor = ctx.newVisitor();
    ctx.show(trigger.id, visitor);
    const sent = sendSelfServiceMessage(ctx.db, ignoreEvents, findVisitor(ctx.db, ctx.business.id, visitor.id)!, { clientId: crypto.randomUUID(), body: "Do you send invoices?" }, [], anyone, "widget");
    const thread = ctx.db.select().from(messages).where(eq(messages.conversationId, sent.conversation.id)).orderBy(messages.id).all();
    expect(thread.map((m) => [m.sender, m.body])).toEqual([
      ["agent", "Questions about our plans? Ask me."],
      ["visitor", "Do you send invoices?"],
    ]);
    // Answered: it no longer waits to open the visitor's next conversation.
    expect(ctx.db.select().from(triggerShowings).get()).toMatchObject({ conversationId: sent.conversation.id });
    const next = ctx.answer(visitor, "A person, please");
    expect(ctx.db.select().from(messages).where(eq(messages.conversationId, next.conversation.id)).all().map((m) => m.sender)).toEqual(["visitor"]);
  });

  it("from the shop, carries the shop's name; dismissed or too old, it is left out", async () => {
    const ctx = await setup();
    const trigger = createTrigger(ctx.db, ctx.owner, rule());
    const visitor = ctx.newVisitor();
    ctx.show(trigger.id, visitor);
    const sent = ctx.answer(visitor);
    expect(ctx.db.select().from(messages).where(eq(messages.conversationId, sent.conversation.id)).orderBy(messages.id).get()).toMatchObject({
      sender: "agent",
      agentId: null,
      meta: { agentName: ctx.shop().name },
    });
    const dismissed = ctx.newVisitor();
    ctx.show(trigger.id, dismissed);
    dismissTrigger(ctx.db, dismissed.id);
    expect(ctx.db.select().from(messages).where(eq(messages.conversationId, ctx.answer(dismissed).conversation.id)).all().map((m) => m.sender)).toEqual(["visitor"]);
    const late = ctx.newVisitor();
    ctx.show(trigger.id, late, pricing, Date.now() - (limits.triggerAnswerMinutes + 1) * 60_000);
    expect(ctx.db.select().from(messages).where(eq(messages.conversationId, ctx.answer(late).conversation.id)).all().map((m) => m.sender)).toEqual(["visitor"]);
  });
});

describe("triggers in Reports", () => {
  it("count each trigger's messages shown and the conversations they started, in the range", async () => {
    const ctx = await setup();
    const pricingRule = createTrigger(ctx.db, ctx.owner, rule());
    const quiet = createTrigger(ctx.db, ctx.owner, rule({ name: "Checkout", pagePattern: "checkout" }));
    const first = ctx.newVisitor();
    ctx.show(pricingRule.id, first);
    ctx.answer(first);
    ctx.show(pricingRule.id, ctx.newVisitor());
    // Shown on a day before the range: not counted.
    ctx.show(pricingRule.id, ctx.newVisitor(), pricing, Date.now() - 40 * 86_400_000);
    const today = new Date().toISOString().slice(0, 10);
    const report = buildReport(ctx.db, ctx.shop(), rangeOf("UTC", today, today));
    expect(report.triggers).toEqual([
      { id: pricingRule.id, name: "Pricing help", shown: 2, started: 1 },
      { id: quiet.id, name: "Checkout", shown: 0, started: 0 },
    ]);
  });
});
