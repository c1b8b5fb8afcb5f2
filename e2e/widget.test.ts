// The widget as a shop deploys it: the host page is on another origin (localhost:<port>, a site of
// its own, while Kefu answers on 127.0.0.1), so the chat page runs as a third-party iframe with a
// partitioned cookie, and the loader and the iframe talk across origins by postMessage only.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { createHmac } from "node:crypto";
import { join } from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { type Kefu, launchBrowser, openConsole, postForm, sessionCookie, shotsDir, startKefu } from "./support";

setDefaultTimeout(30_000);

const owner = { name: "Mei", email: "mei@example.com", password: "a long password" };
const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };
const wechatUserAgent =
  "Mozilla/5.0 (Linux; Android 13; V2183A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64";

let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;
let widgetKey: string;
let identitySecret: string;
let host: ReturnType<typeof Bun.serve>;
/** The host shop's origin: another site than Kefu's 127.0.0.1. */
let hostUrl: string;

/** A shop page with the snippet, as the deployment page gives it; `settings` becomes window.kefuSettings. */
function hostPage(kefuUrl: string, settings: unknown, mode: string | null): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Host shop</title></head>
<body><h1>Host shop</h1><button id="host-button" onclick="this.textContent = 'clicked'">Host button</button>
<script>window.kefuSettings = ${JSON.stringify(settings)};</script>
<script async src="${kefuUrl}/widget.js" data-key="${widgetKey}" ${mode ? `data-mode="${mode}"` : ""}></script></body></html>`;
}

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  const setup = await postForm(kefu, "/setup", owner);
  expect(setup.status).toBe(303);
  ownerCookie = sessionCookie(setup);
  const db = new Database(join(kefu.dataDir, "kefu.db"), { readonly: true });
  ({ widgetKey, identitySecret } = db.query("SELECT widget_key AS widgetKey, identity_secret AS identitySecret FROM businesses").get() as {
    widgetKey: string;
    identitySecret: string;
  });
  db.close();
  const kefuUrl = kefu.url;
  host = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(request) {
      const url = new URL(request.url);
      const settings = JSON.parse(url.searchParams.get("settings") ?? "{}");
      return new Response(hostPage(kefuUrl, settings, url.searchParams.get("mode")), { headers: { "content-type": "text/html; charset=utf-8" } });
    },
  });
  hostUrl = `http://localhost:${host.port}`;
});

afterAll(async () => {
  await browser?.close();
  host?.stop(true);
  await kefu?.stop();
});

/** Every uncaught error of a page: the widget must never throw into its host. */
function watch(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

async function newContext(options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: "en-US", viewport: desktop, ...options });
  context.setDefaultTimeout(10_000);
  return context;
}

/** The agent's console, signed in as the owner; opening it makes the owner an online agent. */
const agentConsole = async (): Promise<Page> => openConsole(await newContext(), kefu.url, ownerCookie);

const launcher = (page: Page) => page.locator("[data-kefu] .launcher");
const badge = (page: Page) => page.locator("[data-kefu] .badge");
const panel = (page: Page) => page.locator("[data-kefu] .panel");
const widgetFrame = (page: Page) => page.frameLocator("[data-kefu] iframe");

async function sendFromWidget(page: Page, text: string): Promise<void> {
  const composer = widgetFrame(page).locator("#composer textarea[name=body]");
  await composer.fill(text);
  await composer.press("Enter");
  await widgetFrame(page).locator("#thread .message.mine:not(.pending)", { hasText: text }).waitFor();
}

/** Opens the agent's newest conversation, and checks that `text` is in it. */
async function openNewestConversation(agent: Page, text: string): Promise<void> {
  await agent.goto(`${kefu.url}/console`);
  await agent.locator("#my-conversations a").first().click();
  await agent.locator("#thread .message", { hasText: text }).waitFor();
}

const hostAt = (settings: unknown = {}, mode?: string) =>
  `${hostUrl}/?settings=${encodeURIComponent(JSON.stringify(settings))}${mode ? `&mode=${mode}` : ""}`;

