import { describe, expect, it } from "bun:test";
import { agents, businesses, messages, triggers, triggerShowings } from "../../src/db/schema";
import { limits } from "../../src/domain/limits";
import { createTrigger, type TriggerInput } from "../../src/domain/triggers";
import { Client, openChat, signedIn, testApp } from "../support";

const form = (overrides: Record<string, string> = {}) => ({
  name: "Pricing help",
  pagePattern: "*/pricing*",
  delaySeconds: "2",
  message: "Questions about our plans? Ask me.",
  agentId: "",
  enabled: "on",
  ...overrides,
});

const rule: TriggerInput = { name: "Pricing help", pagePattern: "*/pricing*", delaySeconds: 2, message: "Questions about our plans? <b>Ask</b> me.", agentId: null, enabled: true };
const pricing = "https://shop.example/pricing";

function askFor(browser: Client, widgetKey: string, body: unknown) {
  return browser.request(`/chat/${widgetKey}/trigger`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

describe("the Triggers page", () => {
  it("is for owners and admins: an agent is refused it and has no link to it", async () => {
    const ctx = testApp();
    const { client: owner } = await signedIn(ctx, "owner");
    const { client: agent } = await signedIn(ctx, "agent");
    const page = await (await owner.get("/console/triggers")).text();
    expect(page).toContain('href="/console/triggers" aria-current="page"');
    expect(page).toContain("At most this many triggered messages per visitor per day");
    expect((await agent.get("/console/triggers")).status).toBe(403);
    expect((await agent.post("/console/triggers", form())).status).toBe(403);
    expect(await (await agent.get("/console")).text()).not.toContain('href="/console/triggers"');
    expect(ctx.db.select().from(triggers).all()).toHaveLength(0);
  });

  it("adds a trigger from an agent, and lists it with its pattern and delay", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const response = await client.post("/console/triggers", form({ agentId: String(owner.id) }));
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain('hx-target="#trigger-list"');
    expect(body).toContain("After 2 s on pages matching */pricing*");
    expect(ctx.db.select().from(triggers).all()).toMatchObject([{ name: "Pricing help", pagePattern: "*/pricing*", delaySeconds: 2, agentId: owner.id, enabled: true }]);
  });

  it("refuses bad fields with each field's message, keeping what was typed, and stores nothing", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const response = await client.post("/console/triggers", form({ name: "Keep me", pagePattern: " ", delaySeconds: "soon", message: "", agentId: "999" }));
    expect(response.status).toBe(422);
    const body = await response.text();
    expect(body).toContain("Say which pages: a text their address contains, or a pattern with *.");
    expect(body).toContain(`A whole number of seconds from 0 to ${limits.triggerDelaySeconds}.`);
    expect(body).toContain("Write the message visitors see.");
    expect(body).toContain("Choose the shop or an active agent of your team.");
    expect(body).toContain('value="Keep me"');
    expect(ctx.db.select().from(triggers).all()).toHaveLength(0);
  });

  it("edits, switches off and deletes a trigger", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const trigger = createTrigger(ctx.db, owner, rule);
    const { enabled: _, ...switchedOff } = form({ name: "Plans", delaySeconds: "30" });
    const edited = await client.post(`/console/triggers/${trigger.id}`, switchedOff);
    expect(edited.status).toBe(200);
    expect(await edited.text()).toContain("Off");
    expect(ctx.db.select().from(triggers).get()).toMatchObject({ name: "Plans", delaySeconds: 30, enabled: false });
    const bad = await client.post(`/console/triggers/${trigger.id}`, form({ delaySeconds: String(limits.triggerDelaySeconds + 1) }));
    expect(bad.status).toBe(422);
    expect(ctx.db.select().from(triggers).get()).toMatchObject({ delaySeconds: 30 });
    expect((await client.post(`/console/triggers/${trigger.id}/delete`)).status).toBe(200);
    expect(ctx.db.select().from(triggers).all()).toHaveLength(0);
    expect((await client.post(`/console/triggers/${trigger.id}/delete`)).status).toBe(404);
  });

  it("sets the daily cap from 1 to the limit, refusing anything else", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    expect((await client.post("/console/triggers/cap", { dailyCap: "3" })).status).toBe(200);
    for (const dailyCap of ["0", String(limits.triggerDailyCap + 1), "two", "1.5"]) {
      const refused = await client.post("/console/triggers/cap", { dailyCap });
      expect(refused.status).toBe(422);
      expect(await refused.text()).toContain(`A whole number from 1 to ${limits.triggerDailyCap}.`);
    }
    expect(ctx.db.select().from(businesses).get()).toMatchObject({ triggerDailyCap: 3 });
  });
});

