import { describe, expect, it } from "bun:test";
import { auditLog } from "../../src/db/schema";
import { answerSettingsOf, listAnswerRules } from "../../src/domain/answer-rules";
import { limits } from "../../src/domain/limits";
import { Client, type ListeningApp, listeningApps, signedIn, TestSocket, testApp, visitChat, wsUrl } from "../support";

const path = "/console/automatic-answers";
const start = listeningApps();

async function visitorSocket(ctx: ListeningApp) {
  const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
  const socket = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws`), { cookie, origin: ctx.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return socket;
}

const bodies = (ctx: ListeningApp) => (ctx.sqlite.query("SELECT body FROM messages ORDER BY id").all() as { body: string }[]).map((row) => row.body);

describe("the Automatic answers page", () => {
  it("adds, edits and deletes a rule and saves the settings, each noted in the audit log", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "admin");
    const added = await client.post(`${path}/rules`, { keywords: " 退货 \n\n退款\n退货", answer: "30 天内可退货。", enabled: "on" });
    expect(added.status).toBe(303);
    const [rule] = listAnswerRules(ctx.db, ctx.business.id);
    expect(rule).toMatchObject({ keywords: "退货\n退款", answer: "30 天内可退货。", enabled: true });
    expect(added.headers.get("location")).toBe(`${path}#rule-${rule!.id}`);
    expect((await client.post(`${path}/rules/${rule!.id}`, { keywords: "退货", answer: "Changed" })).status).toBe(303);
    expect(listAnswerRules(ctx.db, ctx.business.id)[0]).toMatchObject({ answer: "Changed", enabled: false });
    expect((await client.post(`${path}/settings`, { answerWhen: "noAgentOnline", useFaqs: "on" })).status).toBe(303);
    expect((await client.post(`${path}/banned-words`, { bannedWords: "傻瓜\n", bannedMode: "refuse" })).status).toBe(303);
    expect(answerSettingsOf(ctx.db, ctx.business.id)).toMatchObject({ answerWhen: "noAgentOnline", useFaqs: true, bannedWords: "傻瓜", bannedMode: "refuse" });
    const page = await (await client.get(path)).text();
    expect(page).toContain(`href="${path}" aria-current="page"`);
    expect(page).toContain("退货</textarea>");
    expect(page).toContain('value="noAgentOnline" checked');
    expect((await client.post(`${path}/rules/${rule!.id}/delete`)).status).toBe(303);
    expect(listAnswerRules(ctx.db, ctx.business.id)).toEqual([]);
    expect(ctx.db.select().from(auditLog).all().map((row) => row.action)).toEqual([
      "answer_rule.created",
      "answer_rule.updated",
      "answer_settings.changed",
      "answer_settings.changed",
      "answer_rule.deleted",
    ]);
  });

  it("says what is wrong next to each field, keeps what was typed, and stores nothing", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    const refused = await client.post(`${path}/rules`, { keywords: "\n", answer: "<b>typed</b>" });
    expect(refused.status).toBe(422);
    const page = await refused.text();
    expect(page).toContain("Enter at least one keyword.");
    expect(page).toContain("&lt;b&gt;typed&lt;/b&gt;</textarea>");
    const long = await client.post(`${path}/banned-words`, { bannedWords: "x".repeat(limits.bannedWordLength + 1), bannedMode: "mask" });
    expect(long.status).toBe(422);
    expect(await long.text()).toContain(`A banned word can be at most ${limits.bannedWordLength} characters.`);
    expect((await client.post(`${path}/settings`, { answerWhen: "sometimes" })).status).toBe(422);
    expect(listAnswerRules(ctx.db, ctx.business.id)).toEqual([]);
    expect(answerSettingsOf(ctx.db, ctx.business.id).answerWhen).toBe("off");
    expect(ctx.db.select().from(auditLog).all()).toEqual([]);
  });

  it("is for owners and admins only", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    expect((await client.get(path)).status).toBe(403);
    expect((await client.post(`${path}/rules`, { keywords: "a", answer: "b", enabled: "on" })).status).toBe(403);
    expect((await client.post(`${path}/settings`, { answerWhen: "untilAgent" })).status).toBe(403);
    expect(listAnswerRules(ctx.db, ctx.business.id)).toEqual([]);
    expect(await (await client.get("/console")).text()).not.toContain(`href="${path}"`);
  });
});

