import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { apiTokens, messages } from "../../src/db/schema";
import { setAgentDisabled } from "../../src/domain/agents";
import { createApiToken } from "../../src/domain/api-tokens";
import { closeConversation } from "../../src/domain/conversations";
import { ignoreEvents } from "../../src/domain/events";
import { sendVisitorMessage } from "../../src/domain/messages";
import { addMember, Client, listeningApp, origin, signedIn, TestSocket, testApp } from "../support";
import { clientId, type Ctx, errorOf, openConversation, otherShop, secret, setup } from "./api/support";

const storedRows = (ctx: Ctx, conversationId: number) => ctx.db.select().from(messages).where(eq(messages.conversationId, conversationId)).all();

describe("API tokens on the profile page", () => {
  it("creates a token, shows it once with a copy button, and lists it afterwards without it", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const response = await client.post("/console/profile/api-tokens", { name: "Zapier" }, { "hx-request": "true" });
    expect(response.status).toBe(200);
    const section = await response.text();
    expect(section).toStartWith('<section class="card panel" id="api-tokens">');
    const token = section.match(/id="new-api-token"[^>]*>(kefu_[A-Za-z0-9_-]+)</)?.[1];
    expect(token).toBeDefined();
    expect(section).toContain("navigator.clipboard.writeText");
    const page = await (await client.get("/console/profile")).text();
    expect(page).toContain("API tokens");
    expect(page).toContain("<td>Zapier</td>");
    expect(page).not.toContain(token!);
    const use = await ctx.app.handle(new Request(`${origin}/api/v1/conversations`, { headers: { authorization: `Bearer ${token}` } }));
    expect(use.status).toBe(200);
    expect(await (await client.get("/console/profile")).text()).not.toContain(">never<");
  });

  it("makes a token with the scope and limit chosen, and lists both", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const form = await (await client.get("/console/profile")).text();
    expect(form).toMatch(/<input type="radio" name="scope" value="read"\s+checked>/);
    expect(form).toContain('name="requestsPerMinute" value="1200"');
    const response = await client.post("/console/profile/api-tokens", { name: "Dashboard", scope: "read", requestsPerMinute: "60" }, { "hx-request": "true" });
    expect(response.status).toBe(200);
    const section = await response.text();
    expect(section).toContain('<span class="badge">Read only</span>');
    expect(section).toContain("60/min");
    expect(ctx.db.select().from(apiTokens).get()).toMatchObject({ name: "Dashboard", scope: "read", requestsPerMinute: 60 });
  });

  it("refuses a scope or a limit out of bounds, keeping what was typed", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const limit = await client.post("/console/profile/api-tokens", { name: "Sync", scope: "write", requestsPerMinute: "99999" }, { "hx-request": "true" });
    expect(limit.status).toBe(422);
    const section = await limit.text();
    expect(section).toContain("Enter a whole number of requests from 10 to 6000.");
    expect(section).toContain('value="Sync"');
    expect(section).toMatch(/value="write"\s+checked/);
    const scope = await client.post("/console/profile/api-tokens", { name: "Sync", scope: "root", requestsPerMinute: "100" }, { "hx-request": "true" });
    expect(scope.status).toBe(422);
    expect(await scope.text()).toContain("Choose read only, or read and write.");
    expect(ctx.db.select().from(apiTokens).all()).toEqual([]);
  });

  it("answers a plain form post with the whole profile page", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const response = await client.post("/console/profile/api-tokens", { name: "cron job" });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain("<html");
    expect(page).toContain('action="/console/profile/password"');
    expect(page).toMatch(/id="new-api-token"[^>]*>kefu_/);
  });

  it("refuses a blank or too long name, and a token past the limit", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const blank = await client.post("/console/profile/api-tokens", { name: "  " }, { "hx-request": "true" });
    expect(blank.status).toBe(422);
    expect(await blank.text()).toContain("Enter a name.");
    const long = await client.post("/console/profile/api-tokens", { name: "x".repeat(81) }, { "hx-request": "true" });
    expect(long.status).toBe(422);
    expect(await long.text()).toContain("Use at most 80 characters.");
    for (let i = 0; i < 20; i++) createApiToken(ctx.db, secret, agent.id, `token ${i}`);
    const tooMany = await client.post("/console/profile/api-tokens", { name: "one more" }, { "hx-request": "true" });
    expect(tooMany.status).toBe(409);
    expect(await tooMany.text()).toContain("You already have 20 tokens");
    expect(ctx.db.select().from(apiTokens).all()).toHaveLength(20);
  });

  it("revokes the agent's own token, which stops working at once", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { apiToken, token } = createApiToken(ctx.db, secret, agent.id, "old script");
    const response = await client.post(`/console/profile/api-tokens/${apiToken.id}/revoke`, {}, { "hx-request": "true" });
    expect(response.status).toBe(200);
    const section = await response.text();
    expect(section).not.toContain("old script");
    expect(section).toContain("You have no API tokens yet.");
    const use = await ctx.app.handle(new Request(`${origin}/api/v1/conversations`, { headers: { authorization: `Bearer ${token}` } }));
    expect(use.status).toBe(401);
  });

  it("treats another agent's token as not found, and leaves it working", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const other = await addMember(ctx, "agent", "someone@example.com");
    const { apiToken, token } = createApiToken(ctx.db, secret, other.id, "theirs");
    const response = await client.post(`/console/profile/api-tokens/${apiToken.id}/revoke`, {}, { "hx-request": "true" });
    expect(response.status).toBe(404);
    // The agent's own (empty) list, never a glimpse of someone else's.
    const section = await response.text();
    expect(section).toContain('id="api-tokens"');
    expect(section).not.toContain("theirs");
    const use = await ctx.app.handle(new Request(`${origin}/api/v1/conversations`, { headers: { authorization: `Bearer ${token}` } }));
    expect(use.status).toBe(200);
  });

  it("refuses a token form posted from another site", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const response = await client.post("/console/profile/api-tokens", { name: "evil" }, { "sec-fetch-site": "cross-site" });
    expect(response.status).toBe(403);
    expect(ctx.db.select().from(apiTokens).all()).toEqual([]);
  });
});

