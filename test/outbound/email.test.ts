import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { deliveries, offlineMessages, visitors } from "../../src/db/schema";
import { closeConversation } from "../../src/domain/conversations";
import { leaveMessage } from "../../src/domain/offline-messages";
import { sendAgentMessage, sendVisitorMessage } from "../../src/domain/messages";
import { mimeMessage } from "../../src/outbound/mime-message";
import { queueDigests } from "../../src/outbound/digests";
import { tmpdir } from "node:os";
import { createApp } from "../../src/app";
import { silentLog } from "../../src/log";
import { addMember, openChat, signedIn, testApp } from "../support";
import { startSmtpServer } from "../smtp-server";

let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(() => smtp.stop());

const mailsTo = (to: string) => smtp.received().filter((mail) => mail.to === `<${to}>`);
async function waitForMail(to: string, ms = 5000) {
  const until = Date.now() + ms;
  while (!mailsTo(to).length) {
    if (Date.now() > until) throw new Error(`no mail reached ${to}`);
    await Bun.sleep(50);
  }
  return mailsTo(to);
}

/** A shop whose owner set up email with the test's SMTP server. */
async function shopWithEmail(form: Record<string, string> = {}) {
  const ctx = testApp();
  const owner = await signedIn(ctx, "owner", `owner-${crypto.randomUUID()}@example.com`);
  const saved = await owner.client.post("/console/email", {
    host: "127.0.0.1",
    port: String(smtp.port),
    security: "none",
    username: "",
    password: "",
    fromName: "Tea Shop",
    fromAddress: "shop@example.com",
    ...form,
  });
  expect(saved.status).toBe(200);
  return { ...ctx, owner };
}

