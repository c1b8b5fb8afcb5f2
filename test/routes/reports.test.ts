import { describe, expect, it } from "bun:test";
import { addMember, signedIn, testApp } from "../support";

type TestApp = ReturnType<typeof testApp>;

let clientIds = 0;

/** A conversation of the first shop opened at `openedAt`, with one visitor message. */
function conversation(ctx: TestApp, openedAt: number, agentId: number | null = null): number {
  const visitorId = (ctx.sqlite.query("INSERT INTO visitors (business_id, external_id) VALUES (1, ?) RETURNING id").get(`v-${crypto.randomUUID()}`) as { id: number }).id;
  const { id } = ctx.sqlite
    .query("INSERT INTO conversations (business_id, visitor_id, agent_id, status, created_at, first_response_at) VALUES (1, ?, ?, ?, ?, ?) RETURNING id")
    .get(visitorId, agentId, agentId ? "open" : "queued", openedAt, agentId ? openedAt + 60_000 : null) as { id: number };
  ctx.sqlite.run("INSERT INTO messages (conversation_id, sender, body, client_id, created_at) VALUES (?, 'visitor', 'hi', ?, ?)", [id, `c-${++clientIds}`, openedAt]);
  return id;
}

const november = "from=2026-11-01&to=2026-11-30";

describe("the reports page", () => {
  it("shows owners and admins the figures of the range, and refuses agents", async () => {
    const ctx = testApp();
    const { client: owner } = await signedIn(ctx, "owner");
    const { client: admin } = await signedIn(ctx, "admin");
    const { client: agent } = await signedIn(ctx, "agent");
    const ann = await addMember(ctx, "agent", "ann@example.com");
    conversation(ctx, Date.parse("2026-11-10T10:00:00Z"), ann.id);
    conversation(ctx, Date.parse("2026-11-11T10:00:00Z"));
    const page = await owner.get(`/console/reports?${november}`);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toMatch(/data-figure="started" title="Started: conversations that opened in the range[^"]*"><dt>Started<\/dt><dd>2</);
    expect(text).toContain("<svg class=\"chart\"");
    expect(text).toContain("How these figures are counted");
    expect((await admin.get(`/console/reports?${november}`)).status).toBe(200);
    expect((await agent.get("/console/reports")).status).toBe(403);
    expect((await agent.get("/console/reports/export?table=agents")).status).toBe(403);
    expect(await (await agent.get("/console")).text()).not.toContain('href="/console/reports"');
  });

  it("says so when the range holds nothing, instead of drawing empty axes", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const text = await (await client.get(`/console/reports?${november}`)).text();
    expect(text).toContain("No conversations and no left messages in this range.");
    expect(text).not.toContain("<svg class=\"chart\"");
  });

  it("says no conversation was answered instead of drawing an empty first-response chart", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    conversation(ctx, Date.parse("2026-11-10T10:00:00Z"));
    const text = await (await client.get(`/console/reports?${november}`)).text();
    expect(text).toContain("No conversation in this range was answered yet.");
    expect(text.match(/<svg class="chart"/g)).toHaveLength(1);
  });

  it("does not find another shop's agent or group, and refuses a filter that is not an id", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    ctx.sqlite.run("INSERT INTO businesses (name, widget_key, identity_secret) VALUES ('Other', 'other-key', 'secret')");
    const theirAgent = (ctx.sqlite.query("INSERT INTO agents (business_id, email, display_name, password_hash, role) VALUES (2, 'x@other.test', 'X', 'x', 'owner') RETURNING id").get() as { id: number }).id;
    const theirGroup = (ctx.sqlite.query("INSERT INTO groups (business_id, name) VALUES (2, 'Theirs') RETURNING id").get() as { id: number }).id;
    expect((await client.get(`/console/reports?${november}&agent=${theirAgent}`)).status).toBe(404);
    expect((await client.get(`/console/reports?${november}&group=${theirGroup}`)).status).toBe(404);
    expect((await client.get(`/console/reports/export?table=groups&${november}&group=${theirGroup}`)).status).toBe(404);
    const bad = await client.get(`/console/reports?${november}&agent=1%20OR%201`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Pick an agent or group from the list.");
  });

  it("refuses a reversed range with a message by the field", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.get("/console/reports?from=2026-11-30&to=2026-11-01");
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("The last day comes before the first.");
    expect((await client.get("/console/reports/export?table=daily&from=2026-11-30&to=2026-11-01")).status).toBe(400);
    expect((await client.get(`/console/reports/export?table=secrets&${november}`)).status).toBe(400);
  });
});

describe("a report's CSV", () => {
  it("starts with a byte-order mark, names the range in the file, and quotes and defuses cells", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const evil = await addMember(ctx, "agent", "evil@example.com");
    ctx.sqlite.run("UPDATE agents SET display_name = ? WHERE id = ?", ['=HYPERLINK("http://x.test","客服, 小王")', evil.id]);
    conversation(ctx, Date.parse("2026-11-10T10:00:00Z"), evil.id);
    const response = await client.get(`/console/reports/export?table=agents&${november}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="kefu-report-agents-2026-11-01-to-2026-11-30.csv"');
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).split("\r\n");
    expect(lines[0]).toStartWith("Agent,Started,Answered,Missed,First response median (s)");
    expect(lines[1]).toStartWith(`"'=HYPERLINK(""http://x.test"",""客服, 小王"")",1,1,0,60,60,`);
    expect(lines[2]).toStartWith("Total,1,1,0,60");
  });

  it("has a row for every day of the range", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    conversation(ctx, Date.parse("2026-11-10T10:00:00Z"));
    const text = await (await client.get(`/console/reports/export?table=daily&${november}`)).text();
    const lines = text.trim().split("\r\n");
    expect(lines).toHaveLength(31);
    expect(lines).toContain("2026-11-10,1,0,0,");
  });
});
