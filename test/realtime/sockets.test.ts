import { describe, expect, it } from "bun:test";
import { addAgent } from "../../src/domain/agents";
import { businesses, messages } from "../../src/db/schema";
import { topics } from "../../src/realtime/topics";
import { type ListeningApp, listeningApps, signedIn, TestSocket, visitChat, wsUrl } from "../support";

type Running = ListeningApp;
const start = listeningApps();

async function visitorSocket(ctx: Running, cookie?: string) {
  const visitorCookie = cookie ?? (await visitChat(ctx.base, ctx.business.widgetKey));
  const socket = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws`), { cookie: visitorCookie, origin: ctx.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return { socket, cookie: visitorCookie };
}

async function agentSocket(ctx: Running, cookie: string, conversationId?: number) {
  const query = conversationId ? `?conversation=${conversationId}` : "";
  const socket = new TestSocket(wsUrl(ctx, `/ws/agent${query}`), { cookie, origin: ctx.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return socket;
}

const clientId = () => crypto.randomUUID();

describe("the visitor socket", () => {
  it("confirms a visitor's message to the visitor and shows it to the agent, who answers", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    const agentLobby = await agentSocket(ctx, client.cookie!);
    const { socket: visitor } = await visitorSocket(ctx);
    const id = clientId();
    visitor.send({ type: "send", clientId: id, body: "Hello <b>shop</b>" });
    const confirmed = await visitor.next((f) => f.includes(`id="message-${id}"`));
    expect(confirmed).toContain("Hello &lt;b&gt;shop&lt;/b&gt;");
    expect(confirmed).toContain('class="message mine');
    // The agent was online, so the new conversation is theirs and shows up in their list.
    await agentLobby.next((f) => f.includes('hx-target="#my-conversations"'));
    const conversationId = ctx.sqlite.query("SELECT id FROM conversations").get() as { id: number };
    const agentView = await agentSocket(ctx, client.cookie!, conversationId.id);
    const reply = clientId();
    agentView.send({ type: "send", clientId: reply, body: "Hi!" });
    const answer = await visitor.next((f) => f.includes(`id="message-${reply}"`));
    expect(answer).toContain('class="message theirs');
  });

  it("shows the visitor their agent's availability as the agent changes it", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    await agentSocket(ctx, client.cookie!);
    const { socket: visitor } = await visitorSocket(ctx);
    visitor.send({ type: "send", clientId: clientId(), body: "hello" });
    await visitor.next((f) => f.includes('class="presence online"'));
    const mark = visitor.frames.length;
    await client.post("/console/availability", { availability: "away" });
    const away = await visitor.next((f) => f.includes('hx-target="#agent-status"'), 2000, mark);
    expect(away).toContain('class="presence away"');
  });

  it("tells a waiting visitor their place in line and hands them to the agent whose slot frees", async () => {
    const ctx = start();
    ctx.sqlite.run("UPDATE businesses SET max_concurrent_chats = 1");
    const { agent, client } = await signedIn(ctx, "agent");
    await agentSocket(ctx, client.cookie!);
    const { socket: first } = await visitorSocket(ctx);
    first.send({ type: "send", clientId: clientId(), body: "first" });
    await first.next((f) => f.includes("joined the conversation"));
    const { socket: second } = await visitorSocket(ctx);
    second.send({ type: "send", clientId: clientId(), body: "second" });
    expect(await second.next((f) => f.includes('id="queue-position"'))).toContain("You are next in line.");
    const { socket: third } = await visitorSocket(ctx);
    third.send({ type: "send", clientId: clientId(), body: "third" });
    expect(await third.next((f) => f.includes('id="queue-position"'))).toContain("1 ahead of you in line.");
    const busy = ctx.sqlite.query("SELECT id FROM conversations WHERE agent_id = ?").get(agent.id) as { id: number };
    const mark = third.frames.length;
    expect((await client.post(`/console/conversations/${busy.id}/close`)).status).toBe(200);
    await second.next((f) => f.includes("joined the conversation"));
    expect(await third.next((f) => f.includes('id="queue-position"'), 2000, mark)).toContain("You are next in line.");
  });

  it("refuses a blocked visitor's messages at once and shows them only that chat is unavailable", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "admin");
    await agentSocket(ctx, client.cookie!);
    const { socket: visitor, cookie } = await visitorSocket(ctx);
    visitor.send({ type: "send", clientId: clientId(), body: "before" });
    await visitor.next((f) => f.includes("joined the conversation"));
    const conversation = ctx.sqlite.query("SELECT id, visitor_id FROM conversations").get() as { id: number; visitor_id: number };
    expect((await client.post(`/console/conversations/${conversation.id}/block`, { reason: "spam <b>links</b>" })).status).toBe(200);
    await visitor.next((f) => f === '{"type":"reload"}');
    visitor.send({ type: "send", clientId: clientId(), body: "after" });
    await visitor.next((f) => f.includes("Chat is not available."));
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM messages WHERE body = 'after'").get()).toEqual({ n: 0 });
    const page = await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}`, { headers: { cookie } });
    expect(page.status).toBe(403);
    const text = await page.text();
    expect(text).toContain("Chat is not available.");
    expect(text).not.toContain("spam");
    const list = await (await client.get("/console/blocked")).text();
    expect(list).toContain("spam &lt;b&gt;links&lt;/b&gt;");
    expect((await client.post(`/console/blocked/${conversation.visitor_id}/unblock`)).status).toBe(200);
    expect((await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}`, { headers: { cookie } })).status).toBe(200);
    expect(ctx.sqlite.query("SELECT action FROM audit_log ORDER BY id").all()).toEqual([
      { action: "visitor.blocked" },
      { action: "visitor.unblocked" },
    ]);
  });

  it("lets the visitor end the chat; writing again starts a new conversation", async () => {
    const ctx = start();
    const { socket: visitor } = await visitorSocket(ctx);
    visitor.send({ type: "send", clientId: clientId(), body: "first" });
    await visitor.next((f) => f.includes("first"));
    visitor.send({ type: "end" });
    await visitor.next((f) => f.includes("The conversation was closed"));
    visitor.send({ type: "send", clientId: clientId(), body: "second" });
    await visitor.next((f) => f.includes("second"));
    expect(ctx.sqlite.query("SELECT status FROM conversations ORDER BY id").all()).toEqual([{ status: "closed" }, { status: "queued" }]);
  });

  it("moves a transferred conversation to the receiving agent live, and tells the visitor who helps now", async () => {
    const ctx = start();
    const first = await signedIn(ctx, "agent", "first@example.com");
    await agentSocket(ctx, first.client.cookie!);
    const { socket: visitor } = await visitorSocket(ctx);
    visitor.send({ type: "send", clientId: clientId(), body: "help" });
    await visitor.next((f) => f.includes("joined the conversation"));
    const second = await signedIn(ctx, "agent", "second@example.com");
    const receiver = await agentSocket(ctx, second.client.cookie!);
    // The resume frame is handled asynchronously: wait until the receiver listens.
    while (ctx.app.server!.subscriberCount(topics.agent(second.agent.id, "en")) === 0) await Bun.sleep(5);
    const conversation = ctx.sqlite.query("SELECT id FROM conversations").get() as { id: number };
    const moved = await first.client.post(`/console/conversations/${conversation.id}/transfer`, { to: `agent:${second.agent.id}`, note: "knows returns" });
    expect(moved.status).toBe(200);
    // One frame: the conversation's line in their list with the alert that it was handed to them.
    const received = await receiver.next((f) => f.includes('hx-target="#my-conversations"') && f.includes(`conversation-${conversation.id}`));
    expect(received).toContain('id="agent-alert"');
    const told = await visitor.next((f) => f.includes("is now helping you"));
    expect(told).not.toContain("knows returns");
    const refused = await second.client.post(`/console/conversations/${conversation.id}/transfer`, { to: `agent:${first.agent.id}` });
    expect(refused.status).toBe(200);
    await visitor.next((f) => f.includes("first is now helping you"));
  });

  it("closes a socket without a visitor cookie with 4401", async () => {
    const ctx = start();
    const socket = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws`), { origin: ctx.base });
    expect((await socket.closedWith()).code).toBe(4401);
  });

  it("refuses an upgrade from another site's page", async () => {
    const ctx = start();
    const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
    const socket = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws`), { cookie, origin: "https://evil.example" });
    await expect(socket.opened).rejects.toThrow();
  });

  it("replays only what the page missed when it reconnects", async () => {
    const ctx = start();
    const { socket: first, cookie } = await visitorSocket(ctx);
    const ids = [clientId(), clientId(), clientId()];
    for (const id of ids) {
      first.send({ type: "send", clientId: id, body: id });
      await first.next((f) => f.includes(`message-${id}`));
    }
    const seqOf = (id: string) => Number((first.frames.find((f) => f.includes(`message-${id}"`)) ?? "").match(/data-seq="(\d+)"/)![1]);
    first.close();
    const again = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws`), { cookie, origin: ctx.base });
    await again.opened;
    again.send({ type: "resume", after: seqOf(ids[0]!) });
    const replay = await again.next((f) => f.includes("hx-upsert"));
    expect(replay).not.toContain(`message-${ids[0]}"`);
    expect(replay).toContain(`message-${ids[1]}"`);
    expect(replay).toContain(`message-${ids[2]}"`);
  });

  it("stores one message when the same client id is sent twice", async () => {
    const ctx = start();
    const { socket } = await visitorSocket(ctx);
    const id = clientId();
    socket.send({ type: "send", clientId: id, body: "once" });
    socket.send({ type: "send", clientId: id, body: "once" });
    await socket.next((f) => f.includes(`message-${id}`));
    // The retry is answered with the stored message, so a page whose first answer got lost
    // can still confirm its bubble.
    await socket.next((f) => f.includes(`message-${id}`), 2000, socket.frames.findIndex((f) => f.includes(`message-${id}`)) + 1);
    expect(ctx.db.select().from(messages).all().filter((m) => m.clientId === id)).toHaveLength(1);
  });

  it("answers a malformed or extended frame with an error and stores nothing", async () => {
    const ctx = start();
    const { socket } = await visitorSocket(ctx);
    socket.send("not json");
    socket.send({ type: "send", clientId: clientId(), body: "hi", conversationId: 1, visitorId: 1 });
    socket.send({ type: "send", clientId: "short", body: "hi" });
    socket.send({ type: "send", clientId: clientId(), body: "   " });
    socket.send({ type: "send", clientId: clientId(), body: "x".repeat(5001) });
    await socket.next((f) => f.includes("at most 5000 characters"));
    expect(socket.frames.filter((f) => f.includes('"type":"error"'))).toHaveLength(5);
    expect(ctx.db.select().from(messages).all()).toHaveLength(0);
  });

  it("closes a socket that sends a frame over 64 KB", async () => {
    const ctx = start();
    const { socket } = await visitorSocket(ctx);
    socket.send({ type: "send", clientId: clientId(), body: "x".repeat(70 * 1024) });
    expect((await socket.closedWith()).code).toBe(1009);
    expect(ctx.db.select().from(messages).all()).toHaveLength(0);
  });

  it("tells a visitor who sends more than 20 messages in 10 seconds to slow down, and stores only 20", async () => {
    const ctx = start();
    const { socket } = await visitorSocket(ctx);
    for (let i = 0; i < 21; i++) socket.send({ type: "send", clientId: clientId(), body: `message ${i}` });
    await socket.next((f) => f.includes("too fast"));
    await Bun.sleep(100);
    expect(ctx.db.select().from(messages).all().filter((m) => m.sender === "visitor")).toHaveLength(20);
  });

  it("never lets one visitor see another visitor's messages", async () => {
    const ctx = start();
    const { socket: alice } = await visitorSocket(ctx);
    const { socket: bob, cookie: bobCookie } = await visitorSocket(ctx);
    const secret = clientId();
    alice.send({ type: "send", clientId: secret, body: "alice's secret" });
    await alice.next((f) => f.includes(secret));
    bob.send({ type: "resume", after: 0 });
    await Bun.sleep(150);
    expect(bob.frames.join("")).not.toContain("alice's secret");
    const page = await (await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}`, { headers: { cookie: bobCookie } })).text();
    expect(page).not.toContain("alice's secret");
    const history = await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}/messages?before=1000`, { headers: { cookie: bobCookie } });
    expect(await history.text()).not.toContain("alice's secret");
  });
});

