// What the hub pushes to the workspace's lists and header (issue 11, A11 and A14): the owners'
// and admins' "All" list, never an agent's; and a renamed visitor's name over their thread.
import { describe, expect, it } from "bun:test";
import { setAvailability } from "../../src/domain/agents";
import { ignoreEvents } from "../../src/domain/events";
import { topics } from "../../src/realtime/topics";
import { type ListeningApp, listeningApps, signedIn, TestSocket, visitChat, wsUrl } from "../support";

const start = listeningApps();

async function agentSocket(ctx: ListeningApp, cookie: string, conversationId?: number) {
  const socket = new TestSocket(wsUrl(ctx, `/ws/agent${conversationId ? `?conversation=${conversationId}` : ""}`), { cookie, origin: ctx.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return socket;
}

async function visitorWrites(ctx: ListeningApp, body: string) {
  const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
  const socket = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws`), { cookie, origin: ctx.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  socket.send({ type: "send", clientId: crypto.randomUUID(), body });
  await socket.next((f) => f.includes(body) && f.includes("message mine"));
  return socket;
}

describe("the workspace's lists, live", () => {
  it("show every conversation in an owner's All list, with the visitor's words, and never push it to an agent", async () => {
    const ctx = start();
    const owner = await signedIn(ctx, "owner");
    // Away: the conversation goes to the agent, and the owner only looks on.
    setAvailability(ctx.db, ignoreEvents, owner.agent.id, "away");
    const agent = await signedIn(ctx, "agent");
    const ownerLobby = await agentSocket(ctx, owner.client.cookie!);
    const agentLobby = await agentSocket(ctx, agent.client.cookie!);
    while (ctx.app.server!.subscriberCount(topics.businessManagers(ctx.business.id, "en")) === 0) await Bun.sleep(5);
    await visitorWrites(ctx, "Do you ship abroad?");
    const { id } = ctx.sqlite.query("SELECT id FROM conversations").get() as { id: number };
    const item = await ownerLobby.next((f) => f.includes('hx-target="#all-conversations"'));
    expect(item).toContain(`id="all-conversation-${id}"`);
    expect(item).toContain('<span class="preview">Do you ship abroad?</span>');
    await agentLobby.next((f) => f.includes(`id="conversation-${id}"`));
    expect(agentLobby.frames.some((f) => f.includes("all-conversations"))).toBe(false);

    // Closed: it leaves the All list.
    expect((await agent.client.post(`/console/conversations/${id}/close`)).status).toBe(200);
    await ownerLobby.next((f) => f === JSON.stringify({ type: "remove", id: `all-conversation-${id}` }));
  });

  it("rename the visitor over their thread for every agent looking at it", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    await agentSocket(ctx, client.cookie!);
    await visitorWrites(ctx, "hello");
    const { id, visitorId } = ctx.sqlite.query("SELECT id, visitor_id AS visitorId FROM conversations").get() as { id: number; visitorId: number };
    const thread = await agentSocket(ctx, client.cookie!, id);
    await thread.next((f) => f.includes("hello"));
    const mark = thread.frames.length;
    expect((await client.post(`/console/visitors/${visitorId}/contact`, { name: "Li Lei", email: "", phone: "" })).status).toBe(200);
    const pushed = await thread.next((f) => f.includes('hx-target="#conversation-visitor-name"'), 2000, mark);
    expect(pushed).toContain('<strong id="conversation-visitor-name" class="conversation-name" title="Li Lei">Li Lei</strong>');
  });
});

describe("one frame per audience", () => {
  it("brings the agent a visitor's message as one frame: the list's line, the unread total and the alert", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    const lobby = await agentSocket(ctx, client.cookie!);
    const visitor = await visitorWrites(ctx, "first words");
    const { id } = ctx.sqlite.query("SELECT id FROM conversations").get() as { id: number };
    await lobby.next((f) => f.includes("first words"));
    // Quiet again: everything the opening brought has arrived.
    await Bun.sleep(100);
    const mark = lobby.frames.length;
    visitor.send({ type: "send", clientId: crypto.randomUUID(), body: "are you there?" });
    const frame = await lobby.next((f) => f.includes("are you there?"), 2000, mark);
    expect(frame).toContain(`id="conversation-${id}"`);
    expect(frame).toContain('hx-target="#unread-total"');
    expect(frame).toContain('id="agent-alert"');
    await Bun.sleep(100);
    expect(lobby.frames.length - mark).toBe(1);
  });

  it("counts each unread message once when several are committed together", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    const lobby = await agentSocket(ctx, client.cookie!);
    const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
    const visitor = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws`), { cookie, origin: ctx.base });
    await visitor.opened;
    visitor.send({ type: "resume", after: 0 });
    // Sent in one go: the first opens the conversation, and all three commit in one batch.
    const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    ids.forEach((clientId, i) => visitor.send({ type: "send", clientId, body: `line ${i}` }));
    for (const clientId of ids) await visitor.next((f) => f.includes(clientId));
    await lobby.next((f) => f.includes("line 2") && f.includes('id="unread-total"'));
    await Bun.sleep(100);
    const badges = lobby.frames.flatMap((f) => [...f.matchAll(/<span id="unread-total" class="unread" >(\d+)<\/span>/g)].map((m) => Number(m[1])));
    expect(badges.at(-1)).toBe(3);
    expect(Math.max(...badges)).toBe(3);
  });
});