describe("API authentication", () => {
  it("answers 401 with a JSON error and WWW-Authenticate when no token is sent", async () => {
    const ctx = await setup();
    const response = await ctx.api("/conversations", { headers: { authorization: "" } });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    expect(await errorOf(response)).toContain("Authorization: Bearer");
  });

  it("answers 401 to a wrong token, a token in another scheme and a token in the query", async () => {
    const ctx = await setup();
    expect((await ctx.api("/conversations", { headers: { authorization: "Bearer kefu_not-a-real-token" } })).status).toBe(401);
    expect((await ctx.api("/conversations", { headers: { authorization: `Basic ${ctx.token}` } })).status).toBe(401);
    expect((await ctx.api(`/conversations?token=${ctx.token}`, { headers: { authorization: "" } })).status).toBe(401);
    expect(await errorOf(await ctx.api("/conversations", { headers: { authorization: "Bearer kefu_nope" } }))).toContain("not valid");
  });

  it("ignores the session cookie: a signed-in browser without a token is refused", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const response = await client.get("/api/v1/conversations");
    expect(response.status).toBe(401);
  });

  it("refuses a revoked token and the token of a disabled agent", async () => {
    const ctx = await setup();
    const owner = await addMember(ctx, "owner", "owner@example.com");
    expect((await ctx.api("/conversations")).status).toBe(200);
    setAgentDisabled(ctx.db, ignoreEvents, owner, ctx.agent.id, true);
    expect((await ctx.api("/conversations")).status).toBe(401);
    setAgentDisabled(ctx.db, ignoreEvents, owner, ctx.agent.id, false);
    expect((await ctx.api("/conversations")).status).toBe(200);
    ctx.db.delete(apiTokens).run();
    expect((await ctx.api("/conversations")).status).toBe(401);
  });

  it("checks the token before the input, so a stranger learns nothing about it", async () => {
    const ctx = await setup();
    const response = await ctx.api("/conversations?limit=9999", { headers: { authorization: "" } });
    expect(response.status).toBe(401);
  });

  it("needs no Origin header: a bearer token cannot be sent by a foreign page", async () => {
    const ctx = await setup();
    const { conversation } = openConversation(ctx, ctx.agent.id);
    const response = await ctx.send(conversation.id, { body: "from a script", clientId: clientId() });
    expect(response.status).toBe(201);
  });

  it("notes when the token was last used", async () => {
    const ctx = await setup();
    const before = Date.now();
    await ctx.api("/conversations");
    expect(ctx.db.select().from(apiTokens).get()!.lastUsedAt).toBeGreaterThanOrEqual(before);
  });

  it("answers 429 with Retry-After once a token passes its own requests per minute, and tells the limit on every answer", async () => {
    const ctx = await setup();
    const { token: slow } = createApiToken(ctx.db, secret, ctx.agent.id, "slow", { requestsPerMinute: 10 });
    const call = (token: string) => ctx.api("/conversations", { headers: { authorization: `Bearer ${token}` } });
    for (let i = 1; i <= 10; i++) {
      const answer = await call(slow);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("ratelimit-limit")).toBe("10");
      expect(answer.headers.get("ratelimit-remaining")).toBe(String(10 - i));
    }
    const refused = await call(slow);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(refused.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    expect(await errorOf(refused)).toContain("Too many requests");
    // Another token of the same agent has its own count, at the default limit.
    const other = await call(ctx.token);
    expect(other.status).toBe(200);
    expect(other.headers.get("ratelimit-limit")).toBe("1200");
  });
});

