import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { auditLog, businesses, conversations, visitorNotes, visitorTags, visitors } from "../../src/db/schema";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { translator } from "../../src/i18n";
import { visitorPanelPartial } from "../../src/views/visitor-panel";
import { openChat, signedIn, testApp } from "../support";

type TestApp = ReturnType<typeof testApp>;
const htmx = { "hx-request": "true" };

/** A visitor who opened the chat page, with a conversation that `agentId` has. */
async function visitorInChat(ctx: TestApp, agentId: number) {
  const { browser, visitor } = await openChat(ctx);
  const conversation = ctx.db.insert(conversations).values({ businessId: ctx.business.id, visitorId: visitor.id, agentId, status: "open" }).returning().get();
  return { browser, visitor, conversation };
}

function otherBusinessVisitor(ctx: TestApp) {
  const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-shop", identitySecret: "x" }).returning().get();
  return createAnonymousVisitor(ctx.db, "0".repeat(64), other.id, { ip: null, userAgent: null, page: null }).visitor;
}

describe("the visitor panel beside a conversation", () => {
  it("offers the contact form, tags, private notes and the visitor's conversations", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { visitor, conversation } = await visitorInChat(ctx, agent.id);
    ctx.db.insert(visitorNotes).values({ businessId: ctx.business.id, visitorId: visitor.id, agentId: agent.id, body: "Ships to Hangzhou" }).run();
    ctx.db.insert(visitorTags).values({ businessId: ctx.business.id, visitorId: visitor.id, tag: "vip" }).run();
    const page = await (await client.get(`/console/conversations/${conversation.id}`)).text();
    expect(page).toContain(`hx-post="/console/visitors/${visitor.id}/contact"`);
    expect(page).toContain('<li class="tag"><span>vip</span>');
    expect(page).toContain('<p class="note-body">Ships to Hangzhou</p>');
    expect(page).toContain(`<a href="/console/conversations/${conversation.id}">`);
    expect(page).toContain('<span class="badge status-open">Open</span>');
  });

  it("lists the visitor's earlier conversations newest first, at most ten", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { visitor, conversation } = await visitorInChat(ctx, agent.id);
    ctx.db.update(conversations).set({ status: "closed", closedAt: Date.now() }).where(eq(conversations.id, conversation.id)).run();
    const ids = [conversation.id];
    for (let i = 0; i < 11; i++) {
      ids.push(ctx.db.insert(conversations).values({ businessId: ctx.business.id, visitorId: visitor.id, status: "closed", closedAt: Date.now() }).returning().get().id);
    }
    const page = await (await client.get(`/console/conversations/${ids.at(-1)}`)).text();
    const section = page.slice(page.indexOf('id="visitor-conversations"'));
    const linked = [...section.matchAll(/<a href="\/console\/conversations\/(\d+)">/g)].map((match) => Number(match[1]));
    expect(linked).toEqual(ids.slice(-10).reverse());
    expect(section).toContain("Closed");
  });
});

describe("the panel pushed when the visitor moves on", () => {
  it("re-renders what the visitor's browser reports and keeps the team's part that is on screen", async () => {
    const ctx = testApp();
    const { agent } = await signedIn(ctx, "agent");
    const { visitor } = await visitorInChat(ctx, agent.id);
    const pushed = visitorPanelPartial(translator("en"), { ...visitor, currentPage: "https://shop.example/checkout", pageTitle: "Checkout" }).value;
    expect(pushed).toContain('<a href="https://shop.example/checkout" target="_blank" rel="noopener noreferrer">Checkout</a>');
    // htmx keeps the elements on screen in place of these, with whatever an agent is typing.
    expect(pushed).toContain('<div id="visitor-edit" hx-preserve></div>');
    expect(pushed).toContain('<div id="visitor-workspace" hx-preserve></div>');
    expect(pushed).not.toContain("visitor-notes");
  });
});

