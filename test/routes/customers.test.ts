import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { businesses, conversations, visitors, visitorTags } from "../../src/db/schema";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { chatting, listeningApps, signedIn, testApp } from "../support";

type TestApp = ReturnType<typeof testApp>;
const htmx = { "hx-request": "true" };
const crossSite = { "sec-fetch-site": "cross-site" };

/** A visitor of the business who told us their name (and whatever else is given). */
function customer(ctx: TestApp, details: Partial<typeof visitors.$inferInsert>, businessId = ctx.business.id) {
  return ctx.db
    .insert(visitors)
    .values({ businessId, externalId: `anon-${crypto.randomUUID()}`, ...details })
    .returning()
    .get();
}

function otherShop(ctx: TestApp) {
  return ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-shop", identitySecret: "x" }).returning().get();
}

const exists = (ctx: TestApp, visitorId: number) => ctx.db.select().from(visitors).where(eq(visitors.id, visitorId)).all().length === 1;

describe("Console → Customers", () => {
  it("lists the shop's customers for every agent, without anonymous visitors or another shop's", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    customer(ctx, { name: "Wang Fang", email: "fang@example.cn" });
    customer(ctx, { name: "Elsewhere" }, otherShop(ctx).id);
    createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, { ip: null, userAgent: null, page: null });
    const response = await client.get("/console/customers");
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("Wang Fang");
    expect(page).toContain("fang@example.cn");
    expect(page).not.toContain("Elsewhere");
    expect(page.match(/class="customer-item"/g)).toHaveLength(1);
    expect(page).toContain('href="/console/customers" aria-current="page"');
  });

  it("searches, filters by tag and last seen, orders, and pages with htmx", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const fang = customer(ctx, { name: "Wang Fang", lastSeenAt: Date.now() - 40 * 86_400_000 });
    customer(ctx, { name: "Alice", email: "alice@example.com" });
    ctx.db.insert(visitorTags).values({ businessId: ctx.business.id, visitorId: fang.id, tag: "vip" }).run();
    const names = async (query: string, headers = {}) => {
      const page = await (await client.get(`/console/customers?${query}`, headers)).text();
      return [...page.matchAll(/<strong>([^<]+)/g)].map((match) => match[1]).filter((name) => name === "Wang Fang" || name === "Alice");
    };
    expect(await names("q=alice%40example")).toEqual(["Alice"]);
    expect(await names("tag=VIP")).toEqual(["Wang Fang"]);
    expect(await names("seen=older")).toEqual(["Wang Fang"]);
    expect(await names("seen=today")).toEqual(["Alice"]);
    expect(await names("order=conversations&seen=&tag=&q=")).toEqual(["Alice", "Wang Fang"]);
    for (let i = 0; i < 50; i++) customer(ctx, { name: `Filler ${i}`, lastSeenAt: Date.now() - 86_400_000 });
    const first = await (await client.get("/console/customers")).text();
    const more = /hx-get="([^"]+)"/.exec(first.slice(first.indexOf('id="customers-more"') - 300))![1]!.replaceAll("&amp;", "&");
    const next = await (await client.get(more, htmx)).text();
    expect(next).not.toContain("<html");
    expect(next).toContain("Wang Fang");
  });

  it("answers a broken cursor, a bad tag or an over-long search with 400 and the reason", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    for (const [query, reason] of [
      ["after=nonsense", "This page link is broken"],
      [`tag=${"x".repeat(40)}`, "at most 30 characters"],
      [`q=${"x".repeat(201)}`, "200"],
    ] as const) {
      const response = await client.get(`/console/customers?${query}`);
      expect(response.status).toBe(400);
      expect(await response.text()).toContain(reason);
    }
    expect((await client.get("/console/customers?seen=yesterday")).status).toBe(400);
  });

  it("shows a customer's page with their details, tags, notes and every conversation, each opening as history does", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const fang = customer(ctx, { name: "Wang Fang", phone: "+86 138 0000 0000", attributes: { plan: "Pro" }, blocked: true });
    const ids = [1, 2, 3].map(() => ctx.db.insert(conversations).values({ businessId: ctx.business.id, visitorId: fang.id, status: "closed", closedAt: Date.now(), rating: 5 }).returning().get().id);
    ctx.db.insert(visitorTags).values({ businessId: ctx.business.id, visitorId: fang.id, tag: "vip" }).run();
    const page = await (await client.get(`/console/customers/${fang.id}`)).text();
    expect(page).toContain("+86 138 0000 0000");
    expect(page).toContain("<dt>plan</dt><dd>Pro</dd>");
    expect(page).toContain('<span class="badge off">Blocked</span>');
    expect(page).toContain('<li class="tag"><span>vip</span>');
    expect(page).toContain(`hx-post="/console/visitors/${fang.id}/notes"`);
    for (const id of ids) expect(page).toContain(`<a href="/console/conversations/${id}">`);
    // Agents find; only owners export or delete.
    expect(page).not.toContain("/export");
    expect(page).not.toContain(`/console/customers/${fang.id}/delete`);
  });

  it("pages a customer's conversations with htmx, and the visitor panel beside a chat links to the customer's page", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const fang = customer(ctx, { name: "Wang Fang" });
    const ids = Array.from({ length: 25 }, () => ctx.db.insert(conversations).values({ businessId: ctx.business.id, visitorId: fang.id, status: "closed", closedAt: Date.now() }).returning().get().id);
    const page = await (await client.get(`/console/customers/${fang.id}`)).text();
    const more = /hx-get="([^"]+)" hx-target="#customer-conversations-more-item"/.exec(page)![1]!;
    const rest = await (await client.get(more, htmx)).text();
    expect(rest).not.toContain("<html");
    const linked = [...rest.matchAll(/<a href="\/console\/conversations\/(\d+)">/g)].map((match) => Number(match[1]));
    expect(linked).toEqual(ids.slice(0, 5).reverse());
    const beside = await (await client.get(`/console/conversations/${ids[0]}`)).text();
    expect(beside).toContain(`<a href="/console/customers/${fang.id}">`);
  });

  it("does not find another shop's visitor", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const elsewhere = customer(ctx, { name: "Elsewhere" }, otherShop(ctx).id);
    expect((await client.get(`/console/customers/${elsewhere.id}`)).status).toBe(404);
    expect((await client.get(`/console/customers/${elsewhere.id}/delete`)).status).toBe(404);
    expect((await client.post(`/console/customers/${elsewhere.id}/export`)).status).toBe(404);
    expect((await client.post(`/console/customers/${elsewhere.id}/delete`, { understood: "yes" })).status).toBe(404);
    expect(exists(ctx, elsewhere.id)).toBe(true);
  });
});

