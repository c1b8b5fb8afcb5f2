import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { businesses, conversations, messages, visitors } from "../../src/db/schema";
import { type ListeningApp, listeningApps, signedIn, TestSocket, visitChat, wsUrl } from "../support";

const start = listeningApps();
const htmx = { "hx-request": "true" };

/** A visitor with the shop's chat open: a chat page whose socket is connected. */
async function onlineVisitor(ctx: ListeningApp, widgetKey = ctx.business.widgetKey) {
  const cookie = await visitChat(ctx.base, widgetKey);
  const socket = new TestSocket(wsUrl(ctx, `/chat/${widgetKey}/ws`), { cookie, origin: ctx.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  // Frames are handled in order: once this one is refused, the page follows its thread.
  socket.send({ type: "ping" });
  await socket.next((frame) => frame.includes('"type":"error"'));
  const visitor = ctx.db.select().from(visitors).all().at(-1)!;
  expect(ctx.app.hub.visitors.isOnline(visitor.id)).toBe(true);
  return { socket, visitor, cookie };
}

async function agentSocket(ctx: ListeningApp, cookie: string) {
  const socket = new TestSocket(wsUrl(ctx, "/ws/agent"), { cookie, origin: ctx.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  socket.send({ type: "ping" });
  await socket.next((frame) => frame.includes('"type":"error"'));
  return socket;
}

async function waitUntil(condition: () => boolean, ms = 2000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(10);
  }
}

describe("the live visitors page", () => {
  it("lists the business's online visitors with their page, language and time zone, and refreshes itself", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    const { visitor } = await onlineVisitor(ctx);
    ctx.db
      .update(visitors)
      .set({ name: "Wang Fang", currentPage: "https://shop.example/tea", pageTitle: "Oolong <tea>", language: "zh-CN", timezone: "Asia/Shanghai" })
      .where(eq(visitors.id, visitor.id))
      .run();
    const page = await (await client.get("/console/visitors")).text();
    expect(page).toContain('aria-current="page"');
    expect(page).toContain(`id="live-visitor-${visitor.id}"`);
    expect(page).toContain("Wang Fang");
    expect(page).toContain('<a href="https://shop.example/tea" target="_blank" rel="noopener noreferrer">Oolong &lt;tea&gt;</a>');
    expect(page).toContain("zh-CN · Asia/Shanghai");
    expect(page).toContain("&lt; 1 min");
    expect(page).toContain("Online now: 1");
    expect(page).toContain('hx-get="/console/visitors/list" hx-trigger="every 5s');
    expect(page).toContain(`hx-get="/console/visitors/${visitor.id}/message"`);
    const list = await (await client.get("/console/visitors/list", htmx)).text();
    expect(list).toStartWith('<div id="live-visitors"');
    expect(list).toContain(`id="live-visitor-${visitor.id}"`);
  });

  it("never shows another business's online visitors", async () => {
    const ctx = start();
    ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-shop", identitySecret: "x" }).run();
    const { client } = await signedIn(ctx, "agent");
    const { visitor: theirs } = await onlineVisitor(ctx, "other-shop");
    const { visitor: ours } = await onlineVisitor(ctx);
    const list = await (await client.get("/console/visitors/list")).text();
    expect(list).toContain(`id="live-visitor-${ours.id}"`);
    expect(list).not.toContain(`id="live-visitor-${theirs.id}"`);
    expect(list).toContain("Online now: 1");
  });

  it("drops a visitor who closed their page, after the grace period", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    const { socket, visitor } = await onlineVisitor(ctx);
    socket.close();
    await waitUntil(() => !ctx.app.hub.visitors.isOnline(visitor.id));
    const list = await (await client.get("/console/visitors/list")).text();
    expect(list).not.toContain(`id="live-visitor-${visitor.id}"`);
    expect(list).toContain("Nobody has your chat open right now.");
  });

  it("says who talks with a visitor instead of offering to start a chat", async () => {
    const ctx = start();
    const { agent, client } = await signedIn(ctx, "agent");
    const { agent: colleague } = await signedIn(ctx, "admin", "mei@example.com");
    const { visitor: mine } = await onlineVisitor(ctx);
    const { visitor: theirs } = await onlineVisitor(ctx);
    const { visitor: waiting } = await onlineVisitor(ctx);
    const open = (visitorId: number, agentId: number | null, status: "open" | "queued") =>
      ctx.db.insert(conversations).values({ businessId: ctx.business.id, visitorId, agentId, status }).returning().get();
    const myConversation = open(mine.id, agent.id, "open");
    open(theirs.id, colleague.id, "open");
    open(waiting.id, null, "queued");
    const list = await (await client.get("/console/visitors/list")).text();
    expect(list).toContain(`<a href="/console/conversations/${myConversation.id}" class="chat-state open">Chatting with you</a>`);
    expect(list).toContain("Chatting with mei");
    expect(list).toContain("Waiting in the queue");
    expect(list).not.toContain("/message\"");
  });

  it("shows the newest 200 when more are online, and counts them all", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    const rows = Array.from({ length: 250 }, (_, i) => ({ businessId: ctx.business.id, externalId: `bulk-${i}` }));
    const ids = ctx.db.insert(visitors).values(rows).returning({ id: visitors.id }).all().map((row) => row.id);
    // Presence is what the sockets report; here it is told directly, as the sockets would.
    for (const id of ids) ctx.app.hub.visitors.connected(id);
    const list = await (await client.get("/console/visitors/list")).text();
    expect(list).toContain("Online now: 250");
    expect(list).toContain("(showing the 200 newest)");
    expect(list.match(/id="live-visitor-/g)).toHaveLength(200);
  });
});

describe("writing first to a live visitor", () => {
  it("starts an open conversation assigned to the agent, pushes the message to the visitor, and takes the agent there", async () => {
    const ctx = start();
    const { agent, client } = await signedIn(ctx, "agent");
    const lobby = await agentSocket(ctx, client.cookie!);
    const { socket, visitor } = await onlineVisitor(ctx);
    const form = await (await client.get(`/console/visitors/${visitor.id}/message`, htmx)).text();
    const clientId = form.match(/name="clientId" value="([^"]+)"/)![1]!;
    const response = await client.post(`/console/visitors/${visitor.id}/message`, { body: "Hello! Need help choosing <tea>?", clientId }, htmx);
    expect(response.status).toBe(200);
    const conversation = ctx.db.select().from(conversations).where(eq(conversations.visitorId, visitor.id)).get()!;
    expect(response.headers.get("hx-redirect")).toBe(`/console/conversations/${conversation.id}`);
    expect(conversation).toMatchObject({ status: "open", agentId: agent.id, channel: "widget", businessId: ctx.business.id });
    expect(conversation.firstResponseAt).not.toBeNull();
    const sent = ctx.db.select().from(messages).where(eq(messages.clientId, clientId)).get()!;
    expect(sent).toMatchObject({ sender: "agent", agentId: agent.id, body: "Hello! Need help choosing <tea>?" });
    expect(sent.meta).toMatchObject({ proactive: true, agentName: "agent" });
    // The visitor's page gets the message, marked as the one that opens their widget.
    const pushed = await socket.next((frame) => frame.includes(`id="message-${clientId}"`));
    expect(pushed).toContain("Need help choosing &lt;tea&gt;?");
    expect(pushed).toContain(`data-seq="${sent.id}" data-proactive>`);
    // The agent's list gains the conversation.
    await lobby.next((frame) => frame.includes('hx-target="#my-conversations"') && frame.includes(`conversation-${conversation.id}`));
  });

  it("answers a plain form post with a redirect to the new conversation", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    const { visitor } = await onlineVisitor(ctx);
    const response = await client.post(`/console/visitors/${visitor.id}/message`, { body: "Hi there" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toMatch(/^\/console\/conversations\/\d+$/);
  });

  it("starts one conversation when the same form is posted twice", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    const { visitor } = await onlineVisitor(ctx);
    const form = { body: "Hi there", clientId: "proactive-double-click" };
    const first = await client.post(`/console/visitors/${visitor.id}/message`, form, htmx);
    const second = await client.post(`/console/visitors/${visitor.id}/message`, form, htmx);
    expect(second.status).toBe(200);
    expect(second.headers.get("hx-redirect")).toBe(first.headers.get("hx-redirect"));
    expect(ctx.db.select().from(conversations).all()).toHaveLength(1);
    expect(ctx.db.select().from(messages).where(eq(messages.sender, "agent")).all()).toHaveLength(1);
  });

  it("is refused with 409 when the visitor already talks with someone else", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    const { agent: colleague } = await signedIn(ctx, "agent", "mei@example.com");
    const { visitor } = await onlineVisitor(ctx);
    ctx.db.insert(conversations).values({ businessId: ctx.business.id, visitorId: visitor.id, agentId: colleague.id, status: "open" }).run();
    const response = await client.post(`/console/visitors/${visitor.id}/message`, { body: "Hi, can I help?" }, htmx);
    expect(response.status).toBe(409);
    const fragment = await response.text();
    expect(fragment).toContain("This visitor is already waiting or chatting with someone.");
    expect(fragment).toContain(">Hi, can I help?</textarea>");
    expect(ctx.db.select().from(conversations).all()).toHaveLength(1);
    expect(ctx.db.select().from(messages).all()).toHaveLength(0);
  });

  it("is refused with 409 when the agent already has as many conversations as they may", async () => {
    const ctx = start();
    const { agent, client } = await signedIn(ctx, "agent");
    ctx.sqlite.run("UPDATE agents SET max_concurrent_chats = 1");
    const { visitor: busy } = await onlineVisitor(ctx);
    ctx.db.insert(conversations).values({ businessId: ctx.business.id, visitorId: busy.id, agentId: agent.id, status: "open" }).run();
    const { visitor } = await onlineVisitor(ctx);
    const response = await client.post(`/console/visitors/${visitor.id}/message`, { body: "Hi, can I help?" }, htmx);
    expect(response.status).toBe(409);
    expect(await response.text()).toContain("You already have as many open conversations as your limit allows.");
    expect(ctx.db.select().from(conversations).where(eq(conversations.visitorId, visitor.id)).all()).toHaveLength(0);
  });

  it("refuses an empty message with 422 and changes nothing", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    const { visitor } = await onlineVisitor(ctx);
    const response = await client.post(`/console/visitors/${visitor.id}/message`, { body: "   " }, htmx);
    expect(response.status).toBe(422);
    expect(ctx.db.select().from(conversations).all()).toHaveLength(0);
  });

  it("does not find another business's visitor", async () => {
    const ctx = start();
    ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-shop", identitySecret: "x" }).run();
    const { client } = await signedIn(ctx, "owner");
    const { visitor: theirs, socket } = await onlineVisitor(ctx, "other-shop");
    expect((await client.get(`/console/visitors/${theirs.id}/message`, htmx)).status).toBe(404);
    expect((await client.post(`/console/visitors/${theirs.id}/message`, { body: "Hello from a stranger" }, htmx)).status).toBe(404);
    expect(ctx.db.select().from(conversations).all()).toHaveLength(0);
    await Bun.sleep(50);
    expect(socket.frames.some((frame) => frame.includes("Hello from a stranger"))).toBe(false);
  });
});