describe("banned words in the pre-chat form's question", () => {
  it("masks them as in the chat: the question is the visitor's first message", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "owner");
    await client.post(`${path}/banned-words`, { bannedWords: "傻瓜", bannedMode: "mask" });
    ctx.sqlite.run(`UPDATE businesses SET pre_chat_form = 1, pre_chat_required = '[]'`);
    const visitor = new Client(ctx.app);
    const page = await (await visitor.get(`/chat/${ctx.business.widgetKey}`)).text();
    const action = /<form method="post" action="([^"]+)"/.exec(page)![1]!.replaceAll("&amp;", "&");
    const clientId = /name="clientId" value="([^"]+)"/.exec(page)![1]!;
    const sent = await visitor.post(action, { name: "", email: "", phone: "", question: "你们是傻瓜吗", clientId });
    expect(sent.status).toBe(303);
    expect(ctx.sqlite.query("SELECT body FROM messages").all()).toEqual([{ body: "你们是＊＊吗" }]);
  });
});

describe("automatic answers over the visitor socket", () => {
  it("answers a rule saved on the page at once, labelled with the shop's name, with Talk to a person", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "owner");
    // Claim mode: asking for a person puts the visitor in the queue for an agent to take.
    ctx.sqlite.run("UPDATE businesses SET routing_mode = 'claim'");
    await client.post(`${path}/settings`, { answerWhen: "untilAgent" });
    await client.post(`${path}/rules`, { keywords: "退货", answer: "30 天内可退货。", enabled: "on" });
    // An agent online: the request for a person is queued rather than answered by the form.
    const agentSocket = new TestSocket(wsUrl(ctx, "/ws/agent"), { cookie: client.cookie!, origin: ctx.base });
    await agentSocket.opened;
    agentSocket.send({ type: "resume", after: 0 });
    const visitor = await visitorSocket(ctx);
    visitor.send({ type: "send", clientId: crypto.randomUUID(), body: "我想退货怎么办" });
    const answer = await visitor.next((f) => f.includes("message theirs auto"));
    expect(answer).toContain("30 天内可退货。");
    expect(answer).toContain(`${ctx.business.name} <span class="faq-tag auto-label">Automatic answer</span>`);
    expect(answer).toContain('hx-vals=\'{"type": "person"}\'');
    const mark = agentSocket.frames.length;
    visitor.send({ type: "person" });
    await visitor.next((f) => f.includes("You asked to talk to a person"));
    // The agents' waiting list says so beside the preview.
    expect(await agentSocket.next((f) => f.includes('class="faq-tag bot-note" data-bot="personRequested"'), 2000, mark)).toContain("Asked for a person");
    const waiting = ctx.sqlite.query("SELECT status, agent_id AS agentId FROM conversations ORDER BY id DESC").get();
    expect(waiting).toEqual({ status: "queued", agentId: null });
  });

  it("answers with the FAQ once the shop ticks it, after the FAQ changed on its page", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "owner");
    await client.post(`${path}/settings`, { answerWhen: "untilAgent", useFaqs: "on" });
    const visitor = await visitorSocket(ctx);
    await client.post("/console/visitor-window/faqs", { question: "发货要多久？", answer: "3 天内发货。" });
    visitor.send({ type: "send", clientId: crypto.randomUUID(), body: "请问发货要多久" });
    expect(await visitor.next((f) => f.includes("message theirs auto"))).toContain("3 天内发货。");
  });

  it("refuses a message with a banned word by the send's error, and stores nothing", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "owner");
    await client.post(`${path}/banned-words`, { bannedWords: "傻瓜", bannedMode: "refuse" });
    const visitor = await visitorSocket(ctx);
    const clientId = crypto.randomUUID();
    visitor.send({ type: "send", clientId, body: "你是傻瓜" });
    const error = JSON.parse(await visitor.next((f) => f.includes(clientId)));
    expect(error).toEqual({ type: "error", clientId, message: "Your message contains words this shop does not accept. Please rephrase it." });
    expect(bodies(ctx)).toEqual([]);
  });

  it("offers the leave-a-message form for Talk to a person while nobody is online", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "owner");
    await client.post(`${path}/settings`, { answerWhen: "noAgentOnline" });
    await client.post(`${path}/rules`, { keywords: "退货", answer: "30 天内可退货。", enabled: "on" });
    const visitor = await visitorSocket(ctx);
    visitor.send({ type: "send", clientId: crypto.randomUUID(), body: "退货" });
    await visitor.next((f) => f.includes("message theirs auto"));
    visitor.send({ type: "person" });
    const form = await visitor.next((f) => f.includes('id="leave-message"'));
    expect(form).toContain('<hx-partial hx-target="#composer" hx-swap="outerHTML">');
    expect(form).toContain(`action="/chat/${ctx.business.widgetKey}/leave-message"`);
    expect(ctx.sqlite.query("SELECT count(*) AS n FROM conversations WHERE status <> 'closed'").get()).toEqual({ n: 0 });
  });
});
