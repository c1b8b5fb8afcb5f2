import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { auditLog, businesses, conversations, visitorNotes, visitorTags, visitors } from "../../src/db/schema";
import { NotFoundError, RuleError, ValidationError } from "../../src/domain/errors";
import { type DomainEvents, ignoreEvents } from "../../src/domain/events";
import {
  addVisitorNote,
  addVisitorTag,
  businessTags,
  listVisitorNotes,
  listVisitorTags,
  normalizeTag,
  removeVisitorTag,
  updateVisitor,
  updateVisitorContact,
  visitorConversations,
} from "../../src/domain/visitor-profile";
import { limits } from "../../src/domain/limits";
import { createAnonymousVisitor, findVisitor } from "../../src/domain/visitors";
import { addMember, testApp } from "../support";

async function setup() {
  const ctx = testApp();
  const visit = { ip: null, userAgent: null, page: null };
  const newVisitor = (businessId = ctx.business.id) => createAnonymousVisitor(ctx.db, "0".repeat(64), businessId, visit).visitor;
  const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-shop", identitySecret: "x" }).returning().get();
  const agent = await addMember(ctx, "agent", "li@example.com");
  return { ...ctx, newVisitor, other, agent };
}

function fieldsOf(change: () => unknown): Record<string, string> {
  try {
    change();
  } catch (error) {
    if (error instanceof ValidationError) return Object.fromEntries(Object.entries(error.fields).map(([name, problem]) => [name, problem.key]));
    throw error;
  }
  throw new Error("expected a ValidationError");
}

describe("correcting a visitor's contact details", () => {
  it("stores trimmed values, empties what is left blank, and audits which fields changed", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    ctx.db.update(visitors).set({ phone: "+86 138 0000 0000" }).where(eq(visitors.id, visitor.id)).run();
    const updated = updateVisitorContact(ctx.db, ignoreEvents, ctx.agent, visitor.id, { name: "  Wang Fang ", email: "fang@example.com", phone: "" });
    expect(updated).toMatchObject({ name: "Wang Fang", email: "fang@example.com", phone: null });
    const [entry] = ctx.db.select().from(auditLog).all();
    expect(entry).toMatchObject({ businessId: ctx.business.id, agentId: ctx.agent.id, action: "visitor.updated", subject: `visitor:${visitor.id}` });
    expect(entry!.detail).toEqual({ fields: ["name", "email", "phone"] });
  });

  it("refuses a name over 80 characters, a malformed email and a phone that is not one, changing nothing", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    const fields = fieldsOf(() =>
      updateVisitorContact(ctx.db, ignoreEvents, ctx.agent, visitor.id, { name: "x".repeat(81), email: "not an email", phone: "call me maybe" }),
    );
    expect(fields).toEqual({ name: "error.name.tooLong", email: "error.email.invalid", phone: "error.phone.invalid" });
    expect(fieldsOf(() => updateVisitorContact(ctx.db, ignoreEvents, ctx.agent, visitor.id, { name: "", email: `${"a".repeat(250)}@example.com`, phone: "" }))).toEqual({
      email: "error.email.invalid",
    });
    expect(fieldsOf(() => updateVisitorContact(ctx.db, ignoreEvents, ctx.agent, visitor.id, { name: "", email: "", phone: "1".repeat(33) }))).toEqual({
      phone: "error.phone.invalid",
    });
    expect(findVisitor(ctx.db, ctx.business.id, visitor.id)).toMatchObject({ name: null, email: null, phone: null });
    expect(ctx.db.select().from(auditLog).all()).toHaveLength(0);
  });

  it("accepts exactly 80 characters of name, counted as characters rather than bytes", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    expect(updateVisitorContact(ctx.db, ignoreEvents, ctx.agent, visitor.id, { name: "王".repeat(80), email: "", phone: "" }).name).toBe("王".repeat(80));
  });

  it("keeps a verified visitor verified after an agent edits them", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    ctx.db.update(visitors).set({ verified: true, name: "From the shop" }).where(eq(visitors.id, visitor.id)).run();
    expect(updateVisitorContact(ctx.db, ignoreEvents, ctx.agent, visitor.id, { name: "Corrected", email: "", phone: "" })).toMatchObject({ name: "Corrected", verified: true });
  });

  it("writes no audit entry and announces nothing when nothing changed", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    const announced: string[] = [];
    const events: DomainEvents = { ...ignoreEvents, visitorChanged: (changed, { renamed }) => announced.push(`${changed.name}:${renamed}`) };
    updateVisitorContact(ctx.db, events, ctx.agent, visitor.id, { name: " ", email: "", phone: "" });
    expect(ctx.db.select().from(auditLog).all()).toHaveLength(0);
    expect(announced).toEqual([]);
    updateVisitorContact(ctx.db, events, ctx.agent, visitor.id, { name: "", email: "fang@example.com", phone: "" });
    updateVisitorContact(ctx.db, events, ctx.agent, visitor.id, { name: "Wang Fang", email: "fang@example.com", phone: "" });
    expect(announced).toEqual(["null:false", "Wang Fang:true"]);
  });

  it("does not find another business's visitor", async () => {
    const ctx = await setup();
    const theirs = ctx.newVisitor(ctx.other.id);
    expect(() => updateVisitorContact(ctx.db, ignoreEvents, ctx.agent, theirs.id, { name: "Mine now", email: "", phone: "" })).toThrow(NotFoundError);
    expect(findVisitor(ctx.db, ctx.other.id, theirs.id)!.name).toBeNull();
  });
});

