// Chat links that name a group or an agent, the group picker, "offline when nobody is online",
// and the waiting lists each agent is shown: through the real HTTP routes and WebSockets.
import { describe, expect, it } from "bun:test";
import { ignoreEvents } from "../../src/domain/events";
import { createGroup, setGroupMembers } from "../../src/domain/groups";
import { addMember, type ListeningApp, listeningApps, signedIn, TestSocket, visitChat, wsUrl } from "../support";

type Running = ListeningApp;
const start = listeningApps();

async function open(ctx: Running, path: string, cookie: string) {
  const socket = new TestSocket(wsUrl(ctx, path), { cookie, origin: ctx.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return socket;
}

/** A visitor on a chat link (`?group=1`, `?agent=2` or nothing): the page, and its socket. */
async function visitor(ctx: Running, link = "") {
  const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
  const page = await (await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}${link}`, { headers: { cookie } })).text();
  const socketPath = page.match(/hx-ws:connect="([^"]+)"/)![1]!.replaceAll("&amp;", "&");
  return { page, socket: await open(ctx, socketPath, cookie), cookie };
}

const conversations = (ctx: Running) =>
  ctx.sqlite.query("SELECT agent_id AS agentId, group_id AS groupId, requested_agent_id AS requestedAgentId, status FROM conversations ORDER BY id").all();

describe("a group's chat link", () => {
  it("routes the first message to a member of the group, and shows it waiting only to those who serve the group", async () => {
    const ctx = start();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const sales = await signedIn(ctx, "agent", "sales@example.com");
    const support = await signedIn(ctx, "agent", "support@example.com");
    const salesGroup = createGroup(ctx.db, owner, "Sales");
    setGroupMembers(ctx.db, ignoreEvents, owner, salesGroup.id, [sales.agent.id]);
    setGroupMembers(ctx.db, ignoreEvents, owner, createGroup(ctx.db, owner, "Support").id, [support.agent.id]);
    const supportConsole = await open(ctx, "/ws/agent", support.client.cookie!);

    // Nobody of Sales online yet: the visitor waits, and Support's console is not told.
    const { page, socket } = await visitor(ctx, `?group=${salesGroup.id}`);
    expect(page).toContain(`/ws?group=${salesGroup.id}`);
    socket.send({ type: "send", clientId: crypto.randomUUID(), body: "price?" });
    await socket.next((f) => f.includes("queue-position"));
    expect(conversations(ctx)).toEqual([{ agentId: null, groupId: salesGroup.id, requestedAgentId: null, status: "queued" }]);
    expect(supportConsole.frames.some((f) => f.includes("waiting-conversations"))).toBe(false);
    const waitingPage = await (await support.client.get("/console")).text();
    expect(waitingPage).not.toContain("price?");

    // A member opens their console: the queue drains to them, and their list shows it.
    const salesConsole = await open(ctx, "/ws/agent", sales.client.cookie!);
    await socket.next((f) => f.includes("sales"));
    await salesConsole.next((f) => f.includes('hx-target="#my-conversations"'));
    expect(conversations(ctx)).toEqual([{ agentId: sales.agent.id, groupId: salesGroup.id, requestedAgentId: null, status: "open" }]);
  });

  it("shows a group's waiting visitor live to an agent in no group, even for a group created after their console opened", async () => {
    const ctx = start();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const everyone = await signedIn(ctx, "agent", "everyone@example.com");
    await everyone.client.post("/console/availability", { availability: "away" });
    const lobby = await open(ctx, "/ws/agent", everyone.client.cookie!);
    const late = createGroup(ctx.db, owner, "Late");
    const { socket } = await visitor(ctx, `?group=${late.id}`);
    socket.send({ type: "send", clientId: crypto.randomUUID(), body: "late group" });
    const item = await lobby.next((f) => f.includes('hx-target="#waiting-conversations"'));
    expect(item).toContain("late group");
  });

  it("reloads the consoles of agents moved in or out of a group, so they follow the lists they serve now", async () => {
    const ctx = start();
    const admin = await signedIn(ctx, "admin", "admin@example.com");
    const moved = await signedIn(ctx, "agent", "moved@example.com");
    const stays = await signedIn(ctx, "agent", "stays@example.com");
    const sales = createGroup(ctx.db, admin.agent, "Sales");
    setGroupMembers(ctx.db, ignoreEvents, admin.agent, sales.id, [moved.agent.id, stays.agent.id]);
    const [movedConsole, staysConsole] = [await open(ctx, "/ws/agent", moved.client.cookie!), await open(ctx, "/ws/agent", stays.client.cookie!)];
    expect((await admin.client.post(`/console/groups/${sales.id}/members`, { agentIds: String(stays.agent.id) })).status).toBe(200);
    await movedConsole.next((f) => f === '{"type":"reload"}');
    await Bun.sleep(100);
    expect(staysConsole.frames).not.toContain('{"type":"reload"}');
  });

  it("ignores a group that does not exist", async () => {
    const ctx = start();
    const { page } = await visitor(ctx, "?group=999");
    expect(page).toContain('hx-ws:connect="/chat/');
    expect(page).not.toContain("group=999");
  });
});

describe("the group picker", () => {
  it("asks for a group before the first message when the shop wants it, and not on a group's link", async () => {
    const ctx = start();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const billing = createGroup(ctx.db, owner, "Billing <b>");
    ctx.sqlite.run("UPDATE businesses SET group_picker = 1");
    const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
    const picker = await (await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}`, { headers: { cookie } })).text();
    expect(picker).toContain(`href="/chat/${ctx.business.widgetKey}?group=${billing.id}"`);
    expect(picker).toContain("Billing &lt;b&gt;");
    expect(picker).not.toContain('id="composer"');
    const chosen = await (await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}?group=${billing.id}`, { headers: { cookie } })).text();
    expect(chosen).toContain('id="composer"');
  });
});

describe("an exclusive link", () => {
  it("says the agent is away and offers anyone else, and otherwise waits for that agent only", async () => {
    const ctx = start();
    const named = await addMember(ctx, "agent", "named@example.com");
    const colleague = await signedIn(ctx, "agent", "colleague@example.com");
    await open(ctx, "/ws/agent", colleague.client.cookie!);
    const { page, socket } = await visitor(ctx, `?agent=${named.id}`);
    expect(page).toContain('id="requested-away"');
    expect(page).toContain(`href="/chat/${ctx.business.widgetKey}"`);
    expect(page).toContain("named");
    socket.send({ type: "send", clientId: crypto.randomUUID(), body: "for named only" });
    await socket.next((f) => f.includes("queue-position"));
    expect(conversations(ctx)).toEqual([{ agentId: null, groupId: null, requestedAgentId: named.id, status: "queued" }]);
  });
});

describe("offline when nobody is online", () => {
  it("shows the leave-a-message form and refuses to start a conversation over the socket", async () => {
    const ctx = start();
    ctx.sqlite.run("UPDATE businesses SET offline_when_no_agent = 1");
    const { page, socket } = await visitor(ctx);
    expect(page).toContain("leave-message");
    expect(page).not.toContain('id="composer"');
    const id = crypto.randomUUID();
    socket.send({ type: "send", clientId: id, body: "anyone?" });
    const refused = await socket.next((f) => f.includes(id));
    expect(JSON.parse(refused)).toMatchObject({ type: "error", clientId: id, message: "We are offline right now. Reload the page to leave us a message." });
    expect(conversations(ctx)).toEqual([]);
  });

  it("brings a message left on the form to every open console's inbox count at once", async () => {
    const ctx = start();
    ctx.sqlite.run("UPDATE businesses SET offline_when_no_agent = 1");
    const { client } = await signedIn(ctx, "agent");
    // Away: the console is open, but nobody is there to chat.
    await client.post("/console/availability", { availability: "away" });
    const agentConsole = await open(ctx, "/ws/agent", client.cookie!);
    const { cookie } = await visitor(ctx);
    const left = await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}/leave-message`, {
      method: "POST",
      headers: { cookie, origin: ctx.base, "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ name: "Ana", phone: "", email: "ana@example.com", message: "call me back" }),
    });
    expect(left.status).toBe(200);
    const badge = await agentConsole.next((f) => f.includes('hx-target="#inbox-count"'));
    expect(badge).toContain(">1</span>");
  });

  it("moves the visitor from the form into the conversation when an agent replies to their message", async () => {
    const ctx = start();
    ctx.sqlite.run("UPDATE businesses SET offline_when_no_agent = 1");
    const { client } = await signedIn(ctx, "agent");
    await client.post("/console/availability", { availability: "away" });
    const { socket, cookie } = await visitor(ctx);
    await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}/leave-message`, {
      method: "POST",
      headers: { cookie, origin: ctx.base, "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ name: "", phone: "", email: "", message: "still there?" }),
    });
    const { id } = ctx.sqlite.query("SELECT id FROM offline_messages").get() as { id: number };
    expect((await client.post(`/console/inbox/${id}/reply`)).status).toBeLessThan(400);
    await socket.next((f) => f === '{"type":"reload"}');
    const page = await (await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}`, { headers: { cookie } })).text();
    expect(page).toContain('id="composer"');
    expect(page).toContain("still there?");
  });
});
