// What the domain announces after a change reaches whoever is looking, through the real routes and
// sockets: a route only calls the domain, and the change shows in the consoles and chat pages.
import { afterEach, describe, expect, it } from "bun:test";
import { ignoreEvents } from "../../src/domain/events";
import { createGroup, setGroupMembers } from "../../src/domain/groups";
import { leaveMessage } from "../../src/domain/offline-messages";
import type { AppOptions } from "../../src/app";
import { addMember, chatting, Client, type ListeningApp, listeningApp, signedIn, TestSocket, visitChat, wsUrl } from "../support";

let running: ListeningApp[] = [];
afterEach(() => {
  for (const ctx of running) ctx.stop();
  running = [];
});

function start(overrides: Partial<AppOptions> = {}): ListeningApp {
  const ctx = listeningApp(overrides);
  running.push(ctx);
  return ctx;
}

async function open(ctx: ListeningApp, path: string, headers: Record<string, string>): Promise<TestSocket> {
  const socket = new TestSocket(wsUrl(ctx, path), { origin: ctx.base, ...headers });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return socket;
}

const consoleOf = (ctx: ListeningApp, client: Client) => open(ctx, "/ws/agent", { cookie: client.cookie! });

/** A visitor who wrote once (on a group's link when given one), and is now waiting or served. */
async function visitorWrites(ctx: ListeningApp, body: string, groupId?: number) {
  const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
  const socket = await open(ctx, `/chat/${ctx.business.widgetKey}/ws${groupId ? `?group=${groupId}` : ""}`, { cookie });
  socket.send({ type: "send", clientId: crypto.randomUUID(), body });
  await socket.next((f) => f.includes(body) && f.includes("message mine"));
  return { socket, cookie };
}

const conversationOf = (ctx: ListeningApp, body: string) =>
  ctx.sqlite
    .query("SELECT c.status, c.agent_id AS agentId FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE m.body = ?")
    .get(body);

describe("what waits is assigned as soon as routing allows it", () => {
  it("when its agent comes back online", async () => {
    const ctx = start();
    const { agent, client } = await signedIn(ctx, "agent");
    await consoleOf(ctx, client);
    await client.post("/console/availability", { availability: "away" });
    const { socket } = await visitorWrites(ctx, "anyone there?");
    expect(conversationOf(ctx, "anyone there?")).toEqual({ status: "queued", agentId: null });
    await client.post("/console/availability", { availability: "online" });
    expect(conversationOf(ctx, "anyone there?")).toEqual({ status: "open", agentId: agent.id });
    await socket.next((f) => f.includes("joined the conversation"));
  });

  it("when the shop, or an owner for one agent, allows more chats each", async () => {
    const ctx = start();
    ctx.sqlite.run("UPDATE businesses SET max_concurrent_chats = 1");
    const owner = await signedIn(ctx, "owner");
    const { agent, client } = await signedIn(ctx, "agent");
    await consoleOf(ctx, client);
    await visitorWrites(ctx, "first");
    expect(conversationOf(ctx, "first")).toEqual({ status: "open", agentId: agent.id });

    await visitorWrites(ctx, "second");
    expect(conversationOf(ctx, "second")).toEqual({ status: "queued", agentId: null });
    expect((await owner.client.post(`/console/team/${agent.id}/capacity`, { capacity: "2" })).status).toBe(200);
    expect(conversationOf(ctx, "second")).toEqual({ status: "open", agentId: agent.id });

    await visitorWrites(ctx, "third");
    expect(conversationOf(ctx, "third")).toEqual({ status: "queued", agentId: null });
    expect((await owner.client.post(`/console/team/${agent.id}/capacity`, { capacity: "" })).status).toBe(200);
    expect((await owner.client.post("/console/settings", { capacity: "3" })).status).toBe(200);
    expect(conversationOf(ctx, "third")).toEqual({ status: "open", agentId: agent.id });
  });

  /** A visitor waits on Sales' link: the one agent online is in Support only, and the owner is away. */
  async function waitingForSales(ctx: ListeningApp) {
    const owner = await signedIn(ctx, "owner");
    const { agent, client } = await signedIn(ctx, "agent");
    const sales = createGroup(ctx.db, owner.agent, "Sales");
    setGroupMembers(ctx.db, ignoreEvents, owner.agent, createGroup(ctx.db, owner.agent, "Support").id, [agent.id]);
    const [agentConsole, ownerConsole] = [await consoleOf(ctx, client), await consoleOf(ctx, owner.client)];
    await owner.client.post("/console/availability", { availability: "away" });
    await visitorWrites(ctx, "price?", sales.id);
    expect(conversationOf(ctx, "price?")).toEqual({ status: "queued", agentId: null });
    return { owner: owner.client, agent, sales, agentConsole, ownerConsole };
  }

  it("when an agent joins the group it waits for, whose console reloads to follow that group's list", async () => {
    const ctx = start();
    const { owner, agent, sales, agentConsole } = await waitingForSales(ctx);
    expect((await owner.post(`/console/groups/${sales.id}/members`, { agentIds: String(agent.id) })).status).toBe(200);
    expect(conversationOf(ctx, "price?")).toEqual({ status: "open", agentId: agent.id });
    await agentConsole.next((f) => f === '{"type":"reload"}');
  });

  it("when the group it waits for is deleted, and every console of the shop reloads", async () => {
    const ctx = start();
    const { owner, agent, sales, agentConsole, ownerConsole } = await waitingForSales(ctx);
    expect((await owner.post(`/console/groups/${sales.id}/delete`)).status).toBe(200);
    expect(conversationOf(ctx, "price?")).toEqual({ status: "open", agentId: agent.id });
    await agentConsole.next((f) => f === '{"type":"reload"}');
    await ownerConsole.next((f) => f === '{"type":"reload"}');
  });
});

