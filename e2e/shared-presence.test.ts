// Presence kept in Redis (--redis-url), as the binary runs it: the console shows the visitor
// online in the lists, in the header and on the visitors page, a reload of the visitor's page is
// no "went offline / came online", and leaving is shown once, after the grace period.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import type { Browser, BrowserContext, FrameLocator, Page } from "playwright-core";
import { type RedisServer, startRedisServer } from "../test/redis-server";
import { type Kefu, launchBrowser, openConsole, phone, setUpShop, shotsDir, startHostShop, startKefu, visitorAtPhoneWidth } from "./support";

setDefaultTimeout(60_000);

/** The server's grace period (app.ts): a closed page counts as online this long. */
const graceMs = 5000;

let redis: RedisServer;
let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;
let host: ReturnType<typeof startHostShop>;
let agentContext: BrowserContext;
let agent: Page;

const widget = (page: Page): FrameLocator => page.frameLocator("[data-kefu] iframe");
const wentOffline = (page: Page) => page.locator("#thread .message.presence", { hasText: "The visitor went offline" });
const cameOnline = (page: Page) => page.locator("#thread .message.presence", { hasText: "The visitor came online" });

beforeAll(async () => {
  redis = await startRedisServer();
  [kefu, browser] = await Promise.all([startKefu(["--redis-url", redis.url]), launchBrowser()]);
  let widgetKey: string;
  ({ ownerCookie, widgetKey } = await setUpShop(kefu));
  host = startHostShop(kefu.url, widgetKey);
  agentContext = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  agentContext.setDefaultTimeout(10_000);
  agent = await openConsole(agentContext, kefu.url, ownerCookie);
});

afterAll(async () => {
  await agentContext?.close();
  await browser?.close();
  host?.stop();
  await kefu?.stop();
  await redis?.stop();
});

describe("presence kept in Redis", () => {
  it("shows the visitor online, takes a reload as no change, and their leaving once after the grace", async () => {
    const visitor = await visitorAtPhoneWidth(browser, host.url, "zh-CN");
    const composer = widget(visitor).locator("#composer textarea[name=body]");
    await composer.fill("你好，在吗？");
    await composer.press("Enter");
    await agent.locator("#my-conversations a", { hasText: "你好，在吗？" }).click();
    await agent.locator("#thread .message.theirs", { hasText: "你好，在吗？" }).waitFor();
    await agent.locator("#visitor-status.online").waitFor();
    await agent.locator("#my-conversations .dot.online").first().waitFor();
    await widget(visitor).locator("#agent-status .presence.online", { hasText: "在线" }).waitFor();
    await visitor.screenshot({ path: `${shotsDir}/shared-presence-visitor-phone-zh.png` });

    // A reload closes the page's socket and opens another within the grace period: nothing to say.
    await visitor.reload();
    await visitor.locator("[data-kefu] .launcher").click();
    await widget(visitor).locator("#thread .message.mine", { hasText: "你好，在吗？" }).waitFor();
    await Bun.sleep(graceMs + 1500);
    expect(await wentOffline(agent).count()).toBe(0);
    expect(await cameOnline(agent).count()).toBe(0);
    await agent.locator("#visitor-status.online").waitFor();

    await agent.goto(`${kefu.url}/console/visitors`);
    await agent.locator(".on-site").first().waitFor();
    await agent.screenshot({ path: `${shotsDir}/shared-presence-visitors-en.png` });
    await agent.goBack();
    await agent.locator("#thread .message.theirs", { hasText: "你好，在吗？" }).waitFor();

    // The visitor leaves: after the grace period, once.
    await visitor.context().close();
    await wentOffline(agent).waitFor({ timeout: graceMs + 5000 });
    await agent.locator("#visitor-status.offline").waitFor();
    await agent.locator("#my-conversations .dot.offline").first().waitFor();
    await Bun.sleep(1500);
    expect(await wentOffline(agent).count()).toBe(1);
    await agent.screenshot({ path: `${shotsDir}/shared-presence-console-en.png` });
  });

  it("shows the same in a console at phone width in Chinese", async () => {
    const context = await browser.newContext({ locale: "zh-CN", viewport: phone });
    context.setDefaultTimeout(10_000);
    const page = await openConsole(context, kefu.url, ownerCookie);
    await page.locator("#my-conversations a").first().click();
    await page.locator("#visitor-status.offline", { hasText: "离线" }).waitFor();
    await page.screenshot({ path: `${shotsDir}/shared-presence-console-phone-zh.png` });
    await context.close();
  });
});
