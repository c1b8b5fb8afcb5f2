import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { agents, conversations, messages } from "../../../src/db/schema";
import { setAvailability } from "../../../src/domain/agents";
import { apiTokenPrefix, createApiToken } from "../../../src/domain/api-tokens";
import { keyedHash } from "../../../src/domain/tokens";
import { blockAndClose, closeConversation } from "../../../src/domain/conversations";
import { ignoreEvents } from "../../../src/domain/events";
import { createGroup } from "../../../src/domain/groups";
import { sendVisitorMessage } from "../../../src/domain/messages";
import { addMember, chatting, listeningApps, signedIn, TestSocket, wsUrl } from "../../support";
import { apiCaller, clientId, type Ctx, errorOf, openConversation, otherShop, secret, setup } from "./support";

const ids = (body: { conversations: { id: number }[] }) => body.conversations.map((conversation) => conversation.id);
const conversationRow = (ctx: Ctx, id: number) => ctx.db.select().from(conversations).where(eq(conversations.id, id)).get()!;
const listening = listeningApps();

/** A colleague whose console is connected and who is available: someone a conversation can go to now. */
async function onlineColleague(ctx: ReturnType<typeof listening>, email = "colleague@example.com") {
  const { agent, client } = await signedIn(ctx, "agent", email);
  const console = new TestSocket(wsUrl(ctx, "/ws/agent"), { cookie: client.cookie!, origin: ctx.base });
  await console.opened;
  setAvailability(ctx.db, ctx.app.hub, agent.id, "online");
  return agent;
}

describe("listing conversations with filters", () => {
  it("narrows by status, agent, group, visitor and opening time, and pages within the filter", async () => {
    const ctx = await setup();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const group = createGroup(ctx.db, owner, "Sales");
    const mine = openConversation(ctx, ctx.agent.id);
    const waiting = openConversation(ctx, null);
    ctx.db.update(conversations).set({ groupId: group.id }).where(eq(conversations.id, waiting.conversation.id)).run();
    const closed = openConversation(ctx, ctx.agent.id);
    closeConversation(ctx.db, ignoreEvents, ctx.agent, closed.conversation.id);
    ctx.db.update(conversations).set({ openedAt: 1_000 }).where(eq(conversations.id, mine.conversation.id)).run();

    const list = async (query: string) => {
      const response = await ctx.api(`/conversations?${query}`);
      expect(response.status).toBe(200);
      return response.json();
    };
    expect(ids(await list("status=all"))).toEqual([closed.conversation.id, waiting.conversation.id, mine.conversation.id]);
    expect(ids(await list(""))).toEqual([mine.conversation.id]);
    expect(ids(await list(`status=all&agentId=${ctx.agent.id}`))).toEqual([closed.conversation.id, mine.conversation.id]);
    expect(ids(await list(`status=queued&groupId=${group.id}`))).toEqual([waiting.conversation.id]);
    expect(ids(await list(`status=all&visitorId=${waiting.visitor.id}`))).toEqual([waiting.conversation.id]);
    expect(ids(await list("status=all&openedSince=2000"))).toEqual([closed.conversation.id, waiting.conversation.id]);
    expect(ids(await list("status=all&openedUntil=2000"))).toEqual([mine.conversation.id]);
    const first = await list(`status=all&agentId=${ctx.agent.id}&limit=1`);
    expect(ids(first)).toEqual([closed.conversation.id]);
    expect(first.next).toBe(closed.conversation.id);
    const second = await list(`status=all&agentId=${ctx.agent.id}&limit=1&before=${first.next}`);
    expect(ids(second)).toEqual([mine.conversation.id]);
    expect(second.next).toBeNull();
  });

  it("refuses filters of the wrong kind with 400", async () => {
    const ctx = await setup();
    for (const query of ["status=done", "agentId=0", "groupId=x", "openedSince=-1", "openedUntil=soon", "limit=101"]) {
      const response = await ctx.api(`/conversations?${query}`);
      expect(response.status).toBe(400);
      await errorOf(response);
    }
  });

  it("never lists another shop's conversations, whatever the filter", async () => {
    const ctx = await setup();
    const other = await otherShop(ctx);
    const theirs = openConversation(ctx, other.agent.id, other.business.id);
    const body = await (await ctx.api(`/conversations?status=all&visitorId=${theirs.visitor.id}`)).json();
    expect(body.conversations).toEqual([]);
  });
});

