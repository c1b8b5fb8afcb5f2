import { describe, expect, it } from "bun:test";
import { auditLog, businessHours, closedDates, offlineMessages, visitors } from "../../src/db/schema";
import { findBusiness } from "../../src/domain/businesses";
import { saveHours } from "../../src/domain/hours";
import { ignoreEvents } from "../../src/domain/events";
import { sendVisitorMessage } from "../../src/domain/messages";
import { addMember, Client, openChat, signedIn, testApp } from "../support";

type TestApp = ReturnType<typeof testApp>;

/** Every day closed except one that is not today: the chat is outside business hours now. */
async function closeTheShop(ctx: TestApp, overrides: { offlineText?: string; offlineRequired?: string[] } = {}) {
  const owner = await addMember(ctx, "owner", "hours-owner@example.com");
  const notToday = (new Date().getUTCDay() + 3) % 7;
  saveHours(ctx.db, owner, {
    timezone: "UTC",
    days: [{ weekday: notToday, opensAt: "09:00", closesAt: "18:00" }],
    closedDates: [],
    offlineText: overrides.offlineText ?? "",
    noAgentText: "",
    offlineWhenNoAgent: false,
    offlineRequired: overrides.offlineRequired ?? [],
  });
}

async function visitorOf(ctx: TestApp) {
  const visitor = new Client(ctx.app);
  const page = await visitor.get(`/chat/${ctx.business.widgetKey}`);
  expect(page.status).toBe(200);
  return { visitor, page: await page.text() };
}

const leaveMessageUrl = (ctx: TestApp) => `/chat/${ctx.business.widgetKey}/leave-message`;
const noContact = { name: "", phone: "", email: "" };

const hoursForm = {
  timezone: "Asia/Shanghai",
  "open-1": "on",
  "opensAt-1": "09:00",
  "closesAt-1": "18:00",
  "opensAt-2": "09:00",
  "closesAt-2": "18:00",
  closedDates: "2026-12-25\n2026-10-01",
  offlineText: "Back at nine.",
  noAgentText: "Everyone is busy; we will be right with you.",
  offlineWhenNoAgent: "on",
  "required-email": "on",
};

describe("the business-hours page", () => {
  it("saves the schedule, closed dates and form settings, and notes it in the audit log", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const response = await client.post("/console/hours", hoursForm);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Saved.");
    expect(ctx.db.select().from(businessHours).all()).toMatchObject([{ weekday: 1, opensAt: "09:00", closesAt: "18:00" }]);
    expect(ctx.db.select().from(closedDates).all().map((row) => row.date)).toEqual(["2026-10-01", "2026-12-25"]);
    expect(findBusiness(ctx.db, ctx.business.id)).toMatchObject({
      timezone: "Asia/Shanghai",
      offlineText: "Back at nine.",
      noAgentText: "Everyone is busy; we will be right with you.",
      offlineWhenNoAgent: true,
      offlineRequired: ["email"],
    });
    expect(ctx.db.select().from(auditLog).all()).toMatchObject([{ agentId: owner.id, action: "business.hours_changed" }]);

    const page = await (await client.get("/console/hours")).text();
    expect(page).toContain('<option value="Asia/Shanghai" selected>');
    expect(page).toContain('name="open-1" value="on" checked');
    expect(page).not.toContain('name="open-2" value="on" checked');
    expect(page).toContain("2026-10-01\n2026-12-25</textarea>");
  });

  it("shows what is wrong next to each field, keeps what was typed, and saves nothing", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "admin");
    const response = await client.post("/console/hours", {
      ...hoursForm,
      timezone: "Mars/Olympus_Mons",
      "opensAt-1": "25:00",
      "open-2": "on",
      "opensAt-2": "18:00",
      "closesAt-2": "08:00",
      closedDates: "2026-02-30",
    });
    expect(response.status).toBe(422);
    const page = await response.text();
    expect(page).toContain("Nothing was saved.");
    expect(page).toContain("Choose a time zone from the list.");
    expect(page).toContain('id="field-opensAt-1-error">Enter a time like 09:00.');
    expect(page).toContain('id="field-closesAt-2-error">The closing time must be after the opening time.');
    expect(page).toContain("“2026-02-30” is not a date.");
    expect(page).toContain('value="25:00"');
    expect(page).toContain("Back at nine.</textarea>");
    expect(ctx.db.select().from(businessHours).all()).toEqual([]);
    expect(ctx.db.select().from(auditLog).all()).toEqual([]);
  });

  it("is for owners and admins only", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    expect((await client.get("/console/hours")).status).toBe(403);
    expect((await client.post("/console/hours", hoursForm)).status).toBe(403);
    expect(ctx.db.select().from(businessHours).all()).toEqual([]);
    expect(await (await client.get("/console/settings")).text()).not.toContain('href="/console/hours"');
  });
});

