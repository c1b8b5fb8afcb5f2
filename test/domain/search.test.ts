import { describe, expect, it } from "bun:test";
import { ValidationError } from "../../src/domain/errors";
import { ignoreEvents } from "../../src/domain/events";
import { limits } from "../../src/domain/limits";
import { sendVisitorMessage } from "../../src/domain/messages";
import { parseSearchQuery, searchMessages, searchVisitors } from "../../src/domain/search";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { testApp } from "../support";

type Ctx = ReturnType<typeof testApp>;
let clientIds = 0;

function otherBusiness(ctx: Ctx): number {
  return (ctx.sqlite.query("INSERT INTO businesses (name, widget_key, identity_secret) VALUES ('Other', ?, 's') RETURNING id").get(`key-${crypto.randomUUID()}`) as { id: number }).id;
}

/** A visitor of `businessId` with one conversation holding `bodies`, in order; returns the ids. */
function chat(
  ctx: Ctx,
  bodies: string[],
  options: { businessId?: number; name?: string; email?: string; phone?: string; externalId?: string; sender?: "visitor" | "agent" | "system" } = {},
) {
  const businessId = options.businessId ?? ctx.business.id;
  const visitorId = (
    ctx.sqlite
      .query("INSERT INTO visitors (business_id, external_id, name, email, phone) VALUES (?, ?, ?, ?, ?) RETURNING id")
      .get(businessId, options.externalId ?? `anon-${crypto.randomUUID()}`, options.name ?? null, options.email ?? null, options.phone ?? null) as { id: number }
  ).id;
  const conversationId = (ctx.sqlite.query("INSERT INTO conversations (business_id, visitor_id) VALUES (?, ?) RETURNING id").get(businessId, visitorId) as { id: number }).id;
  const messageIds = bodies.map(
    (body) =>
      (
        ctx.sqlite
          .query("INSERT INTO messages (conversation_id, sender, body, client_id) VALUES (?, ?, ?, ?) RETURNING id")
          .get(conversationId, options.sender ?? "visitor", body, `client-${++clientIds}`) as { id: number }
      ).id,
  );
  return { visitorId, conversationId, messageIds };
}

const find = (ctx: Ctx, text: string, page: Parameters<typeof searchMessages>[3] = {}, businessId = ctx.business.id) =>
  searchMessages(ctx.db, businessId, parseSearchQuery(text), page);
const foundIds = (ctx: Ctx, text: string, page: Parameters<typeof searchMessages>[3] = {}, businessId = ctx.business.id) =>
  find(ctx, text, page, businessId).hits.map((hit) => hit.id);

describe("reading the search box", () => {
  it("quotes every word, so FTS5 syntax is searched as text", () => {
    expect(parseSearchQuery('"a" OR body:*').match).toBe('"body:*"');
    expect(parseSearchQuery("NEAR(order refund) ^start col:x*").match).toBe('"NEAR(order" AND "refund)" AND "^start" AND "col:x*"');
    expect(parseSearchQuery('say "late delivery" now').terms).toEqual(["say", "late delivery", "now"]);
  });

  it("drops stray quote marks and control characters, and words said twice", () => {
    expect(parseSearchQuery('order" "" \u0000refund ORDER').terms).toEqual(["order", "refund"]);
    expect(parseSearchQuery("   ").terms).toEqual([]);
  });

  it("keeps words under 3 characters apart, as escaped LIKE patterns", () => {
    const query = parseSearchQuery("退款 %_ 什么时候");
    expect(query.match).toBe('"什么时候"');
    expect(query.shortPatterns).toEqual(["%退款%", "%\\%\\_%"]);
  });

  it("refuses a query over 200 characters or with too many words", () => {
    expect(() => parseSearchQuery("x".repeat(limits.searchQueryLength + 1))).toThrow(ValidationError);
    expect(() => parseSearchQuery("字".repeat(limits.searchQueryLength))).not.toThrow();
    expect(() => parseSearchQuery(Array.from({ length: limits.searchTerms + 1 }, (_, i) => `word${i}`).join(" "))).toThrow(ValidationError);
  });
});