describe("a visitor's attributes", () => {
  it("sets given keys as text, removes those given as null, keeps the rest, and announces only a change", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    const changed: number[] = [];
    const events: DomainEvents = { ...ignoreEvents, visitorChanged: (row) => changed.push(row.id) };
    updateVisitor(ctx.db, events, ctx.agent, visitor.id, { attributes: { plan: "free", source: "ad" } });
    const updated = updateVisitor(ctx.db, events, ctx.agent, visitor.id, { attributes: { " plan ": "pro", orders: 3, source: null } });
    expect(updated.attributes).toEqual({ plan: "pro", orders: "3" });
    updateVisitor(ctx.db, events, ctx.agent, visitor.id, { attributes: { plan: "pro" } });
    expect(changed).toEqual([visitor.id, visitor.id]);
    expect(ctx.db.select().from(auditLog).all().map((row) => row.detail)).toEqual([{ fields: ["attributes"] }, { fields: ["attributes"] }]);
  });

  it("refuses a merge that would pass the most attributes a visitor may have, changing nothing", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    const full = Object.fromEntries(Array.from({ length: limits.attributesPerVisitor }, (_, i) => [`key${i}`, "x"]));
    updateVisitor(ctx.db, ignoreEvents, ctx.agent, visitor.id, { attributes: full });
    expect(fieldsOf(() => updateVisitor(ctx.db, ignoreEvents, ctx.agent, visitor.id, { attributes: { one: "more" } }))).toEqual({ attributes: "identity.attributes" });
    // Room made in the same change is counted.
    expect(updateVisitor(ctx.db, ignoreEvents, ctx.agent, visitor.id, { attributes: { one: "more", key0: null } }).attributes).toHaveProperty("one", "more");
    expect(() => updateVisitor(ctx.db, ignoreEvents, ctx.agent, ctx.newVisitor(ctx.other.id).id, { attributes: { plan: "pro" } })).toThrow(NotFoundError);
  });
});

describe("private notes", () => {
  it("lists notes newest first with their author", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    const colleague = await addMember(ctx, "admin", "mei@example.com");
    addVisitorNote(ctx.db, ctx.agent, visitor.id, "Asked about wholesale prices");
    addVisitorNote(ctx.db, colleague, visitor.id, "  Prefers WeChat  ");
    const notes = listVisitorNotes(ctx.db, ctx.business.id, visitor.id);
    expect(notes.map((note) => [note.body, note.authorName])).toEqual([
      ["Prefers WeChat", "mei"],
      ["Asked about wholesale prices", "li"],
    ]);
  });

  it("refuses an empty note and one over 2000 characters", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    expect(fieldsOf(() => addVisitorNote(ctx.db, ctx.agent, visitor.id, "   "))).toEqual({ body: "visitorProfile.noteEmpty" });
    expect(fieldsOf(() => addVisitorNote(ctx.db, ctx.agent, visitor.id, "n".repeat(2001)))).toEqual({ body: "visitorProfile.noteTooLong" });
    expect(addVisitorNote(ctx.db, ctx.agent, visitor.id, "n".repeat(2000)).body).toHaveLength(2000);
  });

  it("neither writes nor reads notes on another business's visitor", async () => {
    const ctx = await setup();
    const theirs = ctx.newVisitor(ctx.other.id);
    expect(() => addVisitorNote(ctx.db, ctx.agent, theirs.id, "hello")).toThrow(NotFoundError);
    ctx.db.insert(visitorNotes).values({ businessId: ctx.other.id, visitorId: theirs.id, body: "their secret" }).run();
    expect(listVisitorNotes(ctx.db, ctx.business.id, theirs.id)).toEqual([]);
  });
});

