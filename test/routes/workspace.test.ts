// The agent's workspace as a browser gets it: the lists and their tabs, a conversation in each of
// its states, and the answers to its actions (issue 11: A10, A11, A14).
import { describe, expect, it } from "bun:test";
import { desc, eq } from "drizzle-orm";
import { agents, conversations, messages, visitors } from "../../src/db/schema";
import { sendAgentMessage, sendVisitorMessage } from "../../src/domain/messages";
import { openChat, signedIn, testApp } from "../support";

type Ctx = ReturnType<typeof testApp>;
const htmx = { "hx-request": "true" };

/** A visitor of the chat page who wrote `body`; `onlineAgentIds` may be given the conversation. */
async function visitorWrites(ctx: Ctx, body: string, onlineAgentIds: number[] = []) {
  const { browser, visitor } = await openChat(ctx);
  const { conversation } = sendVisitorMessage(ctx.db, ctx.app.hub, visitor, { clientId: crypto.randomUUID(), body }, onlineAgentIds);
  return { browser, visitor, conversation };
}

const row = (ctx: Ctx, id: number) => ctx.db.select().from(conversations).where(eq(conversations.id, id)).get()!;
/** The part of a page from an element's id on. */
const from = (page: string, id: string) => page.slice(page.indexOf(`id="${id}"`));

describe("a waiting conversation", () => {
  it("shows how long it has waited and Take where the composer would be", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const { conversation } = await visitorWrites(ctx, "is anyone there?");
    ctx.db.update(conversations).set({ openedAt: Date.now() - 5 * 60_000 - 1000 }).where(eq(conversations.id, conversation.id)).run();
    const page = await (await client.get(`/console/conversations/${conversation.id}`)).text();
    expect(page).not.toContain('id="composer"');
    const footer = from(page, "conversation-footer");
    expect(footer).toStartWith('id="conversation-footer" class="conversation-footer" data-state="waiting"');
    expect(footer).toContain("Waiting");
    expect(footer).toContain(">5 min</time>");
    expect(footer).toContain(`hx-post="/console/conversations/${conversation.id}/take"`);
  });

  it("becomes the agent's on Take: the answer brings the composer in and the panel says Open", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const { conversation } = await visitorWrites(ctx, "is anyone there?");
    const taken = await client.post(`/console/conversations/${conversation.id}/take`, {}, htmx);
    expect(taken.status).toBe(200);
    const answer = await taken.text();
    expect(answer).toStartWith('<div id="conversation-actions"');
    expect(answer).toContain(`<hx-partial hx-target='#conversation-footer:not([data-state="composer"])' hx-swap="outerHTML">`);
    expect(answer).toContain('id="composer"');
    const panel = from(answer, "visitor-conversations");
    expect(panel).toContain('<span class="badge status-open">Open</span>');
  });

  it("answers a Take at capacity with the reason alone, and changes nothing", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    ctx.db.update(agents).set({ maxConcurrentChats: 1 }).where(eq(agents.id, agent.id)).run();
    await visitorWrites(ctx, "first", [agent.id]);
    const { conversation } = await visitorWrites(ctx, "second", [agent.id]);
    expect(row(ctx, conversation.id).status).toBe("queued");
    const refused = await client.post(`/console/conversations/${conversation.id}/take?open=1`, {}, htmx);
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toStartWith("text/plain");
    expect(await refused.text()).toBe("You already have as many open conversations as your limit allows. Close one first.");
    expect(refused.headers.get("hx-redirect")).toBeNull();
    expect(row(ctx, conversation.id)).toMatchObject({ status: "queued", agentId: null });
  });
});

describe("a closed conversation", () => {
  it("shows when it closed instead of the composer, only its own messages, nothing live, and the visitor's newer conversation", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { visitor, conversation: first } = await visitorWrites(ctx, "my first question", [agent.id]);
    expect((await client.post(`/console/conversations/${first.id}/close`, {}, htmx)).status).toBe(200);
    const { conversation: second } = sendVisitorMessage(ctx.db, ctx.app.hub, visitor, { clientId: crypto.randomUUID(), body: "back again" }, [agent.id]);
    expect(second.id).not.toBe(first.id);

    const page = await (await client.get(`/console/conversations/${first.id}`)).text();
    const thread = page.slice(page.indexOf('id="thread"'), page.indexOf('id="typing"'));
    expect(thread).toContain("my first question");
    expect(thread).not.toContain("back again");
    expect(page).not.toContain('id="composer"');
    expect(page).toContain('hx-ws:connect="/ws/agent?locale=en"');
    const footer = from(page, "conversation-footer");
    expect(footer).toStartWith('id="conversation-footer" class="conversation-footer" data-state="closed"');
    expect(footer).toContain("Closed <time");
    expect(footer).toContain(`href="/console/conversations/${second.id}"`);
    // Its earlier messages are its own too.
    const earlier = await (await client.get(`/console/conversations/${first.id}/messages?before=${Number.MAX_SAFE_INTEGER}`)).text();
    expect(earlier).not.toContain("back again");
  });

  it("reloads the pages that showed it open, so they show it closed", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { conversation } = await visitorWrites(ctx, "thanks, bye", [agent.id]);
    const closed = await client.post(`/console/conversations/${conversation.id}/close`, {}, htmx);
    expect(closed.status).toBe(200);
    expect(closed.headers.get("hx-refresh")).toBe("true");
    // The page of a colleague who was looking at it asks for its state when it changes.
    const state = await client.get(`/console/conversations/${conversation.id}/actions`, htmx);
    expect(state.headers.get("hx-refresh")).toBe("true");
    const page = await (await client.get(`/console/conversations/${conversation.id}`)).text();
    expect(from(page, "visitor-conversations")).toContain('<span class="badge status-closed">Closed</span>');
  });
});