describe("every open console's inbox count", () => {
  it("follows a message marked handled, and one answered in chat", async () => {
    const ctx = start();
    const watching = await signedIn(ctx, "agent", "watching@example.com");
    const { client } = await signedIn(ctx, "agent", "handling@example.com");
    const agentConsole = await consoleOf(ctx, watching.client);
    const { socket } = await visitorWrites(ctx, "hello");
    const { visitorId } = ctx.sqlite.query("SELECT visitor_id AS visitorId FROM conversations").get() as { visitorId: number };
    const shop = { id: ctx.business.id, offlineRequired: [] };
    const left = { name: "", phone: "", email: "" };
    const first = leaveMessage(ctx.db, ignoreEvents, shop, null, { ...left, message: "call me" });
    const second = leaveMessage(ctx.db, ignoreEvents, shop, visitorId, { ...left, message: "still there?" });

    expect((await client.post(`/console/inbox/${first.id}/handled`)).status).toBe(200);
    expect(await agentConsole.next((f) => f.includes('hx-target="#inbox-count"'))).toContain('<span id="inbox-count" class="unread" >1</span>');
    const mark = agentConsole.frames.length;
    expect((await client.post(`/console/inbox/${second.id}/reply`)).status).toBeLessThan(400);
    expect(await agentConsole.next((f) => f.includes('hx-target="#inbox-count"'), 2000, mark)).toContain('<span id="inbox-count" class="unread" hidden></span>');
    await socket.next((f) => f === '{"type":"reload"}');
  });
});

