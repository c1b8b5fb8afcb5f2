import { describe, expect, it } from "bun:test";
import { businesses, conversations, offlineMessages } from "../../src/db/schema";
import { ignoreEvents } from "../../src/domain/events";
import { saveHours } from "../../src/domain/hours";
import { leaveMessage } from "../../src/domain/offline-messages";
import { addMember, Client, signedIn, testApp } from "../support";

type TestApp = ReturnType<typeof testApp>;

/** A visitor who found the shop closed and left a message through the chat page. */
async function visitorLeaves(ctx: TestApp, form: { name?: string; phone?: string; email?: string; message: string }) {
  const owner = await addMember(ctx, "owner", `closer-${crypto.randomUUID()}@example.com`);
  const notToday = (new Date().getUTCDay() + 3) % 7;
  saveHours(ctx.db, owner, {
    timezone: "UTC",
    days: [{ weekday: notToday, opensAt: "09:00", closesAt: "18:00" }],
    closedDates: [],
    offlineText: "",
    noAgentText: "",
    offlineWhenNoAgent: false,
    offlineRequired: [],
  });
  const visitor = new Client(ctx.app);
  await visitor.get(`/chat/${ctx.business.widgetKey}`);
  const response = await visitor.post(`/chat/${ctx.business.widgetKey}/leave-message`, { name: "", phone: "", email: "", ...form });
  expect(response.status).toBe(200);
  return { visitor, entry: ctx.db.select().from(offlineMessages).all().at(-1)! };
}

describe("the offline-messages inbox", () => {
  it("shows every agent what visitors left, with contact links, and counts what waits", async () => {
    const ctx = testApp();
    await visitorLeaves(ctx, { name: "Wang Fang", phone: "+86 138-0013 8000", email: "fang@example.com", message: "Please call me" });
    const { client } = await signedIn(ctx, "agent");
    const page = await (await client.get("/console/inbox")).text();
    expect(page).toContain("Wang Fang");
    expect(page).toContain("Please call me");
    expect(page).toContain('href="tel:+8613800138000"');
    expect(page).toContain('href="mailto:fang@example.com"');
    expect(page).toContain('<span id="inbox-count" class="unread" >1</span>');
    expect(page).toContain(">Reply in chat</button>");
  });

  it("escapes what the visitor typed", async () => {
    const ctx = testApp();
    await visitorLeaves(ctx, { name: "<img src=x onerror=alert(1)>", email: "a\"b@example.com", message: "<script>alert(2)</script>" });
    const { client } = await signedIn(ctx, "agent");
    const page = await (await client.get("/console/inbox")).text();
    expect(page).not.toContain("<img src=x");
    expect(page).not.toContain("<script>alert(2)");
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(page).toContain('href="mailto:a%22b@example.com"');
  });

  it("marks a message handled, names who did, and updates the badge", async () => {
    const ctx = testApp();
    const { entry } = await visitorLeaves(ctx, { message: "Any news?" });
    const { agent, client } = await signedIn(ctx, "agent");
    const response = await client.post(`/console/inbox/${entry.id}/handled`, {}, { "hx-request": "true" });
    expect(response.status).toBe(200);
    const fragment = await response.text();
    expect(fragment).toContain(`id="offline-message-${entry.id}"`);
    expect(fragment).toContain("Handled by agent");
    expect(fragment).toContain('<hx-partial hx-target="#inbox-count" hx-swap="outerHTML"><span id="inbox-count" class="unread" hidden>');
    expect(ctx.db.select().from(offlineMessages).get()).toMatchObject({ handled: true, handledBy: agent.id });
    expect(await (await client.get("/console/inbox")).text()).toContain("No messages are waiting.");
    expect(await (await client.get("/console/inbox?handled=1")).text()).toContain("Handled by agent");
  });

  it("does not let another business's message be marked handled or answered", async () => {
    const ctx = testApp();
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-shop", identitySecret: "x" }).returning().get();
    const theirs = leaveMessage(ctx.db, ignoreEvents, { id: other.id, offlineRequired: [] }, null, { name: "", phone: "", email: "", message: "not yours" });
    const { client } = await signedIn(ctx, "owner");
    expect((await client.post(`/console/inbox/${theirs.id}/handled`)).status).toBe(404);
    expect((await client.post(`/console/inbox/${theirs.id}/reply`)).status).toBe(404);
    expect(await (await client.get("/console/inbox")).text()).not.toContain("not yours");
    expect(ctx.db.select().from(offlineMessages).get()!.handled).toBe(false);
  });

  it("answers in a chat given to the agent, which the visitor sees when they come back", async () => {
    const ctx = testApp();
    const { visitor, entry } = await visitorLeaves(ctx, { message: "Is the red one back?" });
    const { agent, client } = await signedIn(ctx, "agent");
    const response = await client.post(`/console/inbox/${entry.id}/reply`);
    expect(response.status).toBe(303);
    const conversation = ctx.db.select().from(conversations).get()!;
    expect(conversation).toMatchObject({ agentId: agent.id, status: "open", visitorId: entry.visitorId! });
    expect(response.headers.get("location")).toBe(`/console/conversations/${conversation.id}`);
    expect(await (await client.get(`/console/conversations/${conversation.id}`)).text()).toContain("Is the red one back?");

    const returning = await (await visitor.get(`/chat/${ctx.business.widgetKey}`)).text();
    expect(returning).toContain('id="composer"');
    expect(returning).not.toContain('id="leave-message"');
    expect(returning).toContain("agent joined the conversation");
  });

  it("pages through older messages by id", async () => {
    const ctx = testApp();
    for (let n = 1; n <= 21; n++) leaveMessage(ctx.db, ignoreEvents, { id: ctx.business.id, offlineRequired: [] }, null, { name: "", phone: "", email: "", message: `note ${n}` });
    const { client } = await signedIn(ctx, "agent");
    const first = await (await client.get("/console/inbox")).text();
    expect(first).toContain("note 21");
    expect(first).not.toContain("note 1<");
    const older = first.match(/href="(\/console\/inbox\?before=\d+)"/)![1]!;
    const second = await (await client.get(older)).text();
    expect(second).toContain("note 1<");
    expect(second).not.toContain("note 2<");
  });

  it("refuses a cross-site request to mark a message handled", async () => {
    const ctx = testApp();
    const { entry } = await visitorLeaves(ctx, { message: "hello" });
    const { client } = await signedIn(ctx, "agent");
    const response = await client.post(`/console/inbox/${entry.id}/handled`, {}, { "sec-fetch-site": "cross-site" });
    expect(response.status).toBe(403);
    expect(ctx.db.select().from(offlineMessages).get()!.handled).toBe(false);
  });
});