describe("the mini window on another site", () => {
  it("chats with an agent, shows the unread badge while closed, and opens again on the reply", async () => {
    const agent = await agentConsole();
    const context = await newContext();
    const page = await context.newPage();
    const errors = watch(page);
    await page.goto(hostAt({ product: { title: "Red mug", price: "¥39", url: `${hostUrl}/mug` } }));
    await launcher(page).click();
    await expect(panel(page).isVisible()).resolves.toBe(true);
    await sendFromWidget(page, "Is the red mug in stock?");

    await openNewestConversation(agent, "Is the red mug in stock?");
    // The agent sees the product card and the page the visitor is on, from the host site.
    await agent.locator("#thread .product-card", { hasText: "Red mug" }).waitFor();
    await agent.locator("#visitor-panel", { hasText: "Host shop" }).waitFor();
    // A single-page shop changes route: the panel follows the visitor there.
    await page.evaluate(() => {
      document.title = "Checkout";
      history.pushState(null, "", "/checkout");
    });
    await agent.locator("#visitor-panel a[href$='/checkout']", { hasText: "Checkout" }).waitFor();

    await launcher(page).click(); // closes the panel
    await expect(panel(page).isHidden()).resolves.toBe(true);
    await agent.locator("#composer textarea[name=body]").fill("Yes, 12 left.");
    await agent.locator("#composer textarea[name=body]").press("Enter");
    await badge(page).filter({ hasText: "1" }).waitFor();
    await page.screenshot({ path: `${shotsDir}/widget-badge.png` });

    await launcher(page).click();
    await widgetFrame(page).locator("#thread .message.theirs", { hasText: "Yes, 12 left." }).waitFor();
    await expect(badge(page).isHidden()).resolves.toBe(true);
    // Read only once the visitor opened the panel: the agent's message now shows it was seen.
    await agent.locator("#thread .message.mine.seen", { hasText: "Yes, 12 left." }).waitFor();
    await page.screenshot({ path: `${shotsDir}/widget-open.png` });

    // The host page still works, and nothing was thrown into it.
    await page.locator("#host-button").click();
    await expect(page.locator("#host-button").textContent()).resolves.toBe("clicked");
    expect(errors).toEqual([]);
    await context.close();
    await agent.context().close();
  });

  it("fills the screen of a phone", async () => {
    const context = await newContext({ viewport: phone, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    await page.goto(hostAt());
    await launcher(page).click();
    await widgetFrame(page).locator("#composer").waitFor();
    const box = await panel(page).boundingBox();
    expect(box).toEqual({ x: 0, y: 0, width: phone.width, height: phone.height });
    await page.screenshot({ path: `${shotsDir}/widget-phone.png` });
    // Closed from inside the chat page (its header's close button), the launcher comes back.
    await widgetFrame(page).locator("#close-widget").click();
    await expect(panel(page).isHidden()).resolves.toBe(true);
    await expect(launcher(page).isVisible()).resolves.toBe(true);
    await context.close();
  });
});

describe("the standard window", () => {
  it("opens the chat page in a new tab", async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(hostAt({}, "window"));
    const [tab] = await Promise.all([context.waitForEvent("page"), launcher(page).click()]);
    await tab.waitForLoadState();
    expect(new URL(tab.url()).pathname).toBe(`/chat/${widgetKey}`);
    await tab.locator("#composer").waitFor();
    await expect(panel(page).count()).resolves.toBe(0);
    await context.close();
  });
});

describe("host-site identity", () => {
  it("trusts a verified id only with its valid hash", async () => {
    const turnedOn = await postForm(kefu, "/console/deploy/identity", { identityVerification: "on" }, { cookie: ownerCookie });
    expect(turnedOn.status).toBeLessThan(400);
    const agent = await agentConsole();
    const hash = createHmac("sha256", identitySecret).update("customer-42").digest("hex");

    const verified = await newContext();
    const page = await verified.newPage();
    await page.goto(hostAt({ visitor: { id: "customer-42", name: "Li Lei", email: "li@example.com", userHash: hash } }));
    await launcher(page).click();
    await sendFromWidget(page, "Where is my order?");
    await openNewestConversation(agent, "Where is my order?");
    await agent.locator(".conversation-header", { hasText: "Li Lei" }).waitFor();
    await agent.locator("#visitor-panel .verified").waitFor();
    await agent.locator("#visitor-panel", { hasText: "li@example.com" }).waitFor();

    // Someone posing as that customer from the browser console: a made-up hash.
    const forged = await newContext();
    const poser = await forged.newPage();
    await poser.goto(hostAt({ visitor: { id: "customer-42", name: "Li Lei", userHash: "0".repeat(64) } }));
    await launcher(poser).click();
    await sendFromWidget(poser, "I am Li Lei, give me his orders");
    await openNewestConversation(agent, "give me his orders");
    await expect(agent.locator(".conversation-header").textContent()).resolves.toContain("Visitor #");
    await expect(agent.locator("#visitor-panel .verified").count()).resolves.toBe(0);
    await expect(agent.locator("#thread").textContent()).resolves.not.toContain("Where is my order?");
    await Promise.all([verified.close(), forged.close(), agent.context().close()]);
  });
});

describe("the chat page in WeChat", () => {
  it("works in WeChat's in-app browser on a narrow screen", async () => {
    const context = await newContext({ viewport: { width: 360, height: 640 }, userAgent: wechatUserAgent, isMobile: true, hasTouch: true, locale: "zh-CN" });
    const page = await context.newPage();
    const errors = watch(page);
    await page.goto(`${kefu.url}/chat/${widgetKey}?via=wechat`);
    await page.locator("#composer textarea[name=body]").fill("你好");
    await page.locator("#composer textarea[name=body]").press("Enter");
    await page.locator("#thread .message.mine:not(.pending)", { hasText: "你好" }).waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);
    await page.screenshot({ path: `${shotsDir}/wechat.png` });
    expect(errors).toEqual([]);
    const db = new Database(join(kefu.dataDir, "kefu.db"), { readonly: true });
    const row = db.query("SELECT c.channel FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE m.body = '你好'").get();
    db.close();
    expect(row).toEqual({ channel: "wechat" });
    await context.close();
  });
});