describe("listing conversations", () => {
  it("lists the business's open conversations by default, newest first", async () => {
    const ctx = await setup();
    const first = openConversation(ctx, ctx.agent.id);
    const second = openConversation(ctx, ctx.agent.id);
    openConversation(ctx, null);
    const response = await ctx.api("/conversations");
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.next).toBeNull();
    expect(body.conversations.map((c: { id: number }) => c.id)).toEqual([second.conversation.id, first.conversation.id]);
    expect(body.conversations[0]).toEqual({
      id: second.conversation.id,
      status: "open",
      visitorId: second.visitor.id,
      agentId: ctx.agent.id,
      groupId: null,
      channel: "widget",
      sourcePage: null,
      lastMessageId: second.conversation.lastMessageId,
      openedAt: second.conversation.openedAt,
      assignedAt: second.conversation.assignedAt,
      firstResponseAt: null,
      closedAt: null,
      rating: null,
      ratingComment: null,
    });
  });

  it("filters by status", async () => {
    const ctx = await setup();
    const queued = openConversation(ctx, null);
    const closed = openConversation(ctx, ctx.agent.id);
    closeConversation(ctx.db, ignoreEvents, ctx.agent, closed.conversation.id);
    const ids = async (status: string) => (await (await ctx.api(`/conversations?status=${status}`)).json()).conversations.map((c: { id: number }) => c.id);
    expect(await ids("queued")).toEqual([queued.conversation.id]);
    expect(await ids("closed")).toEqual([closed.conversation.id]);
    expect(await ids("open")).toEqual([]);
  });

  it("pages by id with before and limit, and says where the next page starts", async () => {
    const ctx = await setup();
    const ids = Array.from({ length: 5 }, () => openConversation(ctx, ctx.agent.id).conversation.id).reverse();
    const page1 = await (await ctx.api("/conversations?limit=2")).json();
    expect(page1.conversations.map((c: { id: number }) => c.id)).toEqual(ids.slice(0, 2));
    expect(page1.next).toBe(ids[1]);
    const page2 = await (await ctx.api(`/conversations?limit=2&before=${page1.next}`)).json();
    expect(page2.conversations.map((c: { id: number }) => c.id)).toEqual(ids.slice(2, 4));
    const page3 = await (await ctx.api(`/conversations?limit=2&before=${page2.next}`)).json();
    expect(page3.conversations.map((c: { id: number }) => c.id)).toEqual(ids.slice(4));
    expect(page3.next).toBeNull();
  });

  it("never lists another business's conversations", async () => {
    const ctx = await setup();
    const other = await otherShop(ctx);
    openConversation(ctx, other.agent.id, other.business.id);
    const body = await (await ctx.api("/conversations")).json();
    expect(body).toEqual({ conversations: [], next: null });
  });
});

