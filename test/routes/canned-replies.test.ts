import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { businesses, cannedReplies, conversations, visitors } from "../../src/db/schema";
import { addCannedReply } from "../../src/domain/canned-replies";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { assetUrl } from "../../src/routes/assets";
import { addMember, Client, signedIn, testApp } from "../support";

const rows = (ctx: ReturnType<typeof testApp>) => ctx.db.select().from(cannedReplies).all();

/** A conversation of a (new) visitor of the business, optionally named. */
function conversationOf(ctx: ReturnType<typeof testApp>, businessId = ctx.business.id, name: string | null = null) {
  const { visitor } = createAnonymousVisitor(ctx.db, "0".repeat(64), businessId, { ip: null, userAgent: null, page: null });
  if (name) ctx.db.update(visitors).set({ name }).where(eq(visitors.id, visitor.id)).run();
  return ctx.db.insert(conversations).values({ businessId, visitorId: visitor.id }).returning().get();
}

function otherBusiness(ctx: ReturnType<typeof testApp>) {
  return ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "s" }).returning().get();
}

describe("the Canned replies page", () => {
  it("is linked for every agent and shows my replies and the shared ones, escaped", async () => {
    const ctx = testApp();
    const { agent: li, client } = await signedIn(ctx, "agent");
    const owner = await addMember(ctx, "owner", "owner@example.com");
    addCannedReply(ctx.db, li, "personal", { shortcut: "mine", body: "<b>bold</b> for {visitor_name}" });
    addCannedReply(ctx.db, owner, "shared", { shortcut: "hours", body: "We open at 9." });
    expect(await (await client.get("/console")).text()).toContain('href="/console/canned-replies"');
    const response = await client.get("/console/canned-replies");
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('href="/console/canned-replies" aria-current="page"');
    expect(page).toContain("<code>/mine</code>");
    expect(page).toContain("&lt;b&gt;bold&lt;/b&gt; for {visitor_name}");
    expect(page).not.toContain("<b>bold</b>");
    expect(page).toContain("<code>/hours</code>");
    // An agent edits their own, and only reads the shared ones.
    expect(page).toContain('name="scope" value="personal"');
    expect(page).not.toContain('name="scope" value="shared"');
    expect(page).toContain("only owners and admins can change them");
    expect(page.match(/<details class="canned-edit"/g)).toHaveLength(1);
  });

  it("speaks Chinese to a Chinese browser", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const page = await (await client.get("/console/canned-replies", { "accept-language": "zh-CN" })).text();
    expect(page).toContain("快捷回复");
    expect(page).toContain("公共快捷回复");
  });

  it("adds a personal reply for an agent and a shared one for a manager, and goes back to it", async () => {
    const ctx = testApp();
    const { agent: li, client: agent } = await signedIn(ctx, "agent");
    const { client: admin } = await signedIn(ctx, "admin");
    const added = await agent.post("/console/canned-replies", { scope: "personal", shortcut: "/thanks", body: "Thank you!" });
    expect(added.status).toBe(303);
    const [reply] = rows(ctx);
    expect(reply).toMatchObject({ agentId: li.id, shortcut: "thanks", body: "Thank you!" });
    expect(added.headers.get("location")).toBe(`/console/canned-replies#canned-${reply!.id}`);
    const shared = await admin.post("/console/canned-replies", { scope: "shared", shortcut: "hours", body: "9 to 5" });
    expect(shared.status).toBe(303);
    expect(rows(ctx).map((row) => [row.shortcut, row.agentId])).toEqual([["thanks", li.id], ["hours", null]]);
  });

  it("refuses a shared reply from an agent with 403 and adds nothing", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const response = await client.post("/console/canned-replies", { scope: "shared", shortcut: "hours", body: "9 to 5" });
    expect(response.status).toBe(403);
    expect(rows(ctx)).toEqual([]);
  });

  it("shows the form again with what was typed and what is wrong (422), and changes nothing", async () => {
    const ctx = testApp();
    const { agent: li, client } = await signedIn(ctx, "agent");
    const existing = addCannedReply(ctx.db, li, "personal", { shortcut: "hi", body: "Hello" });
    const bad = await client.post("/console/canned-replies", { scope: "personal", shortcut: "two words", body: "Kept <text>" });
    expect(bad.status).toBe(422);
    const page = await bad.text();
    expect(page).toContain("Use only letters, digits, - and _ in a shortcut");
    expect(page).toContain('value="two words"');
    expect(page).toContain("Kept &lt;text&gt;</textarea>");
    const taken = await client.post("/console/canned-replies", { scope: "personal", shortcut: "HI", body: "Again" });
    expect(taken.status).toBe(422);
    expect(await taken.text()).toContain("/HI is already taken here");
    const edit = await client.post(`/console/canned-replies/${existing.id}`, { shortcut: "hi", body: "" });
    expect(edit.status).toBe(422);
    const editPage = await edit.text();
    expect(editPage).toContain("Enter the text of the reply.");
    // The refused edit opens its disclosure again.
    expect(editPage).toContain('<details class="canned-edit" open>');
    expect(rows(ctx)).toEqual([existing]);
  });

  it("answers a body it cannot read with 400, not a crash", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    expect((await client.post("/console/canned-replies", { scope: "everyone", shortcut: "x", body: "x" })).status).toBe(400);
    expect((await client.post("/console/canned-replies", { scope: "personal", shortcut: "x" })).status).toBe(400);
    expect((await client.post("/console/canned-replies/abc", { shortcut: "x", body: "x" })).status).toBe(400);
    expect(rows(ctx)).toEqual([]);
  });

  it("edits and deletes one's own replies; an htmx delete is told where to go", async () => {
    const ctx = testApp();
    const { agent: li, client } = await signedIn(ctx, "agent");
    const reply = addCannedReply(ctx.db, li, "personal", { shortcut: "hi", body: "Hello" });
    const saved = await client.post(`/console/canned-replies/${reply.id}`, { shortcut: "hello", body: "Hello there" });
    expect(saved.status).toBe(303);
    expect(rows(ctx)[0]).toMatchObject({ shortcut: "hello", body: "Hello there" });
    const deleted = await client.post(`/console/canned-replies/${reply.id}/delete`, {}, { "hx-request": "true" });
    expect(deleted.status).toBe(200);
    expect(deleted.headers.get("hx-redirect")).toBe("/console/canned-replies#canned-personal");
    expect(rows(ctx)).toEqual([]);
  });

  it("lets managers change shared replies and answers agents 403", async () => {
    const ctx = testApp();
    const { agent: owner, client: ownerClient } = await signedIn(ctx, "owner");
    const { client: agent } = await signedIn(ctx, "agent");
    const shared = addCannedReply(ctx.db, owner, "shared", { shortcut: "hours", body: "9 to 5" });
    expect((await agent.post(`/console/canned-replies/${shared.id}`, { shortcut: "hours", body: "Never" })).status).toBe(403);
    expect((await agent.post(`/console/canned-replies/${shared.id}/delete`)).status).toBe(403);
    expect(rows(ctx)).toEqual([shared]);
    expect((await ownerClient.post(`/console/canned-replies/${shared.id}`, { shortcut: "hours", body: "8 to 6" })).status).toBe(303);
    expect(rows(ctx)[0]!.body).toBe("8 to 6");
  });

  it("answers 404 for a colleague's personal reply, even to the owner, and for another shop's", async () => {
    const ctx = testApp();
    const { client: owner } = await signedIn(ctx, "owner");
    const { client: wang } = await signedIn(ctx, "agent", "wang@example.com");
    const li = await addMember(ctx, "agent", "li@example.com");
    const lis = addCannedReply(ctx.db, li, "personal", { shortcut: "mine", body: "Li's" });
    const other = otherBusiness(ctx);
    const theirs = ctx.db.insert(cannedReplies).values({ businessId: other.id, agentId: null, shortcut: "theirs", body: "x" }).returning().get();
    for (const client of [owner, wang]) {
      for (const reply of [lis, theirs]) {
        expect((await client.post(`/console/canned-replies/${reply.id}`, { shortcut: "stolen", body: "x" })).status).toBe(404);
        expect((await client.post(`/console/canned-replies/${reply.id}/delete`)).status).toBe(404);
      }
      const page = await (await client.get("/console/canned-replies")).text();
      expect(page).not.toContain("/mine");
      expect(page).not.toContain("/theirs");
    }
    expect(rows(ctx)).toEqual([lis, theirs]);
  });

  it("is for signed-in agents only", async () => {
    const ctx = testApp();
    const anonymous = new Client(ctx.app);
    const page = await anonymous.get("/console/canned-replies");
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/login");
    const conversation = conversationOf(ctx);
    expect((await anonymous.get(`/console/conversations/${conversation.id}/canned-replies`)).status).toBe(303);
  });
});