describe("the widget and a trigger", () => {
  it("gives the loader the enabled triggers' id, pattern and delay, never the message", async () => {
    const ctx = testApp();
    const { agent: owner } = await signedIn(ctx, "owner");
    const on = createTrigger(ctx.db, owner, rule);
    createTrigger(ctx.db, owner, { ...rule, name: "Off", enabled: false });
    const config = await (await new Client(ctx.app).get(`/widget/${ctx.business.widgetKey}/config`)).json();
    expect(config.triggers).toEqual([{ id: on.id, pattern: "*/pricing*", delay: 2 }]);
    expect(JSON.stringify(config)).not.toContain("Ask");
  });

  it("answers the chat page with the rule's own message, escaped, once a day by default; then nothing", async () => {
    const ctx = testApp();
    const { agent: owner } = await signedIn(ctx, "owner");
    const trigger = createTrigger(ctx.db, owner, rule);
    const { browser } = await openChat(ctx);
    const shown = await askFor(browser, ctx.business.widgetKey, { id: trigger.id, url: pricing });
    expect(shown.status).toBe(200);
    const { html, from } = await shown.json();
    expect(html).toContain("Questions about our plans? &lt;b&gt;Ask&lt;/b&gt; me.");
    expect(html).toContain(`id="message-trigger-`);
    // For the loader's bubble on a phone, as plain text it sets as text.
    expect(from).toEqual({ author: ctx.business.name, avatar: "", body: "Questions about our plans? <b>Ask</b> me." });
    // The page shows it again after a reload, until it is answered or closed.
    expect(await (await browser.get(`/chat/${ctx.business.widgetKey}?embed=1`)).text()).toContain("Questions about our plans?");
    expect((await askFor(browser, ctx.business.widgetKey, { id: trigger.id, url: pricing })).status).toBe(204);
    // Closed unanswered: gone from the page.
    expect((await browser.request(`/chat/${ctx.business.widgetKey}/trigger/dismiss`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(204);
    expect(await (await browser.get(`/chat/${ctx.business.widgetKey}?embed=1`)).text()).not.toContain("Questions about our plans?");
  });

  it("never lets a visitor choose the text, another page's rule or another shop's rule", async () => {
    const ctx = testApp();
    const { agent: owner } = await signedIn(ctx, "owner");
    const trigger = createTrigger(ctx.db, owner, rule);
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "s" }).returning().get();
    const theirs = ctx.db.insert(triggers).values({ ...rule, businessId: other.id, message: "other shop's words" }).returning().get();
    // Under a cap that would allow more, so that only the rule, the page and the shop decide.
    ctx.db.update(businesses).set({ triggerDailyCap: limits.triggerDailyCap }).run();
    const { browser } = await openChat(ctx);
    const key = ctx.business.widgetKey;
    expect((await askFor(browser, key, { id: theirs.id, url: pricing })).status).toBe(204);
    expect((await askFor(browser, key, { id: trigger.id, url: "https://shop.example/about" })).status).toBe(204);
    expect(ctx.db.select().from(triggerShowings).all()).toHaveLength(0);
    // A text of the visitor's own is no part of the request: the rule's is what shows.
    const shown = JSON.stringify(await (await askFor(browser, key, { id: trigger.id, url: pricing, message: "I am the agent now" })).json());
    expect(shown).toContain("Questions about our plans?");
    expect(shown).not.toContain("I am the agent now");
    expect(ctx.db.select().from(messages).all()).toHaveLength(0);
  });

  it("refuses a browser with no visitor, and limits how often one visitor asks", async () => {
    const ctx = testApp();
    const { agent: owner } = await signedIn(ctx, "owner");
    const trigger = createTrigger(ctx.db, owner, { ...rule, pagePattern: "nowhere" });
    expect((await askFor(new Client(ctx.app), ctx.business.widgetKey, { id: trigger.id, url: pricing })).status).toBe(404);
    const { browser } = await openChat(ctx);
    for (let i = 0; i < limits.triggerRequestsPerVisitorHour; i++) {
      expect((await askFor(browser, ctx.business.widgetKey, { id: trigger.id, url: pricing })).status).toBe(204);
    }
    expect((await askFor(browser, ctx.business.widgetKey, { id: trigger.id, url: pricing })).status).toBe(429);
  });
});

describe("a trigger from an agent", () => {
  it("shows the visitor the agent's face and name, and gives the loader the face's full address", async () => {
    const ctx = testApp();
    const { agent: owner } = await signedIn(ctx, "owner");
    ctx.db.update(agents).set({ displayName: "Mei", avatar: "/uploads/avatars/AAAAAAAAAAAAAAAAAAAAAA.png" }).run();
    const trigger = createTrigger(ctx.db, owner, { ...rule, agentId: owner.id });
    const { browser } = await openChat(ctx);
    const { html, from } = await (await askFor(browser, ctx.business.widgetKey, { id: trigger.id, url: pricing })).json();
    expect(html).toContain('<div class="author"><img class="avatar " src="/uploads/avatars/AAAAAAAAAAAAAAAAAAAAAA.png" alt=""> Mei</div>');
    expect(from).toMatchObject({ author: "Mei", avatar: "http://kefu.test/uploads/avatars/AAAAAAAAAAAAAAAAAAAAAA.png" });
  });
});

describe("triggers on the Reports page", () => {
  it("show each trigger's messages shown and the conversations they started", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const trigger = createTrigger(ctx.db, owner, rule);
    const { browser } = await openChat(ctx);
    expect((await askFor(browser, ctx.business.widgetKey, { id: trigger.id, url: pricing })).status).toBe(200);
    const page = await (await client.get("/console/reports")).text();
    const table = page.slice(page.indexOf('id="table-triggers"'));
    expect(table).toMatch(new RegExp(`<tr data-id="${trigger.id}"><th scope="row">Pricing help</th><td>1</td><td>0</td><td>0%</td></tr>`));
  });
});