describe("editing the visitor's contact details", () => {
  it("saves them, answers with the folded form and the new summary, and audits the change", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { visitor } = await visitorInChat(ctx, agent.id);
    const response = await client.post(`/console/visitors/${visitor.id}/contact`, { name: "Wang Fang", email: "fang@example.com", phone: "+86 138 0013 8000" }, htmx);
    expect(response.status).toBe(200);
    const fragment = await response.text();
    expect(fragment).toStartWith('<details id="visitor-edit"');
    expect(fragment).not.toContain("<details id=\"visitor-edit\" class=\"visitor-edit\" open");
    expect(fragment).toContain('<hx-partial hx-target="#visitor-summary" hx-swap="outerHTML"><div id="visitor-summary">');
    expect(fragment).toContain('<strong class="visitor-name">Wang Fang</strong>');
    expect(ctx.db.select().from(visitors).where(eq(visitors.id, visitor.id)).get()).toMatchObject({
      name: "Wang Fang",
      email: "fang@example.com",
      phone: "+86 138 0013 8000",
    });
    expect(ctx.db.select().from(auditLog).all().map((entry) => [entry.action, entry.agentId])).toEqual([["visitor.updated", agent.id]]);
  });

  it("refuses bad fields with 422, names each one, keeps what was typed and changes nothing", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { visitor } = await visitorInChat(ctx, agent.id);
    const response = await client.post(`/console/visitors/${visitor.id}/contact`, { name: "n".repeat(81), email: "fang@", phone: "<script>" }, htmx);
    expect(response.status).toBe(422);
    const fragment = await response.text();
    expect(fragment).toContain('<details id="visitor-edit" class="visitor-edit" open>');
    expect(fragment).toContain('id="visitor-field-name-error">Use at most 80 characters.');
    expect(fragment).toContain('id="visitor-field-email-error">Enter an email address like name@example.com.');
    expect(fragment).toContain('id="visitor-field-phone-error">Enter a phone number');
    expect(fragment).toContain('value="&lt;script&gt;"');
    expect(ctx.db.select().from(visitors).where(eq(visitors.id, visitor.id)).get()).toMatchObject({ name: null, email: null, phone: null });
    expect(ctx.db.select().from(auditLog).all()).toHaveLength(0);
  });

  it("does not find another business's visitor", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const theirs = otherBusinessVisitor(ctx);
    expect((await client.post(`/console/visitors/${theirs.id}/contact`, { name: "Mine", email: "", phone: "" })).status).toBe(404);
    expect((await client.post(`/console/visitors/${theirs.id}/notes`, { body: "hello" })).status).toBe(404);
    expect((await client.post(`/console/visitors/${theirs.id}/tags`, { tag: "vip" })).status).toBe(404);
    expect((await client.post(`/console/visitors/${theirs.id}/tags/remove`, { tag: "vip" })).status).toBe(404);
    expect(ctx.db.select().from(visitors).where(eq(visitors.id, theirs.id)).get()!.name).toBeNull();
    expect(ctx.db.select().from(visitorNotes).all()).toHaveLength(0);
    expect(ctx.db.select().from(visitorTags).all()).toHaveLength(0);
  });

  it("needs a signed-in agent", async () => {
    const ctx = testApp();
    const { agent } = await signedIn(ctx, "agent");
    const { visitor, browser } = await visitorInChat(ctx, agent.id);
    // The visitor's own browser, with its visitor cookie, is not an agent.
    const response = await browser.post(`/console/visitors/${visitor.id}/contact`, { name: "Me", email: "", phone: "" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/login");
    expect(ctx.db.select().from(visitors).where(eq(visitors.id, visitor.id)).get()!.name).toBeNull();
  });
});