describe("what agents see of the visitor", () => {
  /** The visitor's browser reports to the page's routes, as the widget does. */
  function reporter(ctx: ListeningApp, cookie: string) {
    const browser = new Client(ctx.app);
    browser.cookie = cookie;
    return (path: string, body: unknown) =>
      browser.request(`/chat/${ctx.business.widgetKey}/${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  }

  it("follows the page the visitor is on, in the panel beside their thread", async () => {
    const ctx = start();
    const { cookie, agent } = await chatting(ctx);
    const mark = agent.frames.length;
    expect((await reporter(ctx, cookie)("context", { url: "https://shop.example.com/checkout", title: "Checkout" })).status).toBe(200);
    expect(await agent.next((f) => f.includes('id="visitor-panel"'), 2000, mark)).toContain(">Checkout</a>");
  });

  it("follows the name and product the shop's page gives the visitor, over their thread and on their line in the list", async () => {
    const ctx = start();
    const { cookie, agent, lobby } = await chatting(ctx);
    const [threadMark, listMark] = [agent.frames.length, lobby.frames.length];
    const report = reporter(ctx, cookie);
    expect((await report("identify", { visitor: { name: "Li Lei" } })).status).toBe(200);
    expect(await agent.next((f) => f.includes('hx-target="#conversation-visitor-name"'), 2000, threadMark)).toContain(">Li Lei</strong>");
    const line = await lobby.next((f) => f.includes('hx-target="#my-conversations"'), 2000, listMark);
    expect(line).toContain('<strong class="item-name">Li Lei</strong>');

    const productMark = agent.frames.length;
    expect((await report("identify", { product: { title: "Jade teapot", url: "https://shop.example.com/teapot" } })).status).toBe(200);
    expect(await agent.next((f) => f.includes('id="visitor-panel"'), 2000, productMark)).toContain("Jade teapot");
  });

  it("shows an agent's correction of the name on the visitor's line in the list", async () => {
    const ctx = start();
    const { client, lobby } = await chatting(ctx);
    const { visitorId } = ctx.sqlite.query("SELECT visitor_id AS visitorId FROM conversations").get() as { visitorId: number };
    const mark = lobby.frames.length;
    expect((await client.post(`/console/visitors/${visitorId}/contact`, { name: "Wang Fang", email: "", phone: "" })).status).toBe(200);
    const line = await lobby.next((f) => f.includes('hx-target="#my-conversations"'), 2000, mark);
    expect(line).toContain('<strong class="item-name">Wang Fang</strong>');
  });
});

describe("a visitor blocked with their address", () => {
  it("reloads their pages and those of everyone else online on that address", async () => {
    const ctx = start({ config: { publicUrl: null, trustProxy: true } });
    const address = "203.0.113.7";
    const { client } = await signedIn(ctx, "admin");
    await consoleOf(ctx, client);
    const visitorOn = async () => {
      const cookie = (await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}`, { headers: { "x-forwarded-for": address } })).headers
        .getSetCookie()[0]!
        .split(";")[0]!;
      return open(ctx, `/chat/${ctx.business.widgetKey}/ws`, { cookie, "x-forwarded-for": address });
    };
    const [writer, sameAddress] = [await visitorOn(), await visitorOn()];
    writer.send({ type: "send", clientId: crypto.randomUUID(), body: "spam" });
    await writer.next((f) => f.includes("joined the conversation"));
    const { id } = ctx.sqlite.query("SELECT id FROM conversations").get() as { id: number };

    expect((await client.post(`/console/conversations/${id}/block`, { reason: "spam", blockIp: "1" })).status).toBe(200);
    await writer.next((f) => f === '{"type":"reload"}');
    await sameAddress.next((f) => f === '{"type":"reload"}');
    expect(ctx.sqlite.query("SELECT status FROM conversations").get()).toEqual({ status: "closed" });
  });
});

describe("an agent made to choose a new password", () => {
  it("closes the sockets of their other browsers once they have, and keeps this one's", async () => {
    const ctx = start();
    const here = await signedIn(ctx, "agent", "ann@example.com");
    const elsewhere = new Client(ctx.app);
    expect((await elsewhere.post("/login", { email: "ann@example.com", password: "correct horse" })).status).toBe(303);
    const [mine, theirs] = [await consoleOf(ctx, here.client), await consoleOf(ctx, elsewhere)];
    await Bun.sleep(100);
    ctx.sqlite.run("UPDATE agents SET must_change_password = 1 WHERE id = ?", [here.agent.id]);
    expect((await here.client.post("/console/password", { current: "correct horse", password: "a brand new password" })).status).toBe(303);
    expect((await theirs.closedWith(1000)).code).toBe(4401);
    await Bun.sleep(100);
    expect(mine.closed).toBeNull();
  });
});
