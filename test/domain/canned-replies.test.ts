import { describe, expect, it } from "bun:test";
import { auditLog, businesses, cannedReplies } from "../../src/db/schema";
import {
  addCannedReply,
  cannedRepliesFor,
  deleteCannedReply,
  fillPlaceholders,
  findCannedReply,
  listCannedReplies,
  SharedRepliesForbiddenError,
  updateCannedReply,
} from "../../src/domain/canned-replies";
import { NotFoundError, ValidationError } from "../../src/domain/errors";
import { limits } from "../../src/domain/limits";
import { addMember, testApp } from "../support";

async function shop() {
  const ctx = testApp();
  const owner = await addMember(ctx, "owner", "owner@example.com");
  const admin = await addMember(ctx, "admin", "admin@example.com");
  const li = await addMember(ctx, "agent", "li@example.com");
  const wang = await addMember(ctx, "agent", "wang@example.com");
  return { ...ctx, owner, admin, li, wang };
}

/** The fields a refused change names, with their message keys. */
function refusal(change: () => unknown): Record<string, string> {
  try {
    change();
  } catch (error) {
    if (error instanceof ValidationError) return Object.fromEntries(Object.entries(error.fields).map(([field, problem]) => [field, problem.key]));
    throw error;
  }
  throw new Error("the change was accepted");
}

const rows = (ctx: { db: ReturnType<typeof testApp>["db"] }) => ctx.db.select().from(cannedReplies).all();