describe("the visitor page outside business hours", () => {
  it("shows the composer while the shop is open", async () => {
    const ctx = testApp();
    const { page } = await visitorOf(ctx);
    expect(page).toContain('id="composer"');
    expect(page).not.toContain('id="leave-message"');
  });

  it("shows the shop's offline text, escaped, and the leave-a-message form instead of the composer", async () => {
    const ctx = testApp();
    await closeTheShop(ctx, { offlineText: "Closed <b>today</b>", offlineRequired: ["phone"] });
    const { page } = await visitorOf(ctx);
    expect(page).not.toContain('id="composer"');
    expect(page).toContain('id="leave-message"');
    expect(page).toContain("Closed &lt;b&gt;today&lt;/b&gt;");
    expect(page).toContain(`hx-post="${leaveMessageUrl(ctx)}"`);
    expect(page).toContain(">Phone</label>");
    expect(page).toContain(">Email (optional)</label>");
  });

  it("shows the default offline text when the shop has none", async () => {
    const ctx = testApp();
    await closeTheShop(ctx);
    const { page } = await visitorOf(ctx);
    expect(page).toContain("We are not online right now.");
  });

  it("keeps the composer for a visitor already in a conversation", async () => {
    const ctx = testApp();
    const { browser: visitor, visitor: known } = await openChat(ctx);
    sendVisitorMessage(ctx.db, ignoreEvents, known, { clientId: "before-closing-1", body: "still there?" }, []);
    await closeTheShop(ctx);
    const page = await (await visitor.get(`/chat/${ctx.business.widgetKey}`)).text();
    expect(page).toContain('id="composer"');
    expect(page).not.toContain('id="leave-message"');
  });

  it("thanks the visitor and stores the message for the inbox", async () => {
    const ctx = testApp();
    await closeTheShop(ctx);
    const { visitor } = await visitorOf(ctx);
    const response = await visitor.post(leaveMessageUrl(ctx), { ...noContact, email: "fang@example.com", message: "Call me back" }, { "hx-request": "true" });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Thank you!");
    expect(ctx.db.select().from(offlineMessages).all()).toMatchObject([{ businessId: ctx.business.id, email: "fang@example.com", body: "Call me back" }]);
  });

  it("answers 422 with a message per bad field and what was typed, and stores nothing", async () => {
    const ctx = testApp();
    await closeTheShop(ctx, { offlineRequired: ["name"] });
    const { visitor } = await visitorOf(ctx);
    const response = await visitor.post(leaveMessageUrl(ctx), { name: "", phone: "12ab", email: "fang@", message: "Keep <this>" });
    expect(response.status).toBe(422);
    const fragment = await response.text();
    expect(fragment).toStartWith('<section id="leave-message"');
    expect(fragment).toContain("Enter a name.");
    expect(fragment).toContain("Enter a phone number:");
    expect(fragment).toContain("Enter an email address like name@example.com.");
    expect(fragment).toContain('value="12ab"');
    expect(fragment).toContain("Keep &lt;this&gt;</textarea>");
    expect(ctx.db.select().from(offlineMessages).all()).toEqual([]);
  });

  it("limits how many messages one visitor leaves in an hour", async () => {
    const ctx = testApp();
    await closeTheShop(ctx);
    const { visitor } = await visitorOf(ctx);
    for (let n = 1; n <= 5; n++) {
      expect((await visitor.post(leaveMessageUrl(ctx), { ...noContact, message: `message ${n}` })).status).toBe(200);
    }
    const refused = await visitor.post(leaveMessageUrl(ctx), { ...noContact, message: "one more" });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain("one more</textarea>");
    expect(ctx.db.select().from(offlineMessages).all()).toHaveLength(5);
  });

  it("refuses a blocked visitor", async () => {
    const ctx = testApp();
    await closeTheShop(ctx);
    const { browser: visitor } = await openChat(ctx);
    ctx.sqlite.run("UPDATE visitors SET blocked = 1");
    const response = await visitor.post(leaveMessageUrl(ctx), { ...noContact, message: "let me in" });
    expect(response.status).toBe(403);
    expect(ctx.db.select().from(offlineMessages).all()).toEqual([]);
  });

  it("refuses a message posted from another site", async () => {
    const ctx = testApp();
    await closeTheShop(ctx);
    const { visitor } = await visitorOf(ctx);
    const response = await visitor.post(leaveMessageUrl(ctx), { ...noContact, message: "forged" }, { "sec-fetch-site": "cross-site" });
    expect(response.status).toBe(403);
    expect(ctx.db.select().from(offlineMessages).all()).toEqual([]);
  });
});
