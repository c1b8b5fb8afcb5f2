import { describe, expect, it } from "bun:test";
import { auditLog, businesses } from "../../src/db/schema";
import { addFaq, listFaqs } from "../../src/domain/faqs";
import { addInfoTab, listInfoTabs } from "../../src/domain/info-tabs";
import { limits } from "../../src/domain/limits";
import { Client, signedIn, testApp } from "../support";

type TestApp = ReturnType<typeof testApp>;
const path = "/console/visitor-window";

const questions = (ctx: TestApp) => listFaqs(ctx.db, ctx.business.id).map((faq) => faq.question);
const titles = (ctx: TestApp) => listInfoTabs(ctx.db, ctx.business.id).map((tab) => tab.title);

async function chatPage(ctx: TestApp) {
  const response = await new Client(ctx.app).get(`/chat/${ctx.business.widgetKey}`);
  expect(response.status).toBe(200);
  return response.text();
}

describe("the Visitor window page", () => {
  it("adds a question and a tab, and goes back to the page at the new one", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "admin");
    const added = await client.post(`${path}/faqs`, { question: " Do you ship abroad? ", answer: "Yes,\nto 30 countries." });
    expect(added.status).toBe(303);
    const [faq] = listFaqs(ctx.db, ctx.business.id);
    expect(faq).toMatchObject({ question: "Do you ship abroad?", answer: "Yes,\nto 30 countries." });
    expect(added.headers.get("location")).toBe(`${path}#faq-${faq!.id}`);
    const tab = await client.post(`${path}/tabs`, { title: "Returns", body: "30 days." });
    expect(tab.status).toBe(303);
    const page = await (await client.get(path)).text();
    expect(page).toContain('value="Do you ship abroad?"');
    expect(page).toContain("Yes,\nto 30 countries.</textarea>");
    expect(page).toContain('value="Returns"');
    expect(page).toContain(`href="${path}" aria-current="page"`);
    expect(ctx.db.select().from(auditLog).all().map((row) => row.action)).toEqual(["faq.created", "info_tab.created"]);
  });

  it("says what is wrong next to each field, keeps what was typed, and stores nothing", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const refused = await client.post(`${path}/faqs`, { question: "<b>Typed</b>", answer: "" });
    expect(refused.status).toBe(422);
    const page = await refused.text();
    expect(page).toContain('value="&lt;b&gt;Typed&lt;/b&gt;"');
    expect(page).toContain('id="faq-new-answer-error"');
    expect(page).toContain("Enter the answer.");
    const long = await client.post(`${path}/tabs`, { title: "x".repeat(limits.infoTabTitleLength + 1), body: "text" });
    expect(long.status).toBe(422);
    expect(await long.text()).toContain(`A title can be at most ${limits.infoTabTitleLength} characters.`);
    expect(questions(ctx)).toEqual([]);
    expect(titles(ctx)).toEqual([]);
  });

  it("edits, moves and deletes questions and tabs", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const [a, b] = ["A?", "B?"].map((question) => addFaq(ctx.db, owner, { question, answer: "answer" }));
    const [first, second] = ["First", "Second"].map((title) => addInfoTab(ctx.db, owner, { title, body: "text" }));
    expect((await client.post(`${path}/faqs/${a!.id}`, { question: "A2?", answer: "new" })).status).toBe(303);
    const refused = await client.post(`${path}/faqs/${b!.id}`, { question: "", answer: "kept" });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('id="faq-' + b!.id + '-question-error"');
    expect((await client.post(`${path}/faqs/${b!.id}/move`, { direction: "up" })).headers.get("location")).toBe(`${path}#faq-${b!.id}`);
    expect(questions(ctx)).toEqual(["B?", "A2?"]);
    expect((await client.post(`${path}/faqs/${a!.id}/move`, { direction: "sideways" })).status).toBe(400);
    expect((await client.post(`${path}/faqs/${b!.id}/delete`)).status).toBe(303);
    expect(questions(ctx)).toEqual(["A2?"]);
    expect((await client.post(`${path}/tabs/${first!.id}`, { title: "Shipping", body: "Daily." })).status).toBe(303);
    expect((await client.post(`${path}/tabs/${first!.id}/move`, { direction: "down" })).status).toBe(303);
    expect(titles(ctx)).toEqual(["Second", "Shipping"]);
    expect((await client.post(`${path}/tabs/${second!.id}/delete`, {}, { "hx-request": "true" })).headers.get("hx-redirect")).toBe(`${path}#info-tabs`);
    expect(titles(ctx)).toEqual(["Shipping"]);
  });

  it("lets agents read but not change, and shows the link to managers only", async () => {
    const ctx = testApp();
    const { agent: owner, client: admin } = await signedIn(ctx, "admin");
    const { client } = await signedIn(ctx, "agent");
    const faq = addFaq(ctx.db, owner, { question: "Q <i>?</i>", answer: "A." });
    const tab = addInfoTab(ctx.db, owner, { title: "Tab", body: "Text." });
    const page = await client.get(path);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain("Q &lt;i&gt;?&lt;/i&gt;");
    expect(text).not.toContain("<form method=\"post\" action=\"/console/visitor-window");
    expect(await (await client.get("/console")).text()).not.toContain(`href="${path}"`);
    expect(await (await admin.get("/console")).text()).toContain(`href="${path}"`);
    const writes: [string, Record<string, string>][] = [
      [`${path}/faqs`, { question: "Mine?", answer: "Mine." }],
      [`${path}/faqs/${faq.id}`, { question: "Mine?", answer: "Mine." }],
      [`${path}/faqs/${faq.id}/move`, { direction: "down" }],
      [`${path}/faqs/${faq.id}/delete`, {}],
      [`${path}/tabs`, { title: "Mine", body: "Mine." }],
      [`${path}/tabs/${tab.id}`, { title: "Mine", body: "Mine." }],
      [`${path}/tabs/${tab.id}/move`, { direction: "up" }],
      [`${path}/tabs/${tab.id}/delete`, {}],
    ];
    for (const [url, form] of writes) expect((await client.post(url, form)).status).toBe(403);
    expect(questions(ctx)).toEqual(["Q <i>?</i>"]);
    expect(titles(ctx)).toEqual(["Tab"]);
  });

  it("answers 404 for another shop's question or tab and leaves it alone", async () => {
    const ctx = testApp();
    const { agent: owner, client } = await signedIn(ctx, "owner");
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "s" }).returning().get();
    const actor = { id: owner.id, businessId: other.id };
    const faq = addFaq(ctx.db, actor, { question: "Theirs?", answer: "Theirs." });
    const tab = addInfoTab(ctx.db, actor, { title: "Theirs", body: "Theirs." });
    expect((await client.post(`${path}/faqs/${faq.id}`, { question: "Mine?", answer: "Mine." })).status).toBe(404);
    expect((await client.post(`${path}/faqs/${faq.id}/delete`)).status).toBe(404);
    expect((await client.post(`${path}/tabs/${tab.id}/move`, { direction: "up" })).status).toBe(404);
    expect(listFaqs(ctx.db, other.id).map((row) => row.question)).toEqual(["Theirs?"]);
    expect(listInfoTabs(ctx.db, other.id).map((row) => row.title)).toEqual(["Theirs"]);
  });
});

