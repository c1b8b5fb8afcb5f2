import { describe, expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import { businesses, visitors, visitorTags } from "../../src/db/schema";
import { customerConversations, customerPage, customerTagFilter } from "../../src/domain/customers";
import { ValidationError } from "../../src/domain/errors";
import { ignoreEvents } from "../../src/domain/events";
import { sendVisitorMessage } from "../../src/domain/messages";
import { closeConversation } from "../../src/domain/conversations";
import { parseSearchQuery } from "../../src/domain/search";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { addMember, testApp } from "../support";

const day = 24 * 60 * 60 * 1000;
const now = Date.UTC(2026, 5, 15, 12, 0);
let sent = 0;

async function setup() {
  const ctx = testApp();
  const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-shop", identitySecret: "x" }).returning().get();
  const owner = await addMember(ctx, "owner", "owner@example.com");
  /** A visitor of the business with these details, last seen `seenDaysAgo` before `now`. */
  const customer = (details: Partial<typeof visitors.$inferInsert>, seenDaysAgo = 0, businessId = ctx.business.id) =>
    ctx.db
      .insert(visitors)
      .values({ businessId, externalId: `anon-${crypto.randomUUID()}`, lastSeenAt: now - seenDaysAgo * day, ...details })
      .returning()
      .get();
  const chat = (visitor: typeof visitors.$inferSelect, body = "hello there") => {
    const result = sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: `client-${++sent}-abcdef`, body }, []);
    return result.conversation;
  };
  const page = (options: Parameters<typeof customerPage>[2] = {}, limit?: number) => customerPage(ctx.db, ctx.business.id, { now, ...options }, limit);
  return { ...ctx, other, owner, customer, chat, page };
}

const names = (page: { items: { name: string | null }[] }) => page.items.map((item) => item.name);