describe("email", () => {
  it("sends a test email to the signed-in agent through the shop's SMTP server", async () => {
    const ctx = await shopWithEmail();
    const response = await ctx.owner.client.post("/console/email/test", {}, { "hx-request": "true" });
    expect(response.status).toBe(200);
    const [mail] = await waitForMail(ctx.owner.agent.email);
    expect(mail!.subject).toBe("Test email from Kefu");
    expect(mail!.from).toContain("<shop@example.com>");
    await Bun.sleep(20);
    const page = await (await ctx.owner.client.get("/console/email")).text();
    expect(page).toContain(ctx.owner.agent.email);
    expect(page).toContain("Delivered");
  });

  it("keeps the stored password when the field is left empty, and never shows it", async () => {
    const ctx = await shopWithEmail({ username: "shop", password: "s3cret-smtp" });
    const again = await ctx.owner.client.post("/console/email", { host: "127.0.0.1", port: String(smtp.port), security: "none", username: "shop", password: "", fromAddress: "shop@example.com" });
    expect(again.status).toBe(200);
    expect(await again.text()).not.toContain("s3cret-smtp");
    expect(await (await ctx.owner.client.get("/console/email")).text()).not.toContain("s3cret-smtp");
    const stored = ctx.sqlite.query("select password from email_settings").get() as { password: string };
    expect(stored.password).toBe("s3cret-smtp");
  });

  it("refuses a bad server, port or a From name with a line break, and changes nothing", async () => {
    const ctx = await shopWithEmail();
    const refused = await ctx.owner.client.post("/console/email", { host: "smtp example", port: "99999", security: "ssl", fromName: "Shop\r\nBcc: all@example.com", fromAddress: "nope" });
    expect(refused.status).toBe(422);
    const page = await refused.text();
    for (const problem of ["Enter the server&#39;s name", "The port is a number", "Choose None, STARTTLS or TLS", "One line of at most 80 characters", "Enter an email address"]) expect(page).toContain(problem);
    expect(ctx.sqlite.query("select host from email_settings").get()).toEqual({ host: "127.0.0.1" });
  });

  it("is for owners and admins only", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    expect((await client.get("/console/email")).status).toBe(403);
  });

  it("mails agents who are away a digest of what they missed, at most once an hour, unless they turned it off", async () => {
    const ctx = await shopWithEmail();
    const online = await addMember(ctx, "agent", `online-${crypto.randomUUID()}@example.com`);
    const away = await addMember(ctx, "agent", `away-${crypto.randomUUID()}@example.com`);
    const noDigest = await signedIn(ctx, "agent", `nodigest-${crypto.randomUUID()}@example.com`);
    expect((await noDigest.client.post("/console/preferences/digest", {})).status).toBe(303);
    const { visitor } = await openChat(ctx);
    leaveMessage(ctx.db, ctx.app.hub, { id: ctx.business.id, offlineRequired: [] }, visitor.id, { name: "Li <b>Lei</b>", phone: "", email: "lei@example.com", message: "Do you ship to Chengdu?" });
    const { visitor: waiting } = await openChat(ctx);
    sendVisitorMessage(ctx.db, ctx.app.hub, waiting, { clientId: `client-${crypto.randomUUID()}`, body: "hello?" }, []);

    expect(queueDigests(ctx.db, [online.id], "https://kefu.example.com")).toBe(2);
    ctx.app.outbound.runner.wake();
    const [mail] = await waitForMail(away.email);
    expect(mail!.subject).toBe("Kefu: 2 new while you were away");
    expect(mail!.text).toContain("Do you ship to Chengdu?");
    expect(mail!.text).toContain("Chats nobody answered (1)");
    expect(mail!.text).toContain("https://kefu.example.com/console/inbox");
    expect(mail!.html).toContain("Li &lt;b&gt;Lei&lt;/b&gt;");
    expect(mail!.html).not.toContain("<b>Lei");
    await waitForMail(ctx.owner.agent.email);
    expect(mailsTo(online.email)).toHaveLength(0);
    expect(mailsTo(noDigest.agent.email)).toHaveLength(0);
    // Within the hour nothing more, even with something new.
    leaveMessage(ctx.db, ctx.app.hub, { id: ctx.business.id, offlineRequired: [] }, visitor.id, { name: "", phone: "", email: "", message: "Hello again" });
    expect(queueDigests(ctx.db, [online.id], null)).toBe(0);
    expect(queueDigests(ctx.db, [online.id], null, Date.now() + 61 * 60 * 1000)).toBe(2);
  });

  it("mails the agent's answer to a visitor who left an offline message with their email", async () => {
    const ctx = await shopWithEmail();
    const { visitor } = await openChat(ctx);
    ctx.db.update(visitors).set({ language: "zh-CN" }).where(eq(visitors.id, visitor.id)).run();
    leaveMessage(ctx.db, ctx.app.hub, { id: ctx.business.id, offlineRequired: [] }, visitor.id, { name: "Fang", phone: "", email: "fang@example.com", message: "Is the oolong back in stock?" });
    const entry = ctx.db.select().from(offlineMessages).get()!;
    const replied = await ctx.owner.client.post(`/console/inbox/${entry.id}/reply`);
    expect(replied.status).toBe(303);
    const conversationId = Number(replied.headers.get("location")!.split("/").at(-1));
    sendAgentMessage(ctx.db, ctx.app.hub, ctx.owner.agent, conversationId, { clientId: `client-${crypto.randomUUID()}`, body: "Yes, since Monday <3" });
    const [mail] = await waitForMail("fang@example.com");
    expect(mail!.subject).toBe("Kefu 的回复");
    expect(mail!.text).toContain("Yes, since Monday <3");
    expect(mail!.text).toContain("> Is the oolong back in stock?");
    expect(mail!.html).toContain("Yes, since Monday &lt;3");
  });

  it("still mails the answer after a restart", async () => {
    const ctx = await shopWithEmail();
    const { visitor } = await openChat(ctx);
    leaveMessage(ctx.db, ctx.app.hub, { id: ctx.business.id, offlineRequired: [] }, visitor.id, { name: "", phone: "", email: "after@example.com", message: "Still open?" });
    const entry = ctx.db.select().from(offlineMessages).get()!;
    const replied = await ctx.owner.client.post(`/console/inbox/${entry.id}/reply`);
    const conversationId = Number(replied.headers.get("location")!.split("/").at(-1));
    // Another app on the same database, as after a restart.
    const restarted = createApp({ db: ctx.db, sqlite: ctx.sqlite, secret: "0".repeat(64), config: { publicUrl: null, trustProxy: false }, uploadsDir: tmpdir(), log: silentLog });
    sendAgentMessage(ctx.db, restarted.hub, ctx.owner.agent, conversationId, { clientId: `client-${crypto.randomUUID()}`, body: "Yes, until six" });
    const [mail] = await waitForMail("after@example.com");
    expect(mail!.text).toContain("Yes, until six");
  });

  it("mails the transcript when a conversation closes, if the shop wants it and the visitor gave an email", async () => {
    const ctx = await shopWithEmail({ transcripts: "on" });
    const { visitor } = await openChat(ctx);
    ctx.db.update(visitors).set({ email: "mei@example.com" }).where(eq(visitors.id, visitor.id)).run();
    const { conversation } = sendVisitorMessage(ctx.db, ctx.app.hub, visitor, { clientId: `client-${crypto.randomUUID()}`, body: "Which tea for the evening?" }, [ctx.owner.agent.id]);
    sendAgentMessage(ctx.db, ctx.app.hub, ctx.owner.agent, conversation.id, { clientId: `client-${crypto.randomUUID()}`, body: "A roasted oolong." });
    closeConversation(ctx.db, ctx.app.hub, ctx.owner.agent, conversation.id);
    const [mail] = await waitForMail("mei@example.com");
    expect(mail!.subject).toBe("Your conversation with Kefu");
    expect(mail!.text).toContain("You: Which tea for the evening?");
    expect(mail!.text).toContain("A roasted oolong.");
  });

  it("records a failure with the server's answer and tries again later", async () => {
    const ctx = await shopWithEmail({ port: "1" });
    await ctx.owner.client.post("/console/email/test");
    const until = Date.now() + 3000;
    while (ctx.db.select().from(deliveries).get()?.attempts !== 1 && Date.now() < until) await Bun.sleep(20);
    expect(ctx.db.select().from(deliveries).get()).toMatchObject({ status: "pending", attempts: 1, lastCode: null });
    expect(await (await ctx.owner.client.get("/console/email/deliveries")).text()).toContain("Retrying");
  });
});

describe("an email as sent", () => {
  it("cannot gain a header from a subject or a name with line breaks", () => {
    const raw = mimeMessage({ name: "Shop\r\nBcc: all@example.com", address: "shop@example.com" }, { to: "a@example.com", subject: "Hi\r\nBcc: evil@example.com", text: "x", html: "x" });
    const head = raw.split("\r\n\r\n")[0]!;
    expect(head).not.toMatch(/^Bcc:/m);
    expect(head.split("\r\n").filter((line) => line.startsWith("Subject:"))).toEqual(["Subject: Hi Bcc: evil@example.com"]);
  });
});