describe("the visitor's chat page", () => {
  it("shows nothing extra when the shop has no questions and no tabs", async () => {
    const page = await chatPage(testApp());
    expect(page).toContain('id="composer"');
    expect(page).not.toContain("chat-side");
    expect(page).not.toContain("faq-question");
    expect(page).not.toContain("with-side");
  });

  it("lists the questions as buttons that send a faq frame, then each tab with its text", async () => {
    const ctx = testApp();
    const { agent: owner } = await signedIn(ctx, "owner");
    const faq = addFaq(ctx.db, owner, { question: "Ship <abroad>?", answer: "Yes." });
    const tab = addInfoTab(ctx.db, owner, { title: "Returns", body: "Line one\n<script>x</script> https://shop.example/returns" });
    const page = await chatPage(ctx);
    expect(page).toContain('class="chat with-side"');
    expect(page).toContain(`hx-vals='{&quot;type&quot;:&quot;faq&quot;,&quot;id&quot;:${faq.id}}'`);
    expect(page).toContain("Ship &lt;abroad&gt;?</button>");
    // The answer is not on the page: it comes as the automatic reply.
    expect(page).not.toContain("Yes.");
    expect(page.indexOf('id="side-tab-faq"')).toBeLessThan(page.indexOf(`id="side-tab-tab-${tab.id}"`));
    expect(page).toContain("Line one\n&lt;script&gt;x&lt;/script&gt; ");
    expect(page).toContain('<a href="https://shop.example/returns" target="_blank" rel="noopener nofollow ugc">');
    expect(page).toContain('class="icon-button chat-side-toggle" title="FAQ"');
  });

  it("leaves the questions out while the leave-a-message form replaces the composer, and keeps the tabs", async () => {
    const ctx = testApp();
    const { agent: owner } = await signedIn(ctx, "owner");
    addFaq(ctx.db, owner, { question: "Ship abroad?", answer: "Yes." });
    addInfoTab(ctx.db, owner, { title: "Returns", body: "30 days." });
    ctx.sqlite.run("UPDATE businesses SET offline_when_no_agent = 1");
    const page = await chatPage(ctx);
    expect(page).toContain('id="leave-message"');
    expect(page).not.toContain("Ship abroad?");
    expect(page).toContain(">Returns</button>");
    expect(page).toContain("30 days.");
  });
});
