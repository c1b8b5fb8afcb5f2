import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { conversations, messages } from "../../src/db/schema";
import { ignoreEvents } from "../../src/domain/events";
import { sendVisitorMessage } from "../../src/domain/messages";
import { chatting, Client, listeningApps, openChat, signedIn, testApp } from "../support";

type Ctx = ReturnType<typeof testApp>;

/** A visitor of the chat page (a browser with their cookie) who has started a conversation. */
async function visitorWithConversation(ctx: Ctx, onlineAgentIds: number[]) {
  const { browser, visitor } = await openChat(ctx);
  const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: `client-${crypto.randomUUID()}`, body: "hi" }, onlineAgentIds);
  return { browser, visitor, conversation };
}

async function setup() {
  const ctx = testApp();
  const { agent, client } = await signedIn(ctx, "agent");
  const { browser, visitor, conversation } = await visitorWithConversation(ctx, [agent.id]);
  const row = () => ctx.db.select().from(conversations).where(eq(conversations.id, conversation.id)).get()!;
  const ratingPath = `/chat/${ctx.business.widgetKey}/rating`;
  const rate = (form: Record<string, string>, as = browser) => as.post(ratingPath, { conversation: String(conversation.id), ...form });
  const requestRating = (as = client) => as.post(`/console/conversations/${conversation.id}/rating-request`);
  return { ...ctx, agent, client, browser, visitor, conversation, row, rate, requestRating, ratingPath };
}

describe("requesting a rating", () => {
  it("shows the agent that it was requested, and refuses a second request with a reason", async () => {
    const ctx = await setup();
    const first = await ctx.requestRating();
    expect(first.status).toBe(200);
    const bar = await first.text();
    expect(bar).toContain('id="conversation-actions"');
    expect(bar).toContain("Rating requested");
    expect(bar).not.toContain("rating-request");
    const second = await ctx.requestRating();
    expect(second.status).toBe(409);
    expect(await second.text()).toContain("A rating was already requested for this conversation");
    expect(ctx.db.select().from(messages).where(eq(messages.body, "rating-requested")).all()).toHaveLength(1);
  });

  it("offers the button only on an open conversation that has none yet", async () => {
    const ctx = await setup();
    const page = await (await ctx.client.get(`/console/conversations/${ctx.conversation.id}`)).text();
    const button = `hx-post="/console/conversations/${ctx.conversation.id}/rating-request"`;
    expect(page).toContain(button);
    expect(page).toContain("Request rating");
    await ctx.requestRating();
    expect(await (await ctx.client.get(`/console/conversations/${ctx.conversation.id}`)).text()).not.toContain(button);
    const other = await visitorWithConversation(ctx, [ctx.agent.id]);
    await ctx.client.post(`/console/conversations/${other.conversation.id}/close`);
    const closed = await (await ctx.client.get(`/console/conversations/${other.conversation.id}`)).text();
    expect(closed).not.toContain(`/console/conversations/${other.conversation.id}/rating-request`);
    const refused = await ctx.client.post(`/console/conversations/${other.conversation.id}/rating-request`);
    expect(refused.status).toBe(409);
  });

  it("refuses a colleague who does not have the conversation", async () => {
    const ctx = await setup();
    const { client: colleague } = await signedIn(ctx, "agent", "colleague@example.com");
    const response = await ctx.requestRating(colleague);
    expect(response.status).toBe(409);
    expect(await response.text()).toContain("Only the agent who has this conversation can ask for a rating.");
    expect(ctx.row().ratingRequestedAt).toBeNull();
  });

  it("does not find a conversation id that is not the agent's business's", async () => {
    const ctx = await setup();
    const response = await ctx.client.post("/console/conversations/999999/rating-request");
    expect(response.status).toBe(404);
  });

  it("needs a signed-in agent", async () => {
    const ctx = await setup();
    const response = await ctx.requestRating(new Client(ctx.app));
    expect(response.status).toBe(303);
    expect(ctx.row().ratingRequestedAt).toBeNull();
  });
});

