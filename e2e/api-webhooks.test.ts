// Webhooks managed through the API, against the built binary: a script with the owner's write token
// adds an endpoint (refused for a private address until it allows them), a real receiver gets a
// visitor's message signed with the secret the API gave, the test delivery is sent, and the
// endpoint's deliveries say so; the owner sees the same endpoint in Settings → Integrations, which
// links to the reference, and the reference documents the endpoints in both languages.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { createHmac } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { type Kefu, launchBrowser, postForm, setUpShop, shotsDir, startKefu } from "./support";

setDefaultTimeout(60_000);

let kefu: Kefu;
let browser: Browser;
let ownerCookie = "";
let widgetKey = "";
const tokens = { read: "", write: "" };
const calls: { headers: Headers; body: string }[] = [];
let receiver: ReturnType<typeof Bun.serve>;

/** A token the owner makes on the profile page, read from the page as they would copy it. */
async function ownerToken(name: string, scope: "read" | "write"): Promise<string> {
  const page = await (await postForm(kefu, "/console/profile/api-tokens", { name, scope }, { cookie: ownerCookie })).text();
  return page.match(/id="new-api-token"[^>]*>(kefu_[^<]+)</)![1]!;
}

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  ({ ownerCookie, widgetKey } = await setUpShop(kefu));
  tokens.write = await ownerToken("CRM sync", "write");
  tokens.read = await ownerToken("Dashboard", "read");
  receiver = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      calls.push({ headers: request.headers, body: await request.text() });
      return new Response("ok");
    },
  });
});

afterAll(async () => {
  receiver?.stop(true);
  await browser?.close();
  await kefu?.stop();
});

function api(token: string, path: string, init: { method?: string; json?: unknown } = {}) {
  return fetch(`${kefu.url}/api/v1${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Bearer ${token}`, ...(init.json === undefined ? {} : { "content-type": "application/json" }) },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
}