describe("reading messages", () => {
  it("returns the conversation's messages oldest first, after an id, a page at a time", async () => {
    const ctx = await setup();
    const opened = openConversation(ctx, ctx.agent.id, ctx.business.id, "first");
    for (const body of ["second", "third"]) {
      sendVisitorMessage(ctx.db, ignoreEvents, opened.visitor, { clientId: clientId(), body }, []);
    }
    const all = await (await ctx.api(`/conversations/${opened.conversation.id}/messages`)).json();
    // first, the agent joining (a system event), second, third
    expect(all.messages.map((m: { body: string }) => m.body)).toEqual(["first", "joined", "second", "third"]);
    expect(all.next).toBeNull();
    expect(all.messages[0]).toEqual({
      id: opened.message.id,
      conversationId: opened.conversation.id,
      sender: "visitor",
      agentId: null,
      kind: "text",
      body: "first",
      clientId: opened.message.clientId,
      createdAt: opened.message.createdAt,
      readAt: null,
      automatic: false,
    });
    const page = await (await ctx.api(`/conversations/${opened.conversation.id}/messages?after=${all.messages[0].id}&limit=2`)).json();
    expect(page.messages.map((m: { body: string }) => m.body)).toEqual(["joined", "second"]);
    expect(page.next).toBe(all.messages[2].id);
    const rest = await (await ctx.api(`/conversations/${opened.conversation.id}/messages?after=${page.next}`)).json();
    expect(rest.messages.map((m: { body: string }) => m.body)).toEqual(["third"]);
  });

  it("answers 404 for a conversation that does not exist", async () => {
    const ctx = await setup();
    const response = await ctx.api("/conversations/999/messages");
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toBe("There is no such conversation in your shop.");
  });
});

