import { describe, expect, it } from "bun:test";
import { limits } from "../../src/domain/limits";
import { Client, signedIn, testApp } from "../support";

type Ctx = ReturnType<typeof testApp>;
let clientIds = 0;

function conversation(ctx: Ctx, seed: { status?: string; agentId?: number | null; closedAt?: number; rating?: number | null; name?: string; body?: string } = {}): number {
  const visitorId = (ctx.sqlite.query("INSERT INTO visitors (business_id, external_id, name) VALUES (?, ?, ?) RETURNING id").get(ctx.business.id, crypto.randomUUID(), seed.name ?? null) as { id: number }).id;
  const status = seed.status ?? "closed";
  const { id } = ctx.sqlite
    .query("INSERT INTO conversations (business_id, visitor_id, agent_id, status, closed_at, rating) VALUES (?, ?, ?, ?, ?, ?) RETURNING id")
    .get(ctx.business.id, visitorId, seed.agentId ?? null, status, status === "closed" ? (seed.closedAt ?? Date.now()) : null, seed.rating ?? null) as { id: number };
  ctx.sqlite.run("INSERT INTO messages (conversation_id, sender, body, client_id) VALUES (?, 'visitor', ?, ?)", [id, seed.body ?? "hello", `c-${++clientIds}`]);
  ctx.sqlite.run("UPDATE conversations SET last_message_id = (SELECT max(id) FROM messages WHERE conversation_id = ?) WHERE id = ?", [id, id]);
  return id;
}

const itemIds = (page: string) => [...page.matchAll(/class="list-item">\s*<a href="\/console\/conversations\/(\d+)"/g)].map((match) => Number(match[1]));
const moreLink = (page: string) => /id="list-more" href="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&") ?? null;

describe("the conversation lists page", () => {
  it("shows closed conversations by default, 30 a page, each linking to its conversation", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const ids = Array.from({ length: limits.conversationListPage + 2 }, (_, i) => conversation(ctx, { closedAt: 1_000_000 + i }));
    const response = await client.get("/console/conversations");
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(itemIds(page)).toEqual([...ids].reverse().slice(0, limits.conversationListPage));
    expect(page).toContain('aria-current="page">Closed');
  });

  it("appends the next page for htmx's \"more\", so that every conversation shows once", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const ids = Array.from({ length: 2 * limits.conversationListPage + 5 }, (_, i) => conversation(ctx, { closedAt: 5_000_000 - (i % 7) * 1000 }));
    const seen: number[] = [];
    let page = await (await client.get("/console/conversations")).text();
    seen.push(...itemIds(page));
    for (let next = moreLink(page); next; next = moreLink(page)) {
      page = await (await client.get(next, { "hx-request": "true" })).text();
      expect(page).not.toContain("<html");
      seen.push(...itemIds(page));
    }
    expect(seen).toHaveLength(ids.length);
    expect(new Set(seen)).toEqual(new Set(ids));
  });

  it("keeps the filters in the form and in the \"more\" link", async () => {
    const ctx = testApp();
    const { client, agent } = await signedIn(ctx, "owner");
    for (let i = 0; i < limits.conversationListPage + 1; i++) conversation(ctx, { agentId: agent.id, rating: 5, closedAt: Date.UTC(2026, 2, 10) + i });
    const page = await (await client.get(`/console/conversations?agent=${agent.id}&rating=5&from=2026-03-01&to=2026-03-31`)).text();
    expect(itemIds(page)).toHaveLength(limits.conversationListPage);
    expect(page).toContain(`<option value="${agent.id}" selected>`);
    expect(page).toContain('<option value="5" selected>');
    expect(page).toContain('name="from" value="2026-03-01"');
    expect(moreLink(page)).toStartWith(`/console/conversations?agent=${agent.id}&from=2026-03-01&to=2026-03-31&rating=5&before=`);
    expect(page).toContain("time zone (UTC)");
  });

  it("filters by rating from the form, empty fields meaning any", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const rated = conversation(ctx, { rating: 2, closedAt: 2 });
    const unrated = conversation(ctx, { closedAt: 1 });
    expect(itemIds(await (await client.get("/console/conversations?agent=&from=&to=&rating=rated")).text())).toEqual([rated]);
    expect(itemIds(await (await client.get("/console/conversations?agent=&from=&to=&rating=unrated")).text())).toEqual([unrated]);
    expect(itemIds(await (await client.get("/console/conversations?agent=&from=&to=&rating=")).text())).toEqual([rated, unrated]);
  });

  it("answers a bad date, a bad range or a bad cursor with a 400 that says what to fix", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    conversation(ctx);
    const badDate = await client.get("/console/conversations?from=2026-02-31");
    expect(badDate.status).toBe(400);
    expect(await badDate.text()).toContain("Enter a date as YYYY-MM-DD.");
    const badRange = await client.get("/console/conversations?from=2026-03-02&to=2026-03-01");
    expect(badRange.status).toBe(400);
    expect(await badRange.text()).toContain("The end date must not be before the start date.");
    const badCursor = await client.get("/console/conversations?before=12.x");
    expect(badCursor.status).toBe(400);
    expect(await badCursor.text()).toContain("start again from the first page");
    expect((await client.get("/console/conversations?rating=6")).status).toBe(400);
    expect((await client.get("/console/conversations?list=everything")).status).toBe(400);
    expect((await client.get("/console/conversations?agent=1%20OR%201")).status).toBe(400);
  });

  it("lets owners and admins see every open conversation, and refuses agents with 403", async () => {
    const ctx = testApp();
    const admin = await signedIn(ctx, "admin");
    const agent = await signedIn(ctx, "agent");
    const theirs = conversation(ctx, { status: "open", agentId: agent.agent.id, name: "Open Olga" });
    const adminPage = await admin.client.get("/console/conversations?list=open");
    expect(adminPage.status).toBe(200);
    expect(itemIds(await adminPage.text())).toEqual([theirs]);
    const refused = await agent.client.get("/console/conversations?list=open");
    expect(refused.status).toBe(403);
    expect(await refused.text()).not.toContain("Open Olga");
    // Agents are not offered the tab either.
    expect(await (await agent.client.get("/console/conversations")).text()).not.toContain("list=open");
  });

  it("lists the agent's own open conversations and those waiting", async () => {
    const ctx = testApp();
    const { client, agent } = await signedIn(ctx, "agent");
    const mine = conversation(ctx, { status: "open", agentId: agent.id });
    const waiting = conversation(ctx, { status: "queued" });
    conversation(ctx, { status: "closed", agentId: agent.id });
    expect(itemIds(await (await client.get("/console/conversations?list=mine")).text())).toEqual([mine]);
    expect(itemIds(await (await client.get("/console/conversations?list=waiting")).text())).toEqual([waiting]);
  });

  it("escapes names and messages", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    conversation(ctx, { name: "<b>bold</b>", body: "<script>alert(1)</script>" });
    const page = await (await client.get("/console/conversations")).text();
    expect(page).toContain("&lt;b&gt;bold&lt;/b&gt;");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).not.toContain("<script>alert(1)");
  });

  it("is for signed-in agents only", async () => {
    const ctx = testApp();
    const response = await new Client(ctx.app).get("/console/conversations");
    expect(response.status).toBe(303);
  });
});