describe("reading one conversation", () => {
  it("answers the conversation, and 404 for another shop's", async () => {
    const ctx = await setup();
    const { conversation } = openConversation(ctx, ctx.agent.id);
    const response = await ctx.api(`/conversations/${conversation.id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: conversation.id, status: "open", agentId: ctx.agent.id, channel: "widget" });
    const other = await otherShop(ctx);
    const theirs = openConversation(ctx, other.agent.id, other.business.id);
    const refused = await ctx.api(`/conversations/${theirs.conversation.id}`);
    expect(refused.status).toBe(404);
    expect(await errorOf(refused)).toBe("There is no such conversation in your shop.");
  });
});

describe("assigning a waiting conversation", () => {
  it("lets an agent take it by assigning it to themselves", async () => {
    const ctx = await setup();
    const { conversation } = openConversation(ctx, null);
    const response = await ctx.api(`/conversations/${conversation.id}/assign`, { method: "POST", json: { agentId: ctx.agent.id } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "open", agentId: ctx.agent.id });
    const again = await ctx.api(`/conversations/${conversation.id}/assign`, { method: "POST", json: { agentId: ctx.agent.id } });
    expect(again.status).toBe(409);
  });

  it("lets a manager give it to a colleague who is online, and refuses one who is not", async () => {
    const ctx = listening();
    const admin = await setup(ctx, "admin");
    const colleague = await onlineColleague(ctx);
    const away = await addMember(ctx, "agent", "away@example.com");
    const { conversation } = openConversation(ctx, null);
    const refused = await admin.api(`/conversations/${conversation.id}/assign`, { method: "POST", json: { agentId: away.id } });
    expect(refused.status).toBe(409);
    expect(await errorOf(refused)).toContain("not online");
    expect(conversationRow(ctx, conversation.id).status).toBe("queued");
    const response = await admin.api(`/conversations/${conversation.id}/assign`, { method: "POST", json: { agentId: colleague.id } });
    expect(response.status).toBe(200);
    expect(conversationRow(ctx, conversation.id)).toMatchObject({ status: "open", agentId: colleague.id });
  });

  it("refuses an agent giving it to someone else, and an agent of another shop", async () => {
    const ctx = listening();
    const agent = await setup(ctx);
    const colleague = await onlineColleague(ctx);
    const { conversation } = openConversation(ctx, null);
    const refused = await agent.api(`/conversations/${conversation.id}/assign`, { method: "POST", json: { agentId: colleague.id } });
    expect(refused.status).toBe(409);
    expect(await errorOf(refused)).toContain("Only owners and admins");
    const admin = await setup(ctx, "admin");
    const other = await otherShop(ctx);
    const stranger = await admin.api(`/conversations/${conversation.id}/assign`, { method: "POST", json: { agentId: other.agent.id } });
    expect(stranger.status).toBe(404);
    expect(await errorOf(stranger)).toBe("There is no such agent in your shop.");
    expect(conversationRow(ctx, conversation.id).status).toBe("queued");
  });
});

describe("transferring a conversation", () => {
  it("sends it to a group, where it waits again, with the note in the thread", async () => {
    const ctx = await setup();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const group = createGroup(ctx.db, owner, "Billing");
    const { conversation } = openConversation(ctx, ctx.agent.id);
    const response = await ctx.api(`/conversations/${conversation.id}/transfer`, { method: "POST", json: { groupId: group.id, note: "refund" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "queued", agentId: null, groupId: group.id });
    const event = ctx.db.select().from(messages).where(eq(messages.conversationId, conversation.id)).all().at(-1)!;
    expect(event).toMatchObject({ sender: "system", body: "transferred" });
    expect(event.meta).toMatchObject({ groupName: "Billing", note: "refund" });
  });

  it("sends it to a colleague who is online", async () => {
    const ctx = listening();
    const agent = await setup(ctx);
    const colleague = await onlineColleague(ctx);
    const { conversation } = openConversation(ctx, agent.agent.id);
    const response = await agent.api(`/conversations/${conversation.id}/transfer`, { method: "POST", json: { agentId: colleague.id } });
    expect(response.status).toBe(200);
    expect(conversationRow(ctx, conversation.id)).toMatchObject({ status: "open", agentId: colleague.id });
  });

  it("wants exactly one receiver, refuses someone else's conversation, and another shop's group", async () => {
    const ctx = await setup();
    const { conversation } = openConversation(ctx, ctx.agent.id);
    const none = await ctx.api(`/conversations/${conversation.id}/transfer`, { method: "POST", json: {} });
    expect(none.status).toBe(422);
    const both = await ctx.api(`/conversations/${conversation.id}/transfer`, { method: "POST", json: { agentId: 1, groupId: 1 } });
    expect(both.status).toBe(422);
    const other = await otherShop(ctx);
    const theirGroup = createGroup(ctx.db, other.agent, "Theirs");
    const stranger = await ctx.api(`/conversations/${conversation.id}/transfer`, { method: "POST", json: { groupId: theirGroup.id } });
    expect(stranger.status).toBe(404);
    expect(await errorOf(stranger)).toBe("There is no such group in your shop.");
    const colleague = await addMember(ctx, "agent", "colleague@example.com");
    const theirs = openConversation(ctx, colleague.id);
    const notMine = await ctx.api(`/conversations/${theirs.conversation.id}/transfer`, { method: "POST", json: { agentId: ctx.agent.id } });
    expect(notMine.status).toBe(409);
    expect(conversationRow(ctx, conversation.id)).toMatchObject({ status: "open", agentId: ctx.agent.id });
  });
});

describe("reopening a conversation", () => {
  it("opens a closed conversation again with the token's agent, noted in the thread", async () => {
    const ctx = await setup();
    const { conversation } = openConversation(ctx, ctx.agent.id);
    await ctx.api(`/conversations/${conversation.id}/close`, { method: "POST" });
    const response = await ctx.api(`/conversations/${conversation.id}/reopen`, { method: "POST" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: conversation.id, status: "open", agentId: ctx.agent.id, closedAt: null });
    const event = ctx.db.select().from(messages).where(eq(messages.conversationId, conversation.id)).all().at(-1)!;
    expect(event).toMatchObject({ sender: "system", body: "reopened" });
    const sent = await ctx.send(conversation.id, { body: "We found your parcel.", clientId: clientId() });
    expect(sent.status).toBe(201);
  });

  it("tells the agent's console and the visitor's chat, as any reopening would", async () => {
    const ctx = listening();
    const { lobby, visitor, conversationId: id } = await chatting(ctx);
    const agent = ctx.db.select().from(agents).where(eq(agents.email, "agent@example.com")).get()!;
    const api = apiCaller(ctx, createApiToken(ctx.db, secret, agent.id, "desk").token);
    expect((await api(`/conversations/${id}/close`, { method: "POST" })).status).toBe(200);
    const closedAt = lobby.frames.length;
    expect((await api(`/conversations/${id}/reopen`, { method: "POST" })).status).toBe(200);
    await lobby.next((frame) => frame.includes('hx-target="#my-conversations"') && frame.includes(`conversation-${id}`), 2000, closedAt);
    await visitor.next((frame) => frame.includes("The conversation was reopened"));
  });

  it("refuses a conversation still open, one the visitor has moved on from, and one of a blocked visitor", async () => {
    const ctx = await setup();
    const first = openConversation(ctx, ctx.agent.id);
    const open = await ctx.api(`/conversations/${first.conversation.id}/reopen`, { method: "POST" });
    expect(open.status).toBe(409);
    expect(await errorOf(open)).toContain("not closed");
    closeConversation(ctx.db, ignoreEvents, ctx.agent, first.conversation.id);
    sendVisitorMessage(ctx.db, ignoreEvents, first.visitor, { clientId: clientId(), body: "Me again" }, [ctx.agent.id]);
    const movedOn = await ctx.api(`/conversations/${first.conversation.id}/reopen`, { method: "POST" });
    expect(movedOn.status).toBe(409);
    expect(await errorOf(movedOn)).toContain("newer conversation");
    const blocked = openConversation(ctx, ctx.agent.id);
    blockAndClose(ctx.db, ignoreEvents, ctx.agent, blocked.visitor.id, "spam", { ip: false });
    const refused = await ctx.api(`/conversations/${blocked.conversation.id}/reopen`, { method: "POST" });
    expect(refused.status).toBe(409);
    expect(conversationRow(ctx, blocked.conversation.id).status).toBe("closed");
  });

  it("is not found for another shop's conversation", async () => {
    const ctx = await setup();
    const other = await otherShop(ctx);
    const theirs = openConversation(ctx, other.agent.id, other.business.id);
    closeConversation(ctx.db, ignoreEvents, other.agent, theirs.conversation.id);
    expect((await ctx.api(`/conversations/${theirs.conversation.id}/reopen`, { method: "POST" })).status).toBe(404);
    expect(conversationRow(ctx, theirs.conversation.id).status).toBe("closed");
  });
});

describe("reading messages backwards", () => {
  it("pages back from the newest with before, each page oldest first", async () => {
    const ctx = await setup();
    const opened = openConversation(ctx, ctx.agent.id);
    for (const body of ["two", "three", "four"]) sendVisitorMessage(ctx.db, ignoreEvents, opened.visitor, { clientId: clientId(), body }, []);
    const all = ctx.db.select().from(messages).where(eq(messages.conversationId, opened.conversation.id)).all();
    const newest = all.at(-1)!.id;
    const first = await (await ctx.api(`/conversations/${opened.conversation.id}/messages?before=${newest + 1}&limit=2`)).json();
    expect(first.messages.map((m: { body: string }) => m.body)).toEqual(["three", "four"]);
    expect(first.next).toBe(first.messages[0].id);
    const second = await (await ctx.api(`/conversations/${opened.conversation.id}/messages?before=${first.next}&limit=100`)).json();
    expect(second.messages.map((m: { id: number }) => m.id)).toEqual(all.slice(0, -2).map((m) => m.id));
    expect(second.next).toBeNull();
    const both = await ctx.api(`/conversations/${opened.conversation.id}/messages?before=5&after=1`);
    expect(both.status).toBe(422);
    expect(await errorOf(both)).toContain("not both");
  });
});

describe("a read-only token", () => {
  it("reads everything but is refused every change with 403 naming the write scope, changing nothing", async () => {
    const ctx = await setup(undefined, "owner", { scope: "read" });
    const { conversation } = openConversation(ctx, ctx.agent.id);
    expect((await ctx.api("/conversations")).status).toBe(200);
    expect((await ctx.api(`/conversations/${conversation.id}/messages`)).status).toBe(200);
    const attempts: [string, unknown][] = [
      [`/conversations/${conversation.id}/messages`, { body: "hi", clientId: clientId() }],
      [`/conversations/${conversation.id}/close`, undefined],
      [`/conversations/${conversation.id}/reopen`, undefined],
      [`/conversations/${conversation.id}/assign`, { agentId: ctx.agent.id }],
      [`/conversations/${conversation.id}/transfer`, { groupId: 1 }],
    ];
    for (const [path, json] of attempts) {
      const response = await ctx.api(path, { method: "POST", json });
      expect(response.status).toBe(403);
      expect(await errorOf(response)).toContain("needs a token with the write scope");
    }
    expect(conversationRow(ctx, conversation.id).status).toBe("open");
    const zh = await ctx.api(`/conversations/${conversation.id}/close`, { method: "POST", headers: { "accept-language": "zh-CN" } });
    expect(await errorOf(zh)).toContain("写入权限");
  });

  it("keeps working for tokens made before scopes, which are write tokens", async () => {
    const ctx = await setup();
    // A row as the table held it before scope and requests_per_minute existed: their defaults apply.
    const token = `${apiTokenPrefix}from-before-scopes`;
    ctx.sqlite.query("INSERT INTO api_tokens (agent_id, name, token_hash) VALUES (?, 'old', ?)").run(ctx.agent.id, keyedHash(secret, token));
    const { conversation } = openConversation(ctx, ctx.agent.id);
    const response = await ctx.api(`/conversations/${conversation.id}/close`, { method: "POST", token });
    expect(response.status).toBe(200);
    expect(response.headers.get("ratelimit-limit")).toBe("1200");
  });
});
