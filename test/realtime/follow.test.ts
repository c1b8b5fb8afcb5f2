// One agent socket carrying all of the agent's conversations: `follow` subscribes it to each one
// they have (and to those assigned later), frames name the conversation they are about, and each
// frame is authorised by the business's scope and the conversation's assignee.
import { describe, expect, it } from "bun:test";
import { messages } from "../../src/db/schema";
import { eq } from "drizzle-orm";
import { type ListeningApp, listeningApps, signedIn, TestSocket, visitChat, wsUrl } from "../support";

const start = listeningApps();
const clientId = () => crypto.randomUUID();

async function openSocket(ctx: ListeningApp, path: string, cookie: string) {
  const socket = new TestSocket(wsUrl(ctx, path), { cookie, origin: ctx.base });
  await socket.opened;
  return socket;
}

/** A visitor who wrote `body`, once their conversation has an agent. */
async function visitorWriting(ctx: ListeningApp, body: string) {
  const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
  const socket = await openSocket(ctx, `/chat/${ctx.business.widgetKey}/ws`, cookie);
  socket.send({ type: "resume", after: 0 });
  socket.send({ type: "send", clientId: clientId(), body });
  await socket.next((f) => f.includes("joined the conversation"));
  const { id } = ctx.sqlite.query("SELECT c.id FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE m.body = ?").get(body) as { id: number };
  return { socket, conversationId: id };
}

/** The agent's one socket, following everything they have. */
async function following(ctx: ListeningApp, cookie: string, after = 0) {
  const socket = await openSocket(ctx, "/ws/agent", cookie);
  socket.send({ type: "follow", after });
  return socket;
}

describe("an agent socket that follows", () => {
  it("carries every conversation the agent has, each message naming its conversation, and answers in the one each reply names", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    const agent = await following(ctx, client.cookie!);
    const first = await visitorWriting(ctx, "first visitor here");
    const second = await visitorWriting(ctx, "second visitor here");
    // Both arrive, the opening message too, each with its conversation.
    const one = await agent.next((f) => f.includes("first visitor here"));
    const two = await agent.next((f) => f.includes("second visitor here"));
    expect(one).toContain(`data-conversation="${first.conversationId}"`);
    expect(two).toContain(`data-conversation="${second.conversationId}"`);

    const toFirst = clientId();
    const toSecond = clientId();
    agent.send({ type: "send", conversation: first.conversationId, clientId: toFirst, body: "answer one" });
    agent.send({ type: "send", conversation: second.conversationId, clientId: toSecond, body: "answer two" });
    expect(await first.socket.next((f) => f.includes(toFirst))).toContain("answer one");
    expect(await second.socket.next((f) => f.includes(toSecond))).toContain("answer two");
    // The agent's own confirmations come back on the same socket.
    await agent.next((f) => f.includes(toFirst));
    await agent.next((f) => f.includes(toSecond));
    expect(first.socket.frames.some((f) => f.includes(toSecond))).toBe(false);
    expect(second.socket.frames.some((f) => f.includes(toFirst))).toBe(false);
  });

  it("catches up from `after` when it follows again, and stops carrying a conversation once it is closed", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    const agent = await following(ctx, client.cookie!);
    const visitor = await visitorWriting(ctx, "before the drop");
    await agent.next((f) => f.includes("before the drop"));
    agent.close();
    const { id: lastSeen } = ctx.sqlite.query("SELECT max(id) AS id FROM messages").get() as { id: number };
    visitor.socket.send({ type: "send", clientId: clientId(), body: "while the agent was away" });
    await visitor.socket.next((f) => f.includes("while the agent was away"));

    const again = await following(ctx, client.cookie!, lastSeen);
    const replay = await again.next((f) => f.includes("while the agent was away"));
    expect(replay).not.toContain("before the drop");

    const closed = await fetch(`${ctx.base}/console/conversations/${visitor.conversationId}/close`, {
      method: "POST",
      headers: { cookie: client.cookie!, origin: ctx.base },
    });
    expect(closed.status).toBeLessThan(400);
    const after = again.frames.length;
    visitor.socket.send({ type: "send", clientId: clientId(), body: "a new conversation starts" });
    await visitor.socket.next((f) => f.includes("a new conversation starts"));
    // The new conversation is the agent's again (they are the only one online): it arrives as its own.
    const reopened = await again.next((f) => f.includes("a new conversation starts"), 2000, after);
    expect(reopened).not.toContain(`data-conversation="${visitor.conversationId}"`);
  });

  it("refuses a conversation of another agent or not in the shop, and stores nothing", async () => {
    const ctx = start();
    const first = await signedIn(ctx, "agent");
    const mine = await following(ctx, first.client.cookie!);
    const visitor = await visitorWriting(ctx, "for the first agent");
    await mine.next((f) => f.includes("for the first agent"));
    const colleague = await signedIn(ctx, "agent", "colleague@example.com");
    const theirs = await following(ctx, colleague.client.cookie!);

    const probe = clientId();
    theirs.send({ type: "send", conversation: visitor.conversationId, clientId: probe, body: "not mine to answer" });
    expect(JSON.parse(await theirs.next((f) => f.includes(probe)))).toMatchObject({ type: "error", clientId: probe });
    const elsewhere = clientId();
    theirs.send({ type: "send", conversation: 999_999, clientId: elsewhere, body: "nowhere" });
    expect(JSON.parse(await theirs.next((f) => f.includes(elsewhere)))).toMatchObject({ type: "error", clientId: elsewhere, message: "Not found." });
    expect(ctx.db.select().from(messages).where(eq(messages.clientId, probe)).all()).toHaveLength(0);
    expect(ctx.db.select().from(messages).where(eq(messages.clientId, elsewhere)).all()).toHaveLength(0);
    // The colleague's socket follows only their own (none): the first agent's thread never reached it.
    expect(theirs.frames.some((f) => f.includes("for the first agent"))).toBe(false);
  });

  it("is refused on a visitor's socket: a visitor's frame may not name a conversation", async () => {
    const ctx = start();
    const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
    const visitor = await openSocket(ctx, `/chat/${ctx.business.widgetKey}/ws`, cookie);
    visitor.send({ type: "follow", after: 0 });
    visitor.send({ type: "send", conversation: 1, clientId: clientId(), body: "probe" });
    await visitor.next((f) => f.includes("unknown frame"));
    await visitor.next((f) => f.includes("unknown frame"), 2000, visitor.frames.findIndex((f) => f.includes("unknown frame")) + 1);
    expect(ctx.db.select().from(messages).all()).toHaveLength(0);
  });
});