describe("searching messages", () => {
  it("finds a message sent the normal way, and follows edits and deletions", () => {
    const ctx = testApp();
    const visitor = createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, { ip: null, userAgent: null, page: null }).visitor;
    const { message } = sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: "client-sent-1", body: "Where is my parcel?" }, []);
    expect(foundIds(ctx, "parcel")).toEqual([message.id]);

    ctx.sqlite.run("UPDATE messages SET body = 'Where is my package?' WHERE id = ?", [message.id]);
    expect(foundIds(ctx, "parcel")).toEqual([]);
    expect(foundIds(ctx, "package")).toEqual([message.id]);

    ctx.sqlite.run("UPDATE conversations SET last_message_id = NULL");
    ctx.sqlite.run("DELETE FROM messages WHERE id = ?", [message.id]);
    expect(foundIds(ctx, "package")).toEqual([]);
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH '\"package\"'").get()).toEqual({ n: 0 });
  });

  it("does not re-index a message when only its read time changes", () => {
    const ctx = testApp();
    const { messageIds } = chat(ctx, ["tracking number please"]);
    expect(foundIds(ctx, "tracking")).toEqual(messageIds);
    const before = ctx.sqlite.query("SELECT count(*) AS n FROM messages_fts_data").get();
    ctx.sqlite.run("UPDATE messages SET read_at = 1 WHERE id = ?", [messageIds[0]!]);
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM messages_fts_data").get()).toEqual(before);
    expect(foundIds(ctx, "tracking")).toEqual(messageIds);
  });

  it("never shows another business's message, however well it matches", () => {
    const ctx = testApp();
    const other = otherBusiness(ctx);
    const theirs = chat(ctx, ["refund for order 1234", "退款"], { businessId: other });
    const ours = chat(ctx, ["refund please"]);
    expect(foundIds(ctx, "refund")).toEqual(ours.messageIds);
    expect(foundIds(ctx, "1234")).toEqual([]);
    expect(foundIds(ctx, "退款")).toEqual([]);
    expect(foundIds(ctx, "refund", {}, other)).toEqual([theirs.messageIds[0]!]);
  });

  it("finds Chinese text by any run of three or more characters", () => {
    const ctx = testApp();
    const { messageIds } = chat(ctx, ["请问我的订单什么时候发货", "谢谢"]);
    expect(foundIds(ctx, "什么时候")).toEqual([messageIds[0]!]);
    expect(foundIds(ctx, "订单什")).toEqual([messageIds[0]!]);
    expect(foundIds(ctx, "发货了")).toEqual([]);
  });

  it("matches regardless of case, and needs every word", () => {
    const ctx = testApp();
    const { messageIds } = chat(ctx, ["The BLUE mug arrived broken", "the blue bowl is fine"]);
    expect(foundIds(ctx, "blue")).toEqual([messageIds[1]!, messageIds[0]!]);
    expect(foundIds(ctx, "Blue BROKEN")).toEqual([messageIds[0]!]);
    expect(foundIds(ctx, '"blue mug"')).toEqual([messageIds[0]!]);
  });

  it("narrows by short words when there is a long one too", () => {
    const ctx = testApp();
    const { messageIds } = chat(ctx, ["优惠券 可以退款吗", "优惠券 过期了"]);
    expect(foundIds(ctx, "优惠券 退款")).toEqual([messageIds[0]!]);
  });

  it("looks for short words in a bounded window of the newest messages, then further back on request", () => {
    const ctx = testApp();
    const old = chat(ctx, ["退款 old one"]).messageIds[0]!;
    chat(ctx, ["filler one", "filler two", "filler three", "filler four", "filler five"]);
    const recent = chat(ctx, ["申请退款"]).messageIds[0]!;
    const first = find(ctx, "退款", { window: 3 });
    expect(first.hits.map((hit) => hit.id)).toEqual([recent]);
    // Nothing more in the window: "more" continues below it, and says so.
    expect(first.windowEnded).toBe(true);
    expect(first.next).toBe(recent + 1 - 3);
    const further = find(ctx, "退款", { window: 3, before: first.next! });
    expect(further.hits).toEqual([]);
    const furthest = find(ctx, "退款", { window: 3, before: further.next! });
    expect(furthest.hits.map((hit) => hit.id)).toEqual([old]);
    expect(furthest.next).toBeNull();
  });

  it("pages newest first by id, with nothing repeated and nothing skipped", () => {
    const ctx = testApp();
    const ids = [...chat(ctx, Array.from({ length: 7 }, (_, i) => `order number ${i}`)).messageIds, ...chat(ctx, ["another order"]).messageIds];
    const seen: number[] = [];
    let page = find(ctx, "order", { limit: 3 });
    seen.push(...page.hits.map((hit) => hit.id));
    while (page.next !== null) {
      page = find(ctx, "order", { limit: 3, before: page.next });
      seen.push(...page.hits.map((hit) => hit.id));
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it("pages the short-word scan the same way", () => {
    const ctx = testApp();
    const ids = chat(ctx, Array.from({ length: 5 }, (_, i) => `${i} ok`)).messageIds;
    const first = find(ctx, "ok", { limit: 2 });
    const second = find(ctx, "ok", { limit: 2, before: first.next! });
    const third = find(ctx, "ok", { limit: 2, before: second.next! });
    expect([...first.hits, ...second.hits, ...third.hits].map((hit) => hit.id)).toEqual([...ids].reverse());
    expect(third.next).toBeNull();
  });

  it("never crashes on FTS5 syntax, and finds it as text", () => {
    const ctx = testApp();
    const { messageIds } = chat(ctx, ['I typed "a" OR body:* by mistake']);
    for (const text of ['"a" OR body:*', "NEAR(a b)", "* ^ :", 'AND OR NOT "', "body:x", "'); DROP TABLE messages; --", "%_\\"]) {
      expect(() => find(ctx, text)).not.toThrow();
    }
    expect(foundIds(ctx, '"a" OR body:*')).toEqual(messageIds);
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM messages").get()).toEqual({ n: 1 });
  });

  it("leaves system events out of the index", () => {
    const ctx = testApp();
    chat(ctx, ["closed"], { sender: "system" });
    const { messageIds } = chat(ctx, ["the shop was closed"]);
    expect(foundIds(ctx, "closed")).toEqual(messageIds);
    expect(foundIds(ctx, "cl")).toEqual(messageIds);
  });

  it("tells who wrote each hit and to whom it belongs", () => {
    const ctx = testApp();
    const { conversationId, visitorId, messageIds } = chat(ctx, ["invoice needed"], { name: "Li Wei" });
    expect(find(ctx, "invoice").hits).toEqual([
      expect.objectContaining({ id: messageIds[0], conversationId, visitorId, visitorName: "Li Wei", sender: "visitor", body: "invoice needed", agentName: null }),
    ]);
  });
});

describe("searching visitors", () => {
  const names = (hits: { name: string | null }[]) => hits.map((hit) => hit.name);

  it("finds visitors by name, email, phone or the shop's user id, in this business only", () => {
    const ctx = testApp();
    chat(ctx, ["hi"], { name: "王小明", email: "xiaoming@example.com", phone: "13800138000", externalId: "user:A-778" });
    chat(ctx, ["hi"], { name: "王小明 (other shop)", businessId: otherBusiness(ctx) });
    const search = (text: string) => names(searchVisitors(ctx.db, ctx.business.id, parseSearchQuery(text)));
    expect(search("王小明")).toEqual(["王小明"]);
    expect(search("xiaoming@")).toEqual(["王小明"]);
    expect(search("0013800")).toEqual(["王小明"]);
    expect(search("A-778")).toEqual(["王小明"]);
    expect(search("小明")).toEqual(["王小明"]);
  });

  it("links each to their latest conversation, and leaves out those who never chatted", () => {
    const ctx = testApp();
    const { visitorId } = chat(ctx, ["first"], { name: "Returning Rita" });
    const latest = (ctx.sqlite.query("INSERT INTO conversations (business_id, visitor_id) VALUES (?, ?) RETURNING id").get(ctx.business.id, visitorId) as { id: number }).id;
    ctx.sqlite.run("INSERT INTO visitors (business_id, external_id, name) VALUES (?, 'user:9', 'Silent Rita')", [ctx.business.id]);
    expect(searchVisitors(ctx.db, ctx.business.id, parseSearchQuery("Rita"))).toEqual([
      { id: visitorId, name: "Returning Rita", email: null, phone: null, conversationId: latest },
    ]);
  });

  it("follows a visitor's new name and never matches generated anonymous ids", () => {
    const ctx = testApp();
    const { visitorId } = chat(ctx, ["hi"], { externalId: "anon-zzqqxx" });
    const search = (text: string) => searchVisitors(ctx.db, ctx.business.id, parseSearchQuery(text)).map((hit) => hit.id);
    expect(search("zzqqxx")).toEqual([]);
    ctx.sqlite.run("UPDATE visitors SET name = 'Grace Hopper' WHERE id = ?", [visitorId]);
    expect(search("hopper")).toEqual([visitorId]);
    ctx.sqlite.run("UPDATE visitors SET name = 'Grace Murray' WHERE id = ?", [visitorId]);
    expect(search("hopper")).toEqual([]);
    expect(search("murray")).toEqual([visitorId]);
  });
});