describe("the demo shop", () => {
  it("carries the widget, whose FAQ answers by itself", async () => {
    const added = await postForm(kefu, "/console/visitor-window/faqs", { question: "How long is shipping?", answer: "Two to three days." }, { cookie: ownerCookie });
    expect(added.status).toBe(303);
    const context = await newContext();
    const page = await context.newPage();
    const errors = watch(page);
    await page.goto(`${kefu.url}/demo`);
    await page.locator("[data-kefu=open]").click();
    const frame = widgetFrame(page);
    await frame.locator(".chat-side-toggle").click();
    await frame.locator("button", { hasText: "How long is shipping?" }).click();
    await frame.locator("#thread .message.auto", { hasText: "Two to three days." }).waitFor();
    await page.screenshot({ path: `${shotsDir}/widget-faq.png` });
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("allowed sites", () => {
  it("draws nothing on a site the shop does not list, and the chat page refuses to be framed there", async () => {
    const listed = await postForm(kefu, "/console/deploy/origins", { origins: "https://shop.example.com" }, { cookie: ownerCookie });
    expect(listed.status).toBeLessThan(400);
    try {
      const context = await newContext();
      const page = await context.newPage();
      const errors = watch(page);
      const refused = page.waitForResponse((response) => response.url().includes("/config"));
      await page.goto(hostAt());
      expect((await refused).status()).toBe(403);
      await expect(page.locator("[data-kefu]").count()).resolves.toBe(0);
      const framing = await fetch(`${kefu.url}/chat/${widgetKey}?embed=1`);
      expect(framing.headers.get("content-security-policy")).toContain("frame-ancestors 'self' https://shop.example.com;");
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await postForm(kefu, "/console/deploy/origins", { origins: "" }, { cookie: ownerCookie });
    }
  });
});

// Last: it stops Kefu.
describe("when Kefu is down", () => {
  it("leaves the host page loading and working, with no uncaught error", async () => {
    await kefu.stop();
    const context = await newContext();
    const page = await context.newPage();
    const errors = watch(page);
    await page.goto(hostAt({ visitor: { name: "Han Meimei" } }));
    await page.waitForLoadState("load");
    await page.locator("#host-button").click();
    await expect(page.locator("#host-button").textContent()).resolves.toBe("clicked");
    await expect(page.locator("[data-kefu]").count()).resolves.toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