describe("blocking a visitor", () => {
  it("closes their conversation with the usual close line, and asks them for no rating", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    ctx.db.update(agents).set({ displayName: "Ana" }).where(eq(agents.id, agent.id)).run();
    const { conversation } = await visitorWrites(ctx, "spam spam", [agent.id]);
    const blocked = await client.post(`/console/conversations/${conversation.id}/block`, { reason: "spam" }, htmx);
    expect(blocked.status).toBe(200);
    expect(blocked.headers.get("hx-refresh")).toBe("true");
    expect(row(ctx, conversation.id).status).toBe("closed");
    const last = ctx.db.select().from(messages).where(eq(messages.conversationId, conversation.id)).orderBy(desc(messages.id)).get()!;
    expect(last).toMatchObject({ sender: "system", body: "closed", meta: { agentId: agent.id, agentName: "Ana" } });
    expect(ctx.db.select().from(messages).where(eq(messages.body, "rating-requested")).all()).toHaveLength(0);
  });

  it("refuses a bad reason with the reason alone, and blocks and closes nothing", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { conversation } = await visitorWrites(ctx, "hello", [agent.id]);
    const refused = await client.post(`/console/conversations/${conversation.id}/block`, { reason: "x".repeat(201) }, htmx);
    expect(refused.status).toBe(422);
    expect(await refused.text()).toBe("Use at most 200 characters.");
    expect(row(ctx, conversation.id).status).toBe("open");
  });
});

describe("the conversation lists", () => {
  it("preview the visitor's last message, never the agent's greeting or reply or the joined line", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    ctx.db.update(agents).set({ greeting: "Hi, I am here to help!" }).where(eq(agents.id, agent.id)).run();
    const { conversation } = await visitorWrites(ctx, "Where is my parcel?", [agent.id]);
    const item = (page: string) => from(page, `conversation-${conversation.id}`).slice(0, 2000);
    const greeted = await (await client.get("/console")).text();
    expect(ctx.db.select().from(messages).where(eq(messages.conversationId, conversation.id)).all().map((m) => m.sender)).toEqual(["visitor", "system", "agent"]);
    expect(item(greeted)).toContain('<span class="preview">Where is my parcel?</span>');
    const signedInAgent = ctx.db.select().from(agents).where(eq(agents.id, agent.id)).get()!;
    sendAgentMessage(ctx.db, ctx.app.hub, signedInAgent, conversation.id, { clientId: crypto.randomUUID(), body: "Let me look." });
    expect(item(await (await client.get("/console")).text())).toContain('<span class="preview">Where is my parcel?</span>');
  });

  it("show Mine, Waiting and, for owners and admins, All as tabs with their counts", async () => {
    const ctx = testApp();
    const owner = await signedIn(ctx, "owner");
    const { agent, client } = await signedIn(ctx, "agent");
    await visitorWrites(ctx, "one", [agent.id]);
    await visitorWrites(ctx, "two", [agent.id]);
    await visitorWrites(ctx, "three");
    const page = await (await client.get("/console")).text();
    expect(page).toMatch(/id="tab-mine"[^>]*aria-selected="true"[^>]*>\s*Mine <span class="count" id="count-mine" data-count="2">2<\/span>/);
    expect(page).toMatch(/id="tab-waiting"[^>]*aria-selected="false"[^>]*>\s*Waiting <span class="count" id="count-waiting" data-count="1">1<\/span>/);
    expect(page).not.toContain('id="tab-all"');
    const ownerPage = await (await owner.client.get("/console")).text();
    // The owner has nothing of their own yet: what waits is shown first.
    expect(ownerPage).toMatch(/id="tab-waiting"[^>]*aria-selected="true"/);
    expect(ownerPage).toMatch(/id="tab-all"[^>]*>\s*All <span class="count" id="count-all" data-count="3">3<\/span>/);
    expect(from(ownerPage, "all-conversations")).toContain(`<span class="item-owner">${agent.displayName}</span>`);
    // Looking at a colleague's conversation, the owner sees it in All.
    const colleagues = ctx.db.select().from(conversations).where(eq(conversations.agentId, agent.id)).get()!;
    const looking = await (await owner.client.get(`/console/conversations/${colleagues.id}`)).text();
    expect(looking).toMatch(/id="tab-all"[^>]*aria-selected="true"/);
    expect(from(looking, "all-conversations")).toContain(`id="all-conversation-${colleagues.id}" data-last="${colleagues.lastMessageId}" data-conversation="${colleagues.id}" aria-current="true"`);
  });

  it("say how long a waiting visitor has waited", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    const { conversation } = await visitorWrites(ctx, "hello?");
    ctx.db.update(conversations).set({ openedAt: Date.now() - 75 * 60_000 }).where(eq(conversations.id, conversation.id)).run();
    const item = from(await (await client.get("/console")).text(), `conversation-${conversation.id}`);
    expect(item).toContain("data-elapsed>1 h 15 min</time>");
  });
});

