import { afterEach, describe, expect, it } from "bun:test";
import { businesses } from "../../src/db/schema";
import { sendVisitorMessage } from "../../src/domain/messages";
import { Client, listeningApp, openChat, signedIn, testApp, TestSocket } from "../support";

// Behind a trusted proxy the client's address is the X-Forwarded-For hop, so tests can choose it.
const proxied = { config: { publicUrl: null, trustProxy: true } };
const address = "203.0.113.7";

type Context = ReturnType<typeof testApp>;

function visitorOn(ctx: Context, ip: string) {
  return new Client(ctx.app, { "x-forwarded-for": ip });
}

function chatPath(ctx: Context) {
  return `/chat/${ctx.business.widgetKey}`;
}

function count(ctx: Context, table: string): number {
  return (ctx.sqlite.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe("blocking an IP address by hand", () => {
  it("shows a blocked address only that chat is unavailable, and gives it no visitor and no cookie", async () => {
    const ctx = testApp(proxied);
    const { client } = await signedIn(ctx, "admin");
    const section = await client.post("/console/blocked/ips", { ip: address, reason: "spam <b>links</b>" });
    expect(section.status).toBe(200);
    expect(await section.text()).toContain("spam &lt;b&gt;links&lt;/b&gt;");
    const page = await visitorOn(ctx, address).get(chatPath(ctx));
    expect(page.status).toBe(403);
    expect(page.headers.get("set-cookie")).toBeNull();
    const text = await page.text();
    expect(text).toContain("Chat is not available.");
    expect(text).not.toContain("spam");
    expect(count(ctx, "visitors")).toBe(0);
    expect((await visitorOn(ctx, "203.0.113.8").get(chatPath(ctx))).status).toBe(200);
  });

  it("lists the address with who blocked it, and lets a returning visitor chat again once it is unblocked", async () => {
    const ctx = testApp(proxied);
    const { client } = await signedIn(ctx, "admin");
    const visitor = visitorOn(ctx, address);
    expect((await visitor.get(chatPath(ctx))).status).toBe(200);
    await client.post("/console/blocked/ips", { ip: "::ffff:203.0.113.7", reason: "" });
    expect((await visitor.get(chatPath(ctx))).status).toBe(403);
    const list = await (await client.get("/console/blocked")).text();
    expect(list).toContain(`<code>${address}</code>`);
    expect(list).toContain("<td>admin</td>");
    const { id } = ctx.sqlite.query("SELECT id FROM blocked_ips").get() as { id: number };
    const after = await client.post(`/console/blocked/ips/${id}/unblock`);
    expect(after.status).toBe(200);
    expect(await after.text()).toContain("No address is blocked.");
    expect((await visitor.get(chatPath(ctx))).status).toBe(200);
    expect(ctx.sqlite.query("SELECT action FROM audit_log ORDER BY id").all()).toEqual([{ action: "ip.blocked" }, { action: "ip.unblocked" }]);
  });

  it("applies a block only to the business that made it", async () => {
    const ctx = testApp(proxied);
    const other = ctx.db.insert(businesses).values({ name: "Other shop", widgetKey: "other-shop", identitySecret: "s" }).returning().get();
    const { client } = await signedIn(ctx, "admin");
    await client.post("/console/blocked/ips", { ip: address });
    expect((await visitorOn(ctx, address).get(`/chat/${other.widgetKey}`)).status).toBe(200);
  });

  it("refuses something that is not an address, says why, and stores nothing", async () => {
    const ctx = testApp(proxied);
    const { client } = await signedIn(ctx, "admin");
    const response = await client.post("/console/blocked/ips", { ip: "<script>alert(1)</script>", reason: "" });
    expect(response.status).toBe(422);
    const text = await response.text();
    expect(text).toContain("Enter an IPv4 or IPv6 address");
    expect(text).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect((await client.post("/console/blocked/ips", { ip: address, reason: "x".repeat(201) })).status).toBe(422);
    expect(count(ctx, "blocked_ips")).toBe(0);
  });

  it("keeps the list of addresses, blocking and unblocking to owners and admins", async () => {
    const ctx = testApp(proxied);
    const { client: admin } = await signedIn(ctx, "admin");
    await admin.post("/console/blocked/ips", { ip: address });
    const { id } = ctx.sqlite.query("SELECT id FROM blocked_ips").get() as { id: number };
    const { client: agent } = await signedIn(ctx, "agent");
    expect((await agent.get("/console/blocked")).status).toBe(403);
    expect((await agent.post("/console/blocked/ips", { ip: "198.51.100.1" })).status).toBe(403);
    expect((await agent.post(`/console/blocked/ips/${id}/unblock`)).status).toBe(403);
    expect(ctx.sqlite.query("SELECT ip FROM blocked_ips").all()).toEqual([{ ip: address }]);
  });

  it("refuses a block sent from another site", async () => {
    const ctx = testApp(proxied);
    const { client } = await signedIn(ctx, "admin");
    expect((await client.post("/console/blocked/ips", { ip: address }, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect(count(ctx, "blocked_ips")).toBe(0);
  });
});

describe("blocking a visitor's address from their conversation", () => {
  async function conversationFrom(ctx: Context, ip: string) {
    const { visitor } = await openChat(ctx, visitorOn(ctx, ip));
    return sendVisitorMessage(ctx.db, ctx.app.hub, visitor, { clientId: crypto.randomUUID(), body: "hello" }, []).conversation;
  }

  it("offers to block the address the visitor came from, and blocks both together", async () => {
    const ctx = testApp(proxied);
    const { client } = await signedIn(ctx, "admin");
    const conversation = await conversationFrom(ctx, address);
    const page = await (await client.get(`/console/conversations/${conversation.id}`)).text();
    expect(page).toContain('name="blockIp"');
    expect(page).toContain(`Also block this IP (${address})`);
    expect((await client.post(`/console/conversations/${conversation.id}/block`, { reason: "spam", blockIp: "1" })).status).toBe(200);
    expect(ctx.sqlite.query("SELECT blocked FROM visitors").get()).toEqual({ blocked: 1 });
    expect(ctx.sqlite.query("SELECT ip, reason FROM blocked_ips").all()).toEqual([{ ip: address, reason: "spam" }]);
    // A new browser on the same address is refused too.
    expect((await visitorOn(ctx, address).get(chatPath(ctx))).status).toBe(403);
  });

  it("blocks only the visitor when the box is left unticked", async () => {
    const ctx = testApp(proxied);
    const { client } = await signedIn(ctx, "agent");
    const conversation = await conversationFrom(ctx, address);
    expect((await client.post(`/console/conversations/${conversation.id}/block`, { reason: "spam" })).status).toBe(200);
    expect(count(ctx, "blocked_ips")).toBe(0);
    expect((await visitorOn(ctx, address).get(chatPath(ctx))).status).toBe(200);
  });

  it("leaves blocking an address to owners and admins: a plain agent is neither offered it nor allowed", async () => {
    const ctx = testApp(proxied);
    const { client } = await signedIn(ctx, "agent");
    const conversation = await conversationFrom(ctx, address);
    expect(await (await client.get(`/console/conversations/${conversation.id}`)).text()).not.toContain('name="blockIp"');
    const refused = await client.post(`/console/conversations/${conversation.id}/block`, { reason: "spam", blockIp: "1" });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("Only owners and admins can block an address.");
    expect(ctx.sqlite.query("SELECT blocked FROM visitors").get()).toEqual({ blocked: 0 });
    expect(count(ctx, "blocked_ips")).toBe(0);
  });

  it("refuses a local or private address, which behind an untrusted proxy is everyone's", async () => {
    const ctx = testApp(proxied);
    const { client } = await signedIn(ctx, "admin");
    for (const local of ["127.0.0.1", "10.1.2.3", "192.168.0.9", "172.20.0.1", "::1", "fd00::1"]) {
      const conversation = await conversationFrom(ctx, local);
      const response = await client.post(`/console/conversations/${conversation.id}/block`, { reason: "spam", blockIp: "1" });
      expect(response.status).toBe(422);
      expect(await response.text()).toContain("local or private address");
    }
    expect(count(ctx, "blocked_ips")).toBe(0);
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM visitors WHERE blocked = 1").get()).toEqual({ n: 0 });
  });

  it("blocks nothing when the visitor's address cannot be blocked", async () => {
    const ctx = testApp(proxied);
    const { client } = await signedIn(ctx, "admin");
    // A proxy can forward anything as the client's address.
    const conversation = await conversationFrom(ctx, "unknown");
    const response = await client.post(`/console/conversations/${conversation.id}/block`, { reason: "spam", blockIp: "1" });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain("Enter an IPv4 or IPv6 address");
    expect(ctx.sqlite.query("SELECT blocked FROM visitors").get()).toEqual({ blocked: 0 });
    expect(count(ctx, "blocked_ips")).toBe(0);
  });

  it("does not offer the address when the visitor's is unknown", async () => {
    const ctx = testApp(proxied);
    const { client } = await signedIn(ctx, "agent");
    const conversation = await conversationFrom(ctx, address);
    ctx.sqlite.run("UPDATE visitors SET last_ip = NULL");
    expect(await (await client.get(`/console/conversations/${conversation.id}`)).text()).not.toContain('name="blockIp"');
  });
});

describe("the visitor socket on a blocked address", () => {
  let running: ReturnType<typeof listeningApp>[] = [];
  afterEach(() => {
    for (const app of running) app.stop();
    running = [];
  });

  function start() {
    const ctx = listeningApp(proxied);
    running.push(ctx);
    return ctx;
  }

  async function visitorCookie(ctx: ReturnType<typeof start>, ip: string): Promise<string> {
    const response = await fetch(`${ctx.base}${chatPath(ctx)}`, { headers: { "x-forwarded-for": ip } });
    expect(response.status).toBe(200);
    return response.headers.getSetCookie()[0]!.split(";")[0]!;
  }

  function socketOn(ctx: ReturnType<typeof start>, cookie: string, ip: string) {
    const url = `${ctx.base.replace("http", "ws")}${chatPath(ctx)}/ws`;
    return new TestSocket(url, { cookie, origin: ctx.base, "x-forwarded-for": ip });
  }

  it("closes a socket from a blocked address with 4403", async () => {
    const ctx = start();
    const cookie = await visitorCookie(ctx, address);
    const { client } = await signedIn(ctx, "admin");
    await client.post("/console/blocked/ips", { ip: address });
    const socket = socketOn(ctx, cookie, address);
    expect((await socket.closedWith()).code).toBe(4403);
  });

  it("reloads the pages open on an address when it is blocked, and refuses their messages", async () => {
    const ctx = start();
    const socket = socketOn(ctx, await visitorCookie(ctx, address), address);
    await socket.opened;
    socket.send({ type: "resume", after: 0 });
    const before = crypto.randomUUID();
    socket.send({ type: "send", clientId: before, body: "before" });
    await socket.next((frame) => frame.includes(`message-${before}`));
    const { client } = await signedIn(ctx, "admin");
    await client.post("/console/blocked/ips", { ip: address });
    await socket.next((frame) => frame === '{"type":"reload"}');
    socket.send({ type: "send", clientId: crypto.randomUUID(), body: "after" });
    await socket.next((frame) => frame.includes("Chat is not available."));
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM messages WHERE body = 'after'").get()).toEqual({ n: 0 });
    socket.close();
  });
});