describe("answering a rating on the chat page", () => {
  it("shows the visitor a card of five keyboard-usable star radios and a comment box", async () => {
    const ctx = await setup();
    await ctx.requestRating();
    const page = await (await ctx.browser.get(`/chat/${ctx.business.widgetKey}`)).text();
    expect(page).toContain(`hx-post="${ctx.ratingPath}"`);
    for (const stars of [1, 2, 3, 4, 5]) expect(page).toContain(`type="radio" id="rating-${ctx.conversation.id}-${stars}" name="stars" value="${stars}"`);
    expect(page).toContain(`${5} of 5 stars`);
    expect(page).toContain('name="comment" rows="2" maxlength="500"');
  });

  it("stores the answer, thanks the visitor and shows it in both threads and the agent's list", async () => {
    const ctx = await setup();
    await ctx.requestRating();
    const response = await ctx.rate({ stars: "4", comment: "Fast <b>help</b>" });
    expect(response.status).toBe(200);
    const card = await response.text();
    expect(card).toContain("Thanks for your rating!");
    expect(card).not.toContain("<form");
    expect(ctx.row()).toMatchObject({ rating: 4, ratingComment: "Fast <b>help</b>" });
    const visitorPage = await (await ctx.browser.get(`/chat/${ctx.business.widgetKey}`)).text();
    expect(visitorPage).toContain("Thanks for your rating!");
    expect(visitorPage).toContain("★★★★☆");
    expect(visitorPage).toContain("<q>Fast &lt;b&gt;help&lt;/b&gt;</q>");
    const agentPage = await (await ctx.client.get(`/console/conversations/${ctx.conversation.id}`)).text();
    expect(agentPage).toContain('class="message event rating-result"');
    expect(agentPage).toContain("<q>Fast &lt;b&gt;help&lt;/b&gt;</q>");
    expect(agentPage).toContain('class="badge rating-badge"');
    // The list item of the (still open) conversation carries the stars too.
    const item = agentPage.slice(agentPage.indexOf(`id="conversation-${ctx.conversation.id}"`));
    expect(item.slice(0, item.indexOf("</li>"))).toContain('aria-label="4 of 5 stars"');
  });

  it("refuses stars outside 1 to 5 and an over-long comment with what to fix, changing nothing", async () => {
    const ctx = await setup();
    await ctx.requestRating();
    for (const stars of ["0", "6", "2.5", "x", ""]) {
      const response = await ctx.rate({ stars });
      expect(response.status).toBe(422);
      expect(await response.text()).toContain("Choose from 1 to 5 stars.");
    }
    const missing = await ctx.rate({ comment: "no stars" });
    expect(missing.status).toBe(422);
    const tooLong = await ctx.rate({ stars: "5", comment: "a".repeat(501) });
    expect(tooLong.status).toBe(422);
    const form = await tooLong.text();
    expect(form).toContain("The comment can be at most 500 characters.");
    expect(form).toContain('aria-invalid="true"');
    expect(ctx.row()).toMatchObject({ rating: null, ratingComment: null, ratedAt: null });
  });

  it("is final: a second answer gets 409 and the first stays", async () => {
    const ctx = await setup();
    await ctx.requestRating();
    expect((await ctx.rate({ stars: "2" })).status).toBe(200);
    const again = await ctx.rate({ stars: "5", comment: "better now" });
    expect(again.status).toBe(409);
    const text = await again.text();
    expect(text).toContain("This conversation has already been rated");
    expect(text).toContain("Thanks for your rating!");
    expect(ctx.row()).toMatchObject({ rating: 2, ratingComment: null });
  });

  it("does not let another visitor rate the conversation", async () => {
    const ctx = await setup();
    await ctx.requestRating();
    const stranger = new Client(ctx.app);
    await stranger.get(`/chat/${ctx.business.widgetKey}`);
    expect((await ctx.rate({ stars: "1" }, stranger)).status).toBe(404);
    expect((await ctx.rate({ stars: "1" }, new Client(ctx.app))).status).toBe(404);
    expect(ctx.row().rating).toBeNull();
  });

  it("refuses an answer nobody asked for", async () => {
    const ctx = await setup();
    expect((await ctx.rate({ stars: "5" })).status).toBe(409);
    expect(ctx.row().rating).toBeNull();
  });
});

describe("the rating setting", () => {
  it("offers the visitor a card when the agent closes the conversation, only while it is on", async () => {
    const ctx = await setup();
    const { client: owner } = await signedIn(ctx, "owner");
    expect((await owner.post("/console/settings", { ratingEnabled: "off" })).status).toBe(200);
    await ctx.client.post(`/console/conversations/${ctx.conversation.id}/close`);
    expect(ctx.row().ratingRequestedAt).toBeNull();
    expect(await (await ctx.browser.get(`/chat/${ctx.business.widgetKey}`)).text()).not.toContain("rating-form");

    expect((await owner.post("/console/settings", { ratingEnabled: "on" })).status).toBe(200);
    const next = await visitorWithConversation(ctx, [ctx.agent.id]);
    await ctx.client.post(`/console/conversations/${next.conversation.id}/close`);
    const page = await (await next.browser.get(`/chat/${ctx.business.widgetKey}`)).text();
    expect(page).toContain("rating-form");
    expect(page).toContain("How did we do?");
  });

  it("is the managers' to change, and refuses anything but on or off", async () => {
    const ctx = await setup();
    expect((await ctx.client.post("/console/settings", { ratingEnabled: "off" })).status).toBe(403);
    const { client: owner } = await signedIn(ctx, "owner");
    const wrong = await owner.post("/console/settings", { ratingEnabled: "maybe" });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("Choose on or off.");
    const settings = await (await owner.get("/console/settings")).text();
    expect(settings).toContain('<input type="checkbox" role="switch" class="switch" id="field-ratingEnabled" name="ratingEnabled" value="on" checked');
    expect(settings).toContain("Offer a rating when a conversation closes");
  });
});

describe("a rating, live", () => {
  const start = listeningApps();

  it("reaches the visitor as a card and comes back to the agent's thread and list as the answer", async () => {
    const ctx = start();
    const { client, cookie, lobby, visitor, agent, conversationId: id } = await chatting(ctx);

    expect((await client.post(`/console/conversations/${id}/rating-request`)).status).toBe(200);
    const card = await visitor.next((f) => f.includes("rating-form"));
    expect(card).toContain(`hx-post="/chat/${ctx.business.widgetKey}/rating"`);
    expect(await agent.next((f) => f.includes("rating-asked"))).toContain("agent asked the visitor for a rating");

    const browser = new Client(ctx.app);
    browser.cookie = cookie;
    expect((await browser.post(`/chat/${ctx.business.widgetKey}/rating`, { conversation: String(id), stars: "5", comment: "Great" })).status).toBe(200);
    expect(await visitor.next((f) => f.includes("Thanks for your rating!"))).toContain('class="message event rating-card answered"');
    expect(await agent.next((f) => f.includes("rating-result"))).toContain("<q>Great</q>");
    expect(await lobby.next((f) => f.includes(`id="conversation-${id}"`) && f.includes("rating-stars"))).toContain('aria-label="5 of 5 stars"');
  });
});
