// Webhooks and email as an owner sets them up in Chromium against the built binary: a real
// receiver checks the signature of an event a visitor causes and sees a retry after it answered
// 500; a real SMTP server (aiosmtpd) receives the test email, the digest for an agent who is
// away and the inbox answer to a visitor who left their email.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { createHmac } from "node:crypto";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { startSmtpServer } from "../test/smtp-server";
import { type Kefu, launchBrowser, postForm, queryKefu, setUpShop, shotsDir, startKefu } from "./support";

setDefaultTimeout(90_000);

let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;
let widgetKey: string;

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  ({ ownerCookie, widgetKey } = await setUpShop(kefu));
});

afterAll(async () => {
  await browser?.close();
  await kefu?.stop();
});

async function ownerPage(options: { width?: number; height?: number; locale?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ locale: options.locale ?? "en-US", viewport: { width: options.width ?? 1280, height: options.height ?? 800 } });
  context.setDefaultTimeout(15_000);
  const [name, value] = ownerCookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: kefu.url }]);
  return { context, page: await context.newPage() };
}

async function textOf(locator: Locator): Promise<string> {
  await locator.first().waitFor();
  return (await locator.first().textContent())?.trim() ?? "";
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${shotsDir}/outbound-${name}.png`, fullPage: true });

/** Screenshots of a page on a desktop and a phone, in English and Chinese. */
async function shotsOf(path: string, name: string) {
  for (const locale of ["en-US", "zh-CN"]) {
    for (const [device, width, height] of [["desktop", 1280, 800], ["phone", 390, 844]] as const) {
      const { context, page } = await ownerPage({ locale, width, height });
      await page.goto(kefu.url + path);
      await shot(page, `${name}-${device}-${locale}`);
      await context.close();
    }
  }
}

describe("webhooks", () => {
  const calls: { headers: Headers; body: string }[] = [];
  let statuses = [500];
  let receiver: ReturnType<typeof Bun.serve>;

  beforeAll(() => {
    receiver = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(request) {
        calls.push({ headers: request.headers, body: await request.text() });
        const status = statuses.shift() ?? 200;
        return new Response(status === 200 ? "ok" : "down for maintenance", { status });
      },
    });
  });
  afterAll(() => receiver?.stop(true));

  it("refuses a private address until the owner allows it, signs a visitor's message and tries again after a 500", async () => {
    const hookUrl = `http://127.0.0.1:${receiver.port}/kefu`;
    const { context, page } = await ownerPage();
    await page.goto(`${kefu.url}/console/settings`);
    await page.locator(".section-nav a", { hasText: "Integrations" }).click();
    await page.waitForURL("**/console/integrations");
    const add = page.locator("#webhook-add");
    await add.locator("input[name=url]").fill(hookUrl);
    for (const event of ["conversation.assigned", "conversation.transferred", "conversation.closed", "rating.given", "offline_message.created"]) {
      await add.locator(`input[value="${event}"]`).uncheck();
    }
    await add.locator("button[type=submit]").click();
    expect(await textOf(page.locator("#webhook-add .field-error"))).toContain("must start with https://");
    // Refused, with what was typed kept.
    expect(await page.locator("#webhook-add input[name=url]").inputValue()).toBe(hookUrl);
    expect(queryKefu(kefu, "SELECT id FROM webhook_endpoints")).toHaveLength(0);
    await page.locator("#webhook-add input[name=url]").fill(`https://127.0.0.1:${receiver.port}/kefu`);
    await page.locator("#webhook-add button[type=submit]").click();
    expect(await textOf(page.locator("#webhook-add .field-error"))).toContain("private or local address");
    await page.locator("#webhook-add input[name=url]").fill(hookUrl);
    await page.locator("#webhook-add input[name=allowPrivate]").check();
    await page.locator("#webhook-add button[type=submit]").click();
    const card = page.locator(".webhook-endpoint");
    expect(await textOf(card.locator(".webhook-url"))).toBe(hookUrl);
    const secret = await card.locator("input[id$=-secret]").inputValue();
    expect(secret).toMatch(/^whsec_/);

    // A visitor writes on the chat page.
    const visitorContext = await browser.newContext({ locale: "en-US" });
    const visitor = await visitorContext.newPage();
    await visitor.goto(`${kefu.url}/chat/${widgetKey}`);
    await visitor.locator("#composer textarea[name=body]").fill("Do you have the green teapot?");
    await visitor.locator("#composer textarea[name=body]").press("Enter");

    const messageCalls = async (count: number) => {
      const until = Date.now() + 20_000;
      for (;;) {
        const found = calls.filter((call) => JSON.parse(call.body).event === "message.created");
        if (found.length >= count) return found;
        if (Date.now() > until) throw new Error(`the receiver got ${found.length} message.created calls, expected ${count}`);
        await Bun.sleep(100);
      }
    };
    const [first] = await messageCalls(1);
    const [, t, v1] = first!.headers.get("kefu-signature")!.match(/^t=(\d+),v1=([0-9a-f]{64})$/)!;
    expect(createHmac("sha256", secret).update(`${t}.${first!.body}`).digest("hex")).toBe(v1!);
    expect(JSON.parse(first!.body)).toMatchObject({ event: "message.created", data: { message: { body: "Do you have the green teapot?", sender: "visitor" } } });
    // It answered 500: the same delivery comes again after its pause, and then counts as delivered.
    const [, second] = await messageCalls(2);
    expect(second!.headers.get("kefu-delivery")).toBe(first!.headers.get("kefu-delivery"));
    expect(second!.body).toBe(first!.body);
    await page.reload();
    const row = page.locator(".delivery[data-event='message.created']");
    expect(await textOf(row.locator(".badge.delivered"))).toBe("Delivered");
    expect(await textOf(row.locator("td").nth(2))).toBe("2");

    // Send test: the log shows it, and the receiver gets it.
    await card.locator("button", { hasText: "Send test" }).click();
    await page.locator(".delivery[data-event='webhook.test']").waitFor();
    const until = Date.now() + 10_000;
    while (!calls.some((call) => JSON.parse(call.body).event === "webhook.test") && Date.now() < until) await Bun.sleep(100);
    expect(calls.some((call) => JSON.parse(call.body).event === "webhook.test")).toBe(true);
    await shot(page, "integrations-log");
    await visitorContext.close();
    await context.close();
    await shotsOf("/console/integrations", "integrations");
  });
});