describe("sending a message", () => {
  it("stores the agent's message and answers 201 with it", async () => {
    const ctx = await setup();
    const { conversation } = openConversation(ctx, ctx.agent.id);
    const id = clientId();
    const response = await ctx.send(conversation.id, { body: "How can I help?", clientId: id });
    expect(response.status).toBe(201);
    const message = await response.json();
    expect(message).toMatchObject({ conversationId: conversation.id, sender: "agent", agentId: ctx.agent.id, kind: "text", body: "How can I help?", clientId: id });
    expect(storedRows(ctx, conversation.id).filter((m) => m.clientId === id)).toHaveLength(1);
  });

  it("returns the stored message with 200 when the clientId was already used, storing it once", async () => {
    const ctx = await setup();
    const { conversation } = openConversation(ctx, ctx.agent.id);
    const id = clientId();
    const first = await ctx.send(conversation.id, { body: "Once", clientId: id });
    const again = await ctx.send(conversation.id, { body: "Once", clientId: id });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect((await again.json()).id).toBe((await first.json()).id);
    expect(storedRows(ctx, conversation.id).filter((m) => m.clientId === id)).toHaveLength(1);
  });

  it("delivers the message to the visitor's open chat page at once", async () => {
    const ctx = listeningApp();
    try {
      const api = await setup(ctx);
      const opened = openConversation(ctx, api.agent.id);
      const socket = new TestSocket(`${ctx.base.replace("http", "ws")}/chat/${ctx.business.widgetKey}/ws`, {
        cookie: `kefu_visitor=${opened.visitorToken}`,
        origin: ctx.base,
      });
      await socket.opened;
      socket.send({ type: "resume", after: opened.conversation.lastMessageId });
      await Bun.sleep(50);
      const id = clientId();
      expect((await api.send(opened.conversation.id, { body: "Live from the API", clientId: id })).status).toBe(201);
      const frame = await socket.next((f) => f.includes(`id="message-${id}"`));
      expect(frame).toContain("Live from the API");
      socket.close();
    } finally {
      ctx.stop();
    }
  });

  it("refuses an empty, blank or too long body and a bad clientId with 422, storing nothing", async () => {
    const ctx = await setup();
    const { conversation } = openConversation(ctx, ctx.agent.id);
    const before = storedRows(ctx, conversation.id).length;
    const cases: [unknown, string, string][] = [
      [{ body: "", clientId: clientId() }, "body", "Write something first."],
      [{ body: "  \n ", clientId: clientId() }, "body", "Write something first."],
      [{ body: "x".repeat(5001), clientId: clientId() }, "body", "at most 5000 characters"],
      [{ body: "hi", clientId: "short" }, "clientId", "clientId must be 8 to 64"],
      [{ body: "hi", clientId: "has spaces in it" }, "clientId", "clientId must be 8 to 64"],
      [{ body: "hi", clientId: "x".repeat(65) }, "clientId", "clientId must be 8 to 64"],
    ];
    for (const [json, field, text] of cases) {
      const response = await ctx.send(conversation.id, json);
      expect(response.status).toBe(422);
      const body = await response.json();
      expect(body.field).toBe(field);
      expect(body.error).toContain(text);
    }
    expect(storedRows(ctx, conversation.id)).toHaveLength(before);
  });

  it("accepts a body of exactly 5000 characters, counted as characters not UTF-16 units", async () => {
    const ctx = await setup();
    const { conversation } = openConversation(ctx, ctx.agent.id);
    expect((await ctx.send(conversation.id, { body: "😀".repeat(5000), clientId: clientId() })).status).toBe(201);
  });

  it("answers 409 when the conversation is waiting, someone else's, or closed", async () => {
    const ctx = await setup();
    const colleague = await addMember(ctx, "agent", "colleague@example.com");
    const waiting = openConversation(ctx, null);
    const theirs = openConversation(ctx, colleague.id);
    const closed = openConversation(ctx, ctx.agent.id);
    closeConversation(ctx.db, ignoreEvents, ctx.agent, closed.conversation.id);
    for (const { conversation } of [waiting, theirs, closed]) {
      const response = await ctx.send(conversation.id, { body: "hi", clientId: clientId() });
      expect(response.status).toBe(409);
      await errorOf(response);
    }
    expect(await errorOf(await ctx.send(closed.conversation.id, { body: "hi", clientId: clientId() }))).toBe("This conversation is closed.");
    expect(await errorOf(await ctx.send(waiting.conversation.id, { body: "hi", clientId: clientId() }))).toContain("Take this conversation");
  });

  it("still answers a retry of a message sent before the conversation was closed", async () => {
    const ctx = await setup();
    const { conversation } = openConversation(ctx, ctx.agent.id);
    const id = clientId();
    const first = await (await ctx.send(conversation.id, { body: "Bye", clientId: id })).json();
    await ctx.api(`/conversations/${conversation.id}/close`, { method: "POST" });
    const retry = await ctx.send(conversation.id, { body: "Bye", clientId: id });
    expect(retry.status).toBe(200);
    expect((await retry.json()).id).toBe(first.id);
  });
});