describe("canned replies", () => {
  it("keeps a personal reply for its agent and a shared one for the business, trimmed, without the typed slash", async () => {
    const ctx = await shop();
    const mine = addCannedReply(ctx.db, ctx.li, "personal", { shortcut: " /thanks ", body: "  Thank you!\r\nBye.  " });
    const shared = addCannedReply(ctx.db, ctx.owner, "shared", { shortcut: "Hello", body: "Hello, {visitor_name}!" });
    expect(mine).toMatchObject({ businessId: ctx.business.id, agentId: ctx.li.id, shortcut: "thanks", body: "Thank you!\nBye." });
    expect(shared).toMatchObject({ agentId: null, shortcut: "Hello" });
    expect(ctx.db.select().from(auditLog).all().map((row) => row.action)).toEqual(["canned.created", "canned.created"]);
  });

  it("says which field is wrong and stores nothing", async () => {
    const ctx = await shop();
    const cases: [string, string, Record<string, string>][] = [
      ["", "Hi", { shortcut: "canned.shortcutRequired" }],
      ["/", "Hi", { shortcut: "canned.shortcutRequired" }],
      ["a".repeat(limits.cannedShortcutLength + 1), "Hi", { shortcut: "canned.shortcutTooLong" }],
      ["two words", "Hi", { shortcut: "canned.shortcutInvalid" }],
      ["你好", "Hi", { shortcut: "canned.shortcutInvalid" }],
      ["a.b", "Hi", { shortcut: "canned.shortcutInvalid" }],
      ["ok", "   ", { body: "canned.bodyRequired" }],
      ["ok", "x".repeat(limits.cannedBodyLength + 1), { body: "canned.bodyTooLong" }],
      ["", "", { shortcut: "canned.shortcutRequired", body: "canned.bodyRequired" }],
    ];
    for (const [shortcut, body, expected] of cases) {
      expect(refusal(() => addCannedReply(ctx.db, ctx.li, "personal", { shortcut, body }))).toEqual(expected);
    }
    expect(rows(ctx)).toEqual([]);
  });

  it("takes a shortcut of the longest length and a body of the longest length, counted in characters", async () => {
    const ctx = await shop();
    const reply = addCannedReply(ctx.db, ctx.li, "personal", { shortcut: `A-_9${"z".repeat(limits.cannedShortcutLength - 4)}`, body: "好".repeat(limits.cannedBodyLength) });
    expect(reply.shortcut).toHaveLength(limits.cannedShortcutLength);
    expect(Array.from(reply.body)).toHaveLength(limits.cannedBodyLength);
  });

  it("keeps shortcuts unique in each scope whatever their case, but not across scopes or agents", async () => {
    const ctx = await shop();
    addCannedReply(ctx.db, ctx.li, "personal", { shortcut: "Hi", body: "Mine" });
    expect(refusal(() => addCannedReply(ctx.db, ctx.li, "personal", { shortcut: "hI", body: "Again" }))).toEqual({ shortcut: "canned.shortcutTaken" });
    addCannedReply(ctx.db, ctx.wang, "personal", { shortcut: "hi", body: "Wang's" });
    const shared = addCannedReply(ctx.db, ctx.admin, "shared", { shortcut: "HI", body: "Everyone's" });
    expect(refusal(() => addCannedReply(ctx.db, ctx.owner, "shared", { shortcut: "hi", body: "Again" }))).toEqual({ shortcut: "canned.shortcutTaken" });
    // Renaming to its own shortcut in another case is no clash with itself.
    expect(updateCannedReply(ctx.db, ctx.owner, shared.id, { shortcut: "Hi", body: "Everyone's" }).shortcut).toBe("Hi");
    expect(rows(ctx)).toHaveLength(3);
  });

  it("stops at the limits of each scope", async () => {
    const ctx = await shop();
    const fill = (agentId: number | null, count: number) =>
      ctx.db.insert(cannedReplies).values(Array.from({ length: count }, (_, i) => ({ businessId: ctx.business.id, agentId, shortcut: `r${i}`, body: "x" }))).run();
    fill(null, limits.cannedRepliesShared);
    fill(ctx.li.id, limits.cannedRepliesPerAgent);
    expect(refusal(() => addCannedReply(ctx.db, ctx.owner, "shared", { shortcut: "more", body: "x" }))).toEqual({ form: "canned.tooManyShared" });
    expect(refusal(() => addCannedReply(ctx.db, ctx.li, "personal", { shortcut: "more", body: "x" }))).toEqual({ form: "canned.tooManyPersonal" });
    // Another agent's own replies are counted on their own.
    addCannedReply(ctx.db, ctx.wang, "personal", { shortcut: "more", body: "x" });
    expect(rows(ctx)).toHaveLength(limits.cannedRepliesShared + limits.cannedRepliesPerAgent + 1);
  });

  it("lets only owners and admins add, change or delete shared replies", async () => {
    const ctx = await shop();
    const shared = addCannedReply(ctx.db, ctx.admin, "shared", { shortcut: "hours", body: "We open at 9." });
    expect(() => addCannedReply(ctx.db, ctx.li, "shared", { shortcut: "x", body: "x" })).toThrow(SharedRepliesForbiddenError);
    expect(() => updateCannedReply(ctx.db, ctx.li, shared.id, { shortcut: "x", body: "x" })).toThrow(SharedRepliesForbiddenError);
    expect(() => deleteCannedReply(ctx.db, ctx.li, shared.id)).toThrow(SharedRepliesForbiddenError);
    expect(rows(ctx)).toEqual([shared]);
    updateCannedReply(ctx.db, ctx.owner, shared.id, { shortcut: "hours", body: "We open at 8." });
    deleteCannedReply(ctx.db, ctx.owner, shared.id);
    expect(rows(ctx)).toEqual([]);
  });

  it("does not find another agent's personal reply, even for the owner, nor another shop's", async () => {
    const ctx = await shop();
    const lis = addCannedReply(ctx.db, ctx.li, "personal", { shortcut: "mine", body: "Li's" });
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "s" }).returning().get();
    const theirs = ctx.db.insert(cannedReplies).values({ businessId: other.id, agentId: null, shortcut: "theirs", body: "Other shop" }).returning().get();
    for (const actor of [ctx.owner, ctx.wang]) {
      expect(() => findCannedReply(ctx.db, actor, lis.id)).toThrow(NotFoundError);
      expect(() => updateCannedReply(ctx.db, actor, lis.id, { shortcut: "stolen", body: "x" })).toThrow(NotFoundError);
      expect(() => deleteCannedReply(ctx.db, actor, lis.id)).toThrow(NotFoundError);
    }
    expect(() => findCannedReply(ctx.db, ctx.owner, theirs.id)).toThrow(NotFoundError);
    expect(() => updateCannedReply(ctx.db, ctx.owner, theirs.id, { shortcut: "stolen", body: "x" })).toThrow(NotFoundError);
    expect(() => deleteCannedReply(ctx.db, ctx.owner, theirs.id)).toThrow(NotFoundError);
    expect(rows(ctx)).toEqual([lis, theirs]);
    expect(listCannedReplies(ctx.db, ctx.owner, "shared")).toEqual([]);
  });

  it("offers an agent their own replies first, then the shared ones, and never a colleague's", async () => {
    const ctx = await shop();
    addCannedReply(ctx.db, ctx.owner, "shared", { shortcut: "bye", body: "Shared bye" });
    addCannedReply(ctx.db, ctx.owner, "shared", { shortcut: "Address", body: "Shared address" });
    addCannedReply(ctx.db, ctx.li, "personal", { shortcut: "zz", body: "Li's zz" });
    addCannedReply(ctx.db, ctx.li, "personal", { shortcut: "aa", body: "Li's aa" });
    addCannedReply(ctx.db, ctx.wang, "personal", { shortcut: "ab", body: "Wang's" });
    expect(cannedRepliesFor(ctx.db, ctx.li).map((reply) => reply.shortcut)).toEqual(["aa", "zz", "Address", "bye"]);
    expect(cannedRepliesFor(ctx.db, ctx.owner).map((reply) => reply.shortcut)).toEqual(["Address", "bye"]);
  });
});

describe("placeholders", () => {
  const values = { visitor_name: "Ming", agent_name: "Li", shop_name: "Tea & Co" };

  it("fills the visitor's name, the agent's name and the shop's name, every time they appear", () => {
    expect(fillPlaceholders("Hi {visitor_name}, I'm {agent_name} from {shop_name}. Bye {visitor_name}!", values)).toBe(
      "Hi Ming, I'm Li from Tea & Co. Bye Ming!",
    );
  });

  it("leaves unknown placeholders, and ones without a value, as typed", () => {
    expect(fillPlaceholders("Order {order_id} for {visitor_name}", { ...values, visitor_name: null })).toBe("Order {order_id} for {visitor_name}");
    expect(fillPlaceholders("Hi {visitor_name}", { ...values, visitor_name: "   " })).toBe("Hi {visitor_name}");
    expect(fillPlaceholders("{Visitor_Name} { visitor_name } {{agent_name}}", values)).toBe("{Visitor_Name} { visitor_name } {Li}");
  });

  it("inserts values literally, even when they look like replacement patterns", () => {
    expect(fillPlaceholders("Hi {visitor_name}", { ...values, visitor_name: "$& $1 $$" })).toBe("Hi $& $1 $$");
  });
});