describe("email", () => {
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  beforeAll(async () => {
    smtp = await startSmtpServer();
  });
  afterAll(() => smtp?.stop());

  const waitForMail = async (to: string, ms = 45_000) => {
    const until = Date.now() + ms;
    for (;;) {
      const found = smtp.received().filter((mail) => mail.to === `<${to}>`);
      if (found.length) return found;
      if (Date.now() > until) throw new Error(`no mail reached ${to}`);
      await Bun.sleep(200);
    }
  };

  it("sends the test email, the digest to an agent who is away, and the inbox answer to a visitor", async () => {
    // An agent who has never opened the console: away.
    const added = await postForm(kefu, "/console/team", { name: "Bo Agent", email: "bo@example.com", role: "agent" }, { cookie: ownerCookie });
    expect(added.status).toBe(200);

    const { context, page } = await ownerPage();
    await page.goto(`${kefu.url}/console/email`);
    await page.locator("#field-host").fill("127.0.0.1");
    await page.locator("#field-port").fill(String(smtp.port));
    await page.locator("#field-security").selectOption("none");
    await page.locator("#field-fromName").fill("Mei's Tea");
    await page.locator("#field-fromAddress").fill("shop@example.com");
    await page.locator("#email-server button[type=submit]").click();
    expect(await textOf(page.locator("#email-server .notice.ok"))).toBe("Email settings saved.");
    await page.locator("button", { hasText: "Send a test email" }).click();
    const [test] = await waitForMail("mei@example.com", 10_000);
    expect(test!.subject).toBe("Test email from Kefu");
    expect(test!.from).toContain("<shop@example.com>");
    await page.locator("#email-log .badge.delivered").waitFor({ timeout: 10_000 });

    // A visitor leaves a message with their email (nobody reads the chat page meanwhile).
    const chat = await fetch(`${kefu.url}/chat/${widgetKey}`);
    const visitorCookie = chat.headers.getSetCookie().find((c) => c.startsWith("kefu_visitor="))!.split(";")[0]!;
    const left = await postForm(kefu, `/chat/${widgetKey}/leave-message`, { name: "Fang <b>", phone: "", email: "fang@example.com", message: "Please tell me when the oolong is back" }, { cookie: visitorCookie });
    expect(left.status).toBe(200);

    // Bo is away: the next housekeeping round mails him the digest (every 30 s).
    const [digest] = await waitForMail("bo@example.com");
    expect(digest!.subject).toBe("Kefu: 1 new while you were away");
    expect(digest!.text).toContain("Please tell me when the oolong is back");
    expect(digest!.html).toContain("Fang &lt;b&gt;");
    // The owner has the console open: no digest for her.
    expect(smtp.received().filter((mail) => mail.to === "<mei@example.com>")).toHaveLength(1);

    // The owner answers from the inbox; the visitor is not on the page, so the answer goes by email.
    await page.goto(`${kefu.url}/console/inbox`);
    await page.locator("button", { hasText: "Reply in chat" }).click();
    await page.waitForURL("**/console/conversations/*");
    await page.locator("#composer textarea[name=body]").fill("It is back since Monday!");
    await page.locator("#composer textarea[name=body]").press("Enter");
    const [reply] = await waitForMail("fang@example.com", 15_000);
    expect(reply!.subject).toBe("Reply from Kefu");
    expect(reply!.text).toContain("It is back since Monday!");
    expect(reply!.text).toContain("> Please tell me when the oolong is back");
    await page.goto(`${kefu.url}/console/email`);
    await shot(page, "email-log");
    await context.close();
    await shotsOf("/console/email", "email");
  });
});