describe("closing a conversation", () => {
  it("closes it and answers with the closed conversation; a second close is 409", async () => {
    const ctx = await setup();
    const { conversation } = openConversation(ctx, ctx.agent.id);
    const response = await ctx.api(`/conversations/${conversation.id}/close`, { method: "POST" });
    expect(response.status).toBe(200);
    const closed = await response.json();
    expect(closed).toMatchObject({ id: conversation.id, status: "closed", agentId: ctx.agent.id });
    expect(closed.closedAt).toBeNumber();
    const again = await ctx.api(`/conversations/${conversation.id}/close`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toBe("This conversation is closed.");
  });
});

describe("another business's conversation", () => {
  it("is not found for reading, sending or closing, and stays unchanged", async () => {
    const ctx = await setup();
    const other = await otherShop(ctx);
    const theirs = openConversation(ctx, other.agent.id, other.business.id);
    const before = storedRows(ctx, theirs.conversation.id).length;
    const read = await ctx.api(`/conversations/${theirs.conversation.id}/messages`);
    const send = await ctx.send(theirs.conversation.id, { body: "hi", clientId: clientId() });
    const close = await ctx.api(`/conversations/${theirs.conversation.id}/close`, { method: "POST" });
    for (const response of [read, send, close]) {
      expect(response.status).toBe(404);
      expect(await errorOf(response)).toBe("There is no such conversation in your shop.");
    }
    expect(storedRows(ctx, theirs.conversation.id)).toHaveLength(before);
    const own = await ctx.app.handle(
      new Request(`${origin}/api/v1/conversations/${theirs.conversation.id}/messages`, { headers: { authorization: `Bearer ${other.token}` } }),
    );
    expect(own.status).toBe(200);
  });

  it("is not found even when the clientId of one of its messages is reused", async () => {
    const ctx = await setup();
    const other = await otherShop(ctx);
    const theirs = openConversation(ctx, other.agent.id, other.business.id);
    const response = await ctx.send(theirs.conversation.id, { body: "peek", clientId: theirs.message.clientId });
    expect(response.status).toBe(404);
  });
});

describe("API input validation", () => {
  it("answers 400 with a JSON error for query values out of range or of the wrong kind", async () => {
    const ctx = await setup();
    const cases: [string, string][] = [
      ["/conversations?limit=0", "limit must be a whole number from 1 to 100"],
      ["/conversations?limit=101", "limit must be a whole number from 1 to 100"],
      ["/conversations?limit=ten", "limit must be a whole number from 1 to 100"],
      ["/conversations?status=pending", "status must be open, queued, closed or all"],
      ["/conversations?before=-3", "before must be a whole number"],
      ["/conversations/abc/messages", "conversation id must be a whole number"],
      ["/conversations/1/messages?limit=501", "limit must be a whole number from 1 to 500"],
      ["/conversations/1/messages?after=1.5", "after must be a whole number"],
    ];
    for (const [path, text] of cases) {
      const response = await ctx.api(path);
      expect(response.status).toBe(400);
      expect(await errorOf(response)).toContain(text);
    }
  });

  it("answers 400 for a body that is not JSON, misses a field, or has the wrong types", async () => {
    const ctx = await setup();
    const { conversation } = openConversation(ctx, ctx.agent.id);
    const path = `/conversations/${conversation.id}/messages`;
    const notJson = await ctx.api(path, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    expect(notJson.status).toBe(400);
    expect(await errorOf(notJson)).toContain("not valid JSON");
    const missing = await ctx.send(conversation.id, { body: "no client id" });
    expect(missing.status).toBe(400);
    expect(await errorOf(missing)).toContain("clientId");
    const wrongType = await ctx.send(conversation.id, { body: 42, clientId: clientId() });
    expect(wrongType.status).toBe(400);
    expect(await errorOf(wrongType)).toContain("body must be text");
    const huge = await ctx.send(conversation.id, { body: "x".repeat(10_001), clientId: clientId() });
    expect(huge.status).toBe(400);
  });

  it("answers an unknown API path with a JSON 404", async () => {
    const ctx = await setup();
    const response = await ctx.api("/nothing-here");
    expect(response.status).toBe(404);
    expect(await errorOf(response)).toContain("no such API endpoint");
  });
});

// The console keeps answering in HTML: only /api/ speaks JSON.
describe("outside the API", () => {
  it("still answers console errors as text", async () => {
    const ctx = testApp();
    const client = new Client(ctx.app);
    const response = await client.get("/no-such-page");
    expect(response.headers.get("content-type")).toContain("text/html");
  });
});