describe("the composer's canned replies", () => {
  it("gives the agent their own replies then the shared ones, filled in for the conversation", async () => {
    const ctx = testApp();
    const { agent: li, client } = await signedIn(ctx, "agent");
    const owner = await addMember(ctx, "owner", "owner@example.com");
    const colleague = await addMember(ctx, "agent", "wang@example.com");
    addCannedReply(ctx.db, owner, "shared", { shortcut: "hello", body: "Hello {visitor_name}, this is {agent_name} at {shop_name}. Order {order_id}?" });
    const mine = addCannedReply(ctx.db, li, "personal", { shortcut: "bye", body: "Bye {visitor_name}" });
    addCannedReply(ctx.db, colleague, "personal", { shortcut: "secret", body: "Wang's own" });
    const conversation = conversationOf(ctx, ctx.business.id, "Ming <3");
    const response = await client.get(`/console/conversations/${conversation.id}/canned-replies`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    const { replies } = (await response.json()) as { replies: { id: number; shortcut: string; body: string; shared: boolean }[] };
    expect(replies).toEqual([
      { id: mine.id, shortcut: "bye", body: "Bye Ming <3", shared: false },
      { id: expect.any(Number), shortcut: "hello", body: `Hello Ming <3, this is ${li.displayName} at ${ctx.business.name}. Order {order_id}?`, shared: true },
    ]);
  });

  it("leaves {visitor_name} for the agent to fill when the visitor gave no name", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    addCannedReply(ctx.db, agent, "personal", { shortcut: "hi", body: "Hi {visitor_name}!" });
    const conversation = conversationOf(ctx);
    const { replies } = (await (await client.get(`/console/conversations/${conversation.id}/canned-replies`)).json()) as { replies: { body: string }[] };
    expect(replies.map((reply) => reply.body)).toEqual(["Hi {visitor_name}!"]);
  });

  it("answers 404 for another shop's conversation", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const conversation = conversationOf(ctx, otherBusiness(ctx).id);
    expect((await client.get(`/console/conversations/${conversation.id}/canned-replies`)).status).toBe(404);
  });

  it("is named by the open conversation's page, and every composer has an emoji button", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const conversation = conversationOf(ctx);
    // The composer is there while the conversation is the agent's.
    ctx.db.update(conversations).set({ status: "open", agentId: agent.id }).where(eq(conversations.id, conversation.id)).run();
    const page = await (await client.get(`/console/conversations/${conversation.id}`)).text();
    expect(page).toContain(`<template id="canned-replies" data-src="/console/conversations/${conversation.id}/canned-replies"`);
    expect(page).toContain('class="icon-button emoji-toggle" aria-label="Insert emoji"');
    // The picker's script comes on the button's first click; the page loads only the composer's.
    expect(page).toContain(`data-loads="${assetUrl("emoji.js")}"`);
    expect(page).toContain("composer.js");
    expect(page).toContain("canned-replies.js");
    const chat = await (await new Client(ctx.app).get(`/chat/${ctx.business.widgetKey}`, { "accept-language": "zh-CN" })).text();
    expect(chat).toContain('aria-label="插入表情"');
    expect(chat).toContain("&quot;smileys&quot;:&quot;笑脸&quot;");
    // Visitors have no canned replies, nor their script.
    expect(chat).not.toContain('id="canned-replies"');
    expect(chat).not.toContain("canned-replies.js");
  });
});