describe("the customers list", () => {
  it("lists visitors who left contact details or were identified, never anonymous ones nor another shop's", async () => {
    const ctx = await setup();
    ctx.customer({ name: "Wang Fang" }, 1);
    ctx.customer({ email: "li@example.com" }, 2);
    ctx.customer({ phone: "+86 138 0000 0000" }, 3);
    ctx.customer({ externalId: "user:42" }, 4);
    ctx.customer({}, 0);
    createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, { ip: null, userAgent: null, page: null });
    ctx.customer({ name: "Elsewhere" }, 0, ctx.other.id);
    const page = ctx.page();
    expect(page.items.map((item) => [item.name, item.email, item.phone, item.externalId])).toEqual([
      ["Wang Fang", null, null, null],
      [null, "li@example.com", null, null],
      [null, null, "+86 138 0000 0000", null],
      [null, null, null, "user:42"],
    ]);
    expect(page.next).toBeNull();
  });

  it("finds customers by name, email, phone or external id, Chinese and short words included", async () => {
    const ctx = await setup();
    ctx.customer({ name: "王芳", email: "fang@example.cn" }, 1);
    ctx.customer({ name: "Alice Martin", phone: "+49 30 1234567" }, 2);
    ctx.customer({ name: "Bob", externalId: "user:crm-8812" }, 3);
    const find = (q: string) => names(ctx.page({ filters: { search: parseSearchQuery(q) } }));
    expect(find("王芳")).toEqual(["王芳"]);
    expect(find("芳")).toEqual(["王芳"]);
    expect(find("bo")).toEqual(["Bob"]);
    expect(find("example.cn")).toEqual(["王芳"]);
    expect(find("1234567")).toEqual(["Alice Martin"]);
    expect(find("crm-8812")).toEqual(["Bob"]);
    expect(find("alice martin")).toEqual(["Alice Martin"]);
    expect(find("nobody")).toEqual([]);
  });

  it("filters by tag and by when they were last seen", async () => {
    const ctx = await setup();
    const today = ctx.customer({ name: "Today" }, 0);
    const week = ctx.customer({ name: "This week" }, 5);
    ctx.customer({ name: "This month" }, 20);
    ctx.customer({ name: "Long ago" }, 90);
    ctx.db.insert(visitorTags).values([
      { businessId: ctx.business.id, visitorId: today.id, tag: "vip" },
      { businessId: ctx.business.id, visitorId: week.id, tag: "vip" },
      { businessId: ctx.business.id, visitorId: week.id, tag: "wholesale" },
    ]).run();
    expect(names(ctx.page({ filters: { tag: "vip" } }))).toEqual(["Today", "This week"]);
    expect(ctx.page({ filters: { tag: "vip" } }).items[1]!.tags).toEqual(["vip", "wholesale"]);
    expect(names(ctx.page({ filters: { seen: "today" } }))).toEqual(["Today"]);
    expect(names(ctx.page({ filters: { seen: "week" } }))).toEqual(["Today", "This week"]);
    expect(names(ctx.page({ filters: { seen: "month" } }))).toEqual(["Today", "This week", "This month"]);
    expect(names(ctx.page({ filters: { seen: "older" } }))).toEqual(["Long ago"]);
    expect(names(ctx.page({ filters: { seen: "week", tag: "wholesale" } }))).toEqual(["This week"]);
  });

  it("orders by conversations, counting each one as it is made", async () => {
    const ctx = await setup();
    const one = ctx.customer({ name: "One" }, 1);
    const two = ctx.customer({ name: "Two" }, 2);
    ctx.customer({ name: "None" }, 0);
    ctx.chat(one);
    const first = ctx.chat(two);
    closeConversation(ctx.db, ignoreEvents, ctx.owner, first.id);
    ctx.chat(two);
    const page = ctx.page({ order: "conversations" });
    expect(page.items.map((item) => [item.name, item.conversationCount])).toEqual([["Two", 2], ["One", 1], ["None", 0]]);
  });

  it("pages by keyset in either order, every customer once", async () => {
    const ctx = await setup();
    for (let i = 0; i < 7; i++) {
      const visitor = ctx.customer({ name: `C${i}` }, i % 3);
      for (let c = 0; c < i % 4; c++) ctx.db.run(sql`INSERT INTO conversations (business_id, visitor_id, status) VALUES (${ctx.business.id}, ${visitor.id}, 'closed')`);
    }
    for (const order of ["seen", "conversations"] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = ctx.page({ order, cursor }, 3);
        seen.push(...names(page).map(String));
        cursor = page.next ?? undefined;
      } while (cursor);
      expect(seen.toSorted()).toEqual(["C0", "C1", "C2", "C3", "C4", "C5", "C6"]);
    }
  });

  it("reads one page by the customers' index, not by scanning every visitor", async () => {
    const ctx = await setup();
    const plan = (order: "seen" | "conversations") => {
      const statement = ctx.sqlite.query(`EXPLAIN QUERY PLAN SELECT v.id FROM visitors v WHERE v.business_id = 1 AND (name IS NOT NULL OR email IS NOT NULL OR phone IS NOT NULL OR external_id NOT LIKE 'anon-%')
        ORDER BY ${order === "seen" ? "v.last_seen_at DESC, v.id DESC" : "v.conversation_count DESC, v.last_seen_at DESC, v.id DESC"} LIMIT 51`);
      return (statement.all() as { detail: string }[]).map((row) => row.detail).join("; ");
    };
    expect(plan("seen")).toContain("visitors_customers_seen_idx");
    expect(plan("conversations")).toContain("visitors_customers_conversations_idx");
    expect(plan("seen")).not.toContain("TEMP B-TREE");
  });

  it("refuses a tag filter that cannot be a tag", () => {
    expect(customerTagFilter("  VIP ")).toBe("vip");
    expect(customerTagFilter("")).toBeUndefined();
    expect(() => customerTagFilter("x".repeat(31))).toThrow(ValidationError);
  });
});

describe("a customer's conversations", () => {
  it("lists them newest first with status, agent, rating and what the visitor said first, by page", async () => {
    const ctx = await setup();
    const visitor = ctx.customer({ name: "Wang Fang" });
    const first = ctx.chat(visitor, "Where is my order?");
    closeConversation(ctx.db, ignoreEvents, ctx.owner, first.id);
    ctx.db.run(sql`UPDATE conversations SET rating = 4 WHERE id = ${first.id}`);
    const second = ctx.chat(visitor, "我想退货");
    const page = customerConversations(ctx.db, ctx.business.id, visitor.id, undefined, 1);
    expect(page.items.map((item) => [item.id, item.status, item.firstLine])).toEqual([[second.id, "queued", "我想退货"]]);
    const rest = customerConversations(ctx.db, ctx.business.id, visitor.id, page.next!, 1);
    expect(rest.items.map((item) => [item.id, item.status, item.firstLine, item.rating, item.agentName])).toEqual([[first.id, "closed", "Where is my order?", 4, null]]);
    expect(rest.next).toBeNull();
    expect(customerConversations(ctx.db, ctx.other.id, visitor.id).items).toEqual([]);
  });
});