describe("the agent socket", () => {
  it("closes without a session with 4401", async () => {
    const ctx = start();
    const socket = new TestSocket(wsUrl(ctx, "/ws/agent"), { origin: ctx.base });
    expect((await socket.closedWith()).code).toBe(4401);
  });

  it("closes with 4404 for a conversation of another business", async () => {
    const ctx = start();
    const { socket: visitor } = await visitorSocket(ctx);
    visitor.send({ type: "send", clientId: clientId(), body: "hi" });
    await visitor.next((f) => f.includes("message mine"));
    const conversation = ctx.sqlite.query("SELECT id FROM conversations").get() as { id: number };
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "s" }).returning().get();
    await addAgent(ctx.db, { businessId: other.id, email: "intruder@example.com", name: "Intruder", role: "owner", password: "correct horse" });
    const colleagueSession = await signedIn(ctx, "agent", "colleague@example.com");
    const login = await fetch(`${ctx.base}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: ctx.base, "content-type": "application/x-www-form-urlencoded" },
      body: "email=intruder%40example.com&password=correct+horse",
    });
    const cookie = login.headers.getSetCookie()[0]!.split(";")[0]!;
    const socket = new TestSocket(wsUrl(ctx, `/ws/agent?conversation=${conversation.id}`), { cookie, origin: ctx.base });
    expect((await socket.closedWith()).code).toBe(4404);
    // A colleague in the same business may look at it.
    const colleague = new TestSocket(wsUrl(ctx, `/ws/agent?conversation=${conversation.id}`), { cookie: colleagueSession.client.cookie!, origin: ctx.base });
    await colleague.opened;
    colleague.send({ type: "resume", after: 0 });
    await colleague.next((f) => f.includes("hi"));
  });

  it("stops serving an agent as soon as they are disabled", async () => {
    const ctx = start();
    const { client: owner } = await signedIn(ctx, "owner");
    const { agent, client } = await signedIn(ctx, "agent");
    const socket = await agentSocket(ctx, client.cookie!);
    await owner.post(`/console/team/${agent.id}/disable`);
    socket.send({ type: "typing" });
    expect((await socket.closedWith()).code).toBe(4401);
  });

  it("queues a conversation when no agent is online and lets the first taker have it", async () => {
    const ctx = start();
    const first = await signedIn(ctx, "agent", "first@example.com");
    const second = await signedIn(ctx, "agent", "second@example.com");
    const { socket: visitor } = await visitorSocket(ctx);
    visitor.send({ type: "send", clientId: clientId(), body: "anyone?" });
    await visitor.next((f) => f.includes("message mine"));
    const conversation = ctx.sqlite.query("SELECT id, status FROM conversations").get() as { id: number; status: string };
    expect(conversation.status).toBe("queued");
    const [a, b] = await Promise.all([
      first.client.post(`/console/conversations/${conversation.id}/take`),
      second.client.post(`/console/conversations/${conversation.id}/take`),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const joined = await visitor.next((f) => f.includes("joined the conversation"));
    expect(joined).toContain("message event");
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM messages WHERE body = 'joined'").get()).toEqual({ n: 1 });
  });
});