describe("tags", () => {
  it("stores a tag trimmed and lower-cased, once", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    addVisitorTag(ctx.db, ctx.agent, visitor.id, "  VIP  ");
    expect(addVisitorTag(ctx.db, ctx.agent, visitor.id, "vip")).toEqual(["vip"]);
    expect(addVisitorTag(ctx.db, ctx.agent, visitor.id, "Big   Spender")).toEqual(["big spender", "vip"]);
  });

  it("refuses an empty tag, one over 30 characters and one with a line break", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    expect(fieldsOf(() => addVisitorTag(ctx.db, ctx.agent, visitor.id, "  "))).toEqual({ tag: "visitorProfile.tagEmpty" });
    expect(fieldsOf(() => addVisitorTag(ctx.db, ctx.agent, visitor.id, "t".repeat(31)))).toEqual({ tag: "visitorProfile.tagTooLong" });
    expect(normalizeTag("a\u0007b").problem?.key).toBe("visitorProfile.tagInvalid");
    expect(addVisitorTag(ctx.db, ctx.agent, visitor.id, "标".repeat(30))).toEqual(["标".repeat(30)]);
  });

  it("allows at most 20 tags per visitor", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    for (let i = 0; i < 20; i++) addVisitorTag(ctx.db, ctx.agent, visitor.id, `tag ${String(i).padStart(2, "0")}`);
    expect(() => addVisitorTag(ctx.db, ctx.agent, visitor.id, "one more")).toThrow(RuleError);
    // A tag they already have is not a 21st.
    expect(addVisitorTag(ctx.db, ctx.agent, visitor.id, "tag 00")).toHaveLength(20);
  });

  it("removes a tag by what the agent sees, whatever its case", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    addVisitorTag(ctx.db, ctx.agent, visitor.id, "vip");
    addVisitorTag(ctx.db, ctx.agent, visitor.id, "wholesale");
    expect(removeVisitorTag(ctx.db, ctx.agent, visitor.id, "VIP")).toEqual(["wholesale"]);
  });

  it("suggests the business's own tags, each once, and never another business's", async () => {
    const ctx = await setup();
    const [a, b] = [ctx.newVisitor(), ctx.newVisitor()];
    addVisitorTag(ctx.db, ctx.agent, a.id, "vip");
    addVisitorTag(ctx.db, ctx.agent, b.id, "vip");
    addVisitorTag(ctx.db, ctx.agent, b.id, "returning");
    const theirs = ctx.newVisitor(ctx.other.id);
    ctx.db.insert(visitorTags).values({ businessId: ctx.other.id, visitorId: theirs.id, tag: "competitor-secret" }).run();
    expect(businessTags(ctx.db, ctx.business.id)).toEqual(["returning", "vip"]);
    expect(() => addVisitorTag(ctx.db, ctx.agent, theirs.id, "mine")).toThrow(NotFoundError);
    expect(() => removeVisitorTag(ctx.db, ctx.agent, theirs.id, "competitor-secret")).toThrow(NotFoundError);
    expect(listVisitorTags(ctx.db, ctx.other.id, theirs.id)).toEqual(["competitor-secret"]);
  });
});

describe("the visitor's conversations", () => {
  it("lists at most ten, newest first, with status and agent", async () => {
    const ctx = await setup();
    const visitor = ctx.newVisitor();
    for (let i = 0; i < 12; i++) {
      ctx.db
        .insert(conversations)
        .values({ businessId: ctx.business.id, visitorId: visitor.id, status: i === 11 ? "open" : "closed", agentId: ctx.agent.id, closedAt: i === 11 ? null : Date.now() })
        .run();
    }
    const listed = visitorConversations(ctx.db, ctx.business.id, visitor.id);
    expect(listed).toHaveLength(10);
    expect(listed[0]).toMatchObject({ status: "open", agentName: "li" });
    expect(listed.map((c) => c.id)).toEqual([...listed.map((c) => c.id)].sort((x, y) => y - x));
    expect(visitorConversations(ctx.db, ctx.other.id, visitor.id)).toEqual([]);
  });
});