describe("exporting a customer's data", () => {
  it("downloads it as JSON for an owner", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const fang = customer(ctx, { name: "Wang Fang", tokenHash: "secret-hash" });
    const response = await client.post(`/console/customers/${fang.id}/export`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="customer-${fang.id}.json"`);
    const text = await response.text();
    expect(JSON.parse(text).visitor).toMatchObject({ id: fang.id, name: "Wang Fang" });
    expect(text).not.toContain("secret-hash");
  });

  it("is refused to admins and agents, and to a request from another site", async () => {
    const ctx = testApp();
    const fang = customer(ctx, { name: "Wang Fang" });
    for (const role of ["admin", "agent"] as const) {
      const { client } = await signedIn(ctx, role);
      expect((await client.post(`/console/customers/${fang.id}/export`)).status).toBe(403);
    }
    const { client } = await signedIn(ctx, "owner");
    expect((await client.post(`/console/customers/${fang.id}/export`, {}, crossSite)).status).toBe(403);
  });
});

describe("deleting a customer", () => {
  it("asks twice, naming the customer and what goes, then deletes and says so", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const fang = customer(ctx, { name: "Wang Fang" });
    ctx.db.insert(conversations).values({ businessId: ctx.business.id, visitorId: fang.id, status: "closed", closedAt: Date.now() }).run();
    const page = await (await client.get(`/console/customers/${fang.id}`)).text();
    expect(page).toContain(`href="/console/customers/${fang.id}/delete"`);
    const confirmation = await (await client.get(`/console/customers/${fang.id}/delete`)).text();
    expect(confirmation).toContain("Delete Wang Fang?");
    expect(confirmation).toContain("Their conversations (1)");
    // The button alone is not enough: the box must be ticked.
    const unticked = await client.post(`/console/customers/${fang.id}/delete`);
    expect(unticked.status).toBe(422);
    expect(await unticked.text()).toContain("Tick the box");
    expect(exists(ctx, fang.id)).toBe(true);
    const done = await client.post(`/console/customers/${fang.id}/delete`, { understood: "yes" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/console/customers?deleted=1");
    expect(exists(ctx, fang.id)).toBe(false);
    expect(await (await client.get("/console/customers?deleted=1")).text()).toContain("were deleted");
  });

  it("is refused to admins and agents, and to a request from another site, deleting nothing", async () => {
    const ctx = testApp();
    const fang = customer(ctx, { name: "Wang Fang" });
    for (const role of ["admin", "agent"] as const) {
      const { client } = await signedIn(ctx, role);
      expect((await client.get(`/console/customers/${fang.id}/delete`)).status).toBe(403);
      expect((await client.post(`/console/customers/${fang.id}/delete`, { understood: "yes" })).status).toBe(403);
    }
    const { client } = await signedIn(ctx, "owner");
    expect((await client.post(`/console/customers/${fang.id}/delete`, { understood: "yes" }, crossSite)).status).toBe(403);
    expect(exists(ctx, fang.id)).toBe(true);
  });

  const start = listeningApps();

  it("ends a customer's ongoing conversation: the agent's list drops it and the visitor's page is closed", async () => {
    const ctx = start();
    const { lobby, visitor, agent, conversationId } = await chatting(ctx);
    const { visitorId } = ctx.sqlite.query("SELECT visitor_id AS visitorId FROM conversations WHERE id = ?").get(conversationId) as { visitorId: number };
    ctx.sqlite.run("UPDATE visitors SET name = 'Wang Fang' WHERE id = ?", [visitorId]);
    const { client } = await signedIn(ctx, "owner");
    const from = lobby.frames.length;
    expect((await client.post(`/console/customers/${visitorId}/delete`, { understood: "yes" })).status).toBe(303);
    await lobby.next((f) => f === JSON.stringify({ type: "remove", id: `conversation-${conversationId}` }), 2000, from);
    await agent.next((f) => f === JSON.stringify({ type: "reload" }));
    expect((await visitor.closedWith(1000)).code).toBe(4410);
  });
});