describe("the transfer picker", () => {
  it("lists every colleague with their load, and says who is offline, away or full instead of offering them", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const newcomer = await signedIn(ctx, "agent", "newcomer@example.com");
    const { conversation } = await visitorWrites(ctx, "help", [agent.id]);
    ctx.db.update(agents).set({ maxConcurrentChats: 3 }).where(eq(agents.id, agent.id)).run();
    const page = await (await client.get(`/console/conversations/${conversation.id}`)).text();
    const picker = from(page, "conversation-actions");
    // Nobody has a console open in this test: the newcomer is offline, whatever they chose.
    expect(picker).toMatch(new RegExp(`value="agent:${newcomer.agent.id}" required disabled>[\\s\\S]*?<span class="transfer-why">offline</span>\\s*<span class="transfer-load"[^>]*>0/5</span>`));
    expect(picker).not.toContain(`value="agent:${agent.id}"`);
    expect(picker).toContain(`<textarea id="transfer-note-${conversation.id}" name="note"`);
  });
});

describe("renaming the visitor", () => {
  it("renames them in the conversation's header too", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { visitor, conversation } = await visitorWrites(ctx, "hi", [agent.id]);
    const page = await (await client.get(`/console/conversations/${conversation.id}`)).text();
    expect(page).toContain(`<strong id="conversation-visitor-name" class="conversation-name" title="Visitor #${visitor.id}">Visitor #${visitor.id}</strong>`);
    const renamed = await client.post(`/console/visitors/${visitor.id}/contact`, { name: "Wang Fang", email: "", phone: "" }, htmx);
    expect(renamed.status).toBe(200);
    expect(await renamed.text()).toContain(
      '<hx-partial hx-target="#conversation-visitor-name" hx-swap="outerHTML"><strong id="conversation-visitor-name" class="conversation-name" title="Wang Fang">Wang Fang</strong></hx-partial>',
    );
  });
});

describe("who may act on a colleague's conversation (domain/permissions.ts)", () => {
  it("offers an admin Close and Transfer on a colleague's conversation, which the admin may do, and offers an agent neither", async () => {
    const ctx = testApp();
    const colleague = await signedIn(ctx, "agent", "colleague@example.com");
    const { conversation } = await visitorWrites(ctx, "hello", [colleague.agent.id]);
    expect(row(ctx, conversation.id).agentId).toBe(colleague.agent.id);

    const agent = await signedIn(ctx, "agent", "other-agent@example.com");
    const seenByAgent = from(await (await agent.client.get(`/console/conversations/${conversation.id}`)).text(), "conversation-actions");
    expect(seenByAgent).not.toContain(`/console/conversations/${conversation.id}/close`);
    expect(seenByAgent).not.toContain(`/console/conversations/${conversation.id}/transfer`);
    expect((await agent.client.post(`/console/conversations/${conversation.id}/close`, {}, htmx)).status).toBe(409);

    const admin = await signedIn(ctx, "admin");
    const seenByAdmin = from(await (await admin.client.get(`/console/conversations/${conversation.id}`)).text(), "conversation-actions");
    expect(seenByAdmin).toContain(`hx-post="/console/conversations/${conversation.id}/close"`);
    expect(seenByAdmin).toContain(`/console/conversations/${conversation.id}/transfer`);
    expect((await admin.client.post(`/console/conversations/${conversation.id}/close`, {}, htmx)).status).toBe(200);
    expect(row(ctx, conversation.id).status).toBe("closed");
  });
});