async function callsOf(event: string, ms = 20_000) {
  const until = Date.now() + ms;
  for (;;) {
    const found = calls.filter((call) => JSON.parse(call.body).event === event);
    if (found.length) return found;
    if (Date.now() > until) throw new Error(`the receiver got no ${event}`);
    await Bun.sleep(100);
  }
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${shotsDir}/api-webhooks-${name}.png`, fullPage: true });

describe("a webhook endpoint made through the API", () => {
  let endpoint: { id: number; url: string; secret: string };

  it("is refused for a private address until allowed, and answers 201 with its secret", async () => {
    const hookUrl = `http://127.0.0.1:${receiver.port}/kefu`;
    const refused = await api(tokens.write, "/webhooks", { method: "POST", json: { url: `https://127.0.0.1:${receiver.port}/kefu`, events: ["message.created"] } });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ field: "url", error: expect.stringContaining("private or local address") });
    const created = await api(tokens.write, "/webhooks", { method: "POST", json: { url: hookUrl, events: ["message.created"], allowPrivate: true } });
    expect(created.status).toBe(201);
    endpoint = await created.json();
    expect(endpoint).toMatchObject({ url: hookUrl, events: ["message.created"], enabled: true, allowPrivate: true });
    expect(endpoint.secret).toMatch(/^whsec_/);
    // A read-only token sees the endpoint, not what signs its calls.
    const { webhooks } = await (await api(tokens.read, "/webhooks")).json();
    expect(webhooks).toEqual([{ ...endpoint, secret: null }]);
  });

  it("receives a visitor's message signed with that secret, and a test; its deliveries say both went through", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const visitor = await context.newPage();
    await visitor.goto(`${kefu.url}/chat/${widgetKey}`);
    await visitor.locator("#composer textarea[name=body]").fill("Is the jasmine tea in stock?");
    await visitor.locator("#composer textarea[name=body]").press("Enter");
    const [call] = await callsOf("message.created");
    const [, t, v1] = call!.headers.get("kefu-signature")!.match(/^t=(\d+),v1=([0-9a-f]{64})$/)!;
    expect(createHmac("sha256", endpoint.secret).update(`${t}.${call!.body}`).digest("hex")).toBe(v1!);
    expect(JSON.parse(call!.body)).toMatchObject({ event: "message.created", data: { message: { body: "Is the jasmine tea in stock?", sender: "visitor" } } });
    await context.close();

    const test = await api(tokens.write, `/webhooks/${endpoint.id}/test`, { method: "POST" });
    expect(test.status).toBe(201);
    const queued = await test.json();
    expect(queued).toMatchObject({ event: "webhook.test", status: "pending" });
    await callsOf("webhook.test", 10_000);

    const until = Date.now() + 10_000;
    let log: { id: number; event: string; status: string; attempts: number; lastCode: number | null }[] = [];
    while (Date.now() < until) {
      log = (await (await api(tokens.read, `/webhooks/${endpoint.id}/deliveries`)).json()).deliveries;
      if (log.every((delivery) => delivery.status === "delivered")) break;
      await Bun.sleep(100);
    }
    expect(log.map(({ event, status, attempts, lastCode }) => ({ event, status, attempts, lastCode }))).toEqual([
      { event: "webhook.test", status: "delivered", attempts: 1, lastCode: 200 },
      { event: "message.created", status: "delivered", attempts: 1, lastCode: 200 },
    ]);
    expect(log[0]!.id).toBe(queued.id);
  });

  it("is the one the owner sees in Settings → Integrations, with its log and a link to the reference", async () => {
    for (const [locale, width, height] of [["en-US", 1280, 800], ["zh-CN", 390, 844]] as const) {
      const context = await browser.newContext({ locale, viewport: { width, height } });
      const [name, value] = ownerCookie.split("=") as [string, string];
      await context.addCookies([{ name, value, url: kefu.url }]);
      const page = await context.newPage();
      await page.goto(`${kefu.url}/console/integrations`);
      expect(await page.locator(".webhook-endpoint .webhook-url").textContent()).toBe(endpoint.url);
      expect(await page.locator(".webhook-endpoint input[id$=-secret]").inputValue()).toBe(endpoint.secret);
      expect(await page.locator(".delivery.delivered").count()).toBe(2);
      await shot(page, `integrations-${locale}-${width}`);
      // The page points to the reference, at its webhooks, in the owner's language.
      const [docs] = await Promise.all([context.waitForEvent("page"), page.locator(".console a[href*='/api/v1/docs']").click()]);
      await docs.waitForLoadState();
      expect(new URL(docs.url()).hash).toBe("#webhooks");
      expect(await docs.locator("#webhooks").textContent()).toBe(locale === "en-US" ? "Webhooks" : "Webhook");
      await context.close();
    }
  });

  it("is changed, then deleted, through the API", async () => {
    const changed = await api(tokens.write, `/webhooks/${endpoint.id}`, { method: "PATCH", json: { events: ["conversation.closed"] } });
    expect(await changed.json()).toMatchObject({ id: endpoint.id, events: ["conversation.closed"], url: endpoint.url });
    const deleted = await api(tokens.write, `/webhooks/${endpoint.id}`, { method: "DELETE" });
    expect(await deleted.json()).toEqual({ id: endpoint.id, deleted: true });
    expect((await api(tokens.write, `/webhooks/${endpoint.id}`)).status).toBe(404);
    expect((await (await api(tokens.read, "/webhooks")).json()).webhooks).toEqual([]);
  });
});

describe("the reference", () => {
  it("documents the webhook endpoints in English and Chinese", async () => {
    for (const [locale, width, height, heading] of [["en", 1280, 800, "Webhooks"], ["zh-CN", 390, 844, "Webhook"]] as const) {
      const page = await browser.newPage({ viewport: { width, height } });
      await page.goto(`${kefu.url}/api/v1/docs?locale=${locale}`);
      const section = page.locator("h2", { hasText: heading }).last();
      await section.scrollIntoViewIfNeeded();
      const endpoints = page.locator(".api-endpoint[id*=webhooks]");
      expect(await endpoints.count()).toBe(7);
      await endpoints.first().screenshot({ path: `${shotsDir}/api-webhooks-docs-${locale}-${width}.png` });
      await endpoints.nth(1).screenshot({ path: `${shotsDir}/api-webhooks-docs-create-${locale}-${width}.png` });
      await page.close();
    }
  });
});