describe("private notes on a visitor", () => {
  it("adds a note, shown newest first with its author, and escaped", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { visitor } = await visitorInChat(ctx, agent.id);
    await client.post(`/console/visitors/${visitor.id}/notes`, { body: "First call" }, htmx);
    const response = await client.post(`/console/visitors/${visitor.id}/notes`, { body: "<img src=x onerror=alert(1)>" }, htmx);
    expect(response.status).toBe(200);
    const fragment = await response.text();
    expect(fragment).toStartWith('<section id="visitor-notes"');
    expect(fragment).not.toContain("<img src=x");
    expect(fragment.indexOf("&lt;img src=x")).toBeLessThan(fragment.indexOf("First call"));
    expect(fragment).toContain("agent · <time");
    // The field is empty again, ready for the next note.
    expect(fragment).toMatch(/<textarea name="body"[^>]*>\s*<\/textarea>/);
  });

  it("refuses an empty or over-long note with 422 and keeps the text", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { visitor } = await visitorInChat(ctx, agent.id);
    const tooLong = await client.post(`/console/visitors/${visitor.id}/notes`, { body: "n".repeat(2001) }, htmx);
    expect(tooLong.status).toBe(422);
    const fragment = await tooLong.text();
    expect(fragment).toContain("Use at most 2000 characters.");
    expect(fragment).toContain(`${"n".repeat(2001)}</textarea>`);
    expect((await client.post(`/console/visitors/${visitor.id}/notes`, { body: "  " }, htmx)).status).toBe(422);
    expect(ctx.db.select().from(visitorNotes).all()).toHaveLength(0);
  });

  it("never shows a note to the visitor", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { visitor, browser, conversation } = await visitorInChat(ctx, agent.id);
    await client.post(`/console/visitors/${visitor.id}/notes`, { body: "Complained twice, be gentle" }, htmx);
    await client.post(`/console/visitors/${visitor.id}/tags`, { tag: "difficult" }, htmx);
    expect(await (await client.get(`/console/conversations/${conversation.id}`)).text()).toContain("Complained twice, be gentle");
    const chatPage = await (await browser.get(`/chat/${ctx.business.widgetKey}`)).text();
    expect(chatPage).not.toContain("Complained twice");
    expect(chatPage).not.toContain("difficult");
  });
});

describe("tagging a visitor", () => {
  it("adds a tag lower-cased and trimmed, suggests the shop's tags, and removes it again", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { visitor } = await visitorInChat(ctx, agent.id);
    const { visitor: another } = await visitorInChat(ctx, agent.id);
    await client.post(`/console/visitors/${another.id}/tags`, { tag: "wholesale" }, htmx);
    const added = await client.post(`/console/visitors/${visitor.id}/tags`, { tag: "  VIP " }, htmx);
    expect(added.status).toBe(200);
    const fragment = await added.text();
    expect(fragment).toStartWith('<section id="visitor-tags"');
    expect(fragment).toContain('<li class="tag"><span>vip</span>');
    expect(fragment).toContain('<datalist id="visitor-tag-suggestions"><option value="wholesale"></option></datalist>');
    const removed = await (await client.post(`/console/visitors/${visitor.id}/tags/remove`, { tag: "vip" }, htmx)).text();
    expect(removed).not.toContain('<li class="tag">');
    expect(ctx.db.select().from(visitorTags).where(eq(visitorTags.visitorId, visitor.id)).all()).toEqual([]);
  });

  it("refuses a 31-character tag with 422 and a 21st tag with 409", async () => {
    const ctx = testApp();
    const { agent, client } = await signedIn(ctx, "agent");
    const { visitor } = await visitorInChat(ctx, agent.id);
    const long = await client.post(`/console/visitors/${visitor.id}/tags`, { tag: "t".repeat(31) }, htmx);
    expect(long.status).toBe(422);
    expect(await long.text()).toContain("Use at most 30 characters for a tag.");
    for (let i = 0; i < 20; i++) ctx.db.insert(visitorTags).values({ businessId: ctx.business.id, visitorId: visitor.id, tag: `tag-${i}` }).run();
    const full = await client.post(`/console/visitors/${visitor.id}/tags`, { tag: "one-more" }, htmx);
    expect(full.status).toBe(409);
    expect(await full.text()).toContain("A visitor can have at most 20 tags.");
    expect(ctx.db.select().from(visitorTags).all()).toHaveLength(20);
  });
});
