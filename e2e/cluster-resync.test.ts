// Kefu on Redis (--redis-url), when Redis crashes and comes back: pub/sub is at most once, so what
// other processes published meanwhile never reached this one. Its sockets close "going away" and
// the pages (the console, the widget on a shop's page of another origin) reconnect and resume by
// id, as after a restart; the chat then goes on both ways, each message once.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import type { Browser, BrowserContext, FrameLocator, Page } from "playwright-core";
import { type RedisServer, startRedisServer } from "../test/redis-server";
import { type Kefu, launchBrowser, phone, setUpShop, shotsDir, startHostShop, startKefu } from "./support";

setDefaultTimeout(60_000);

let redis: RedisServer;
let kefu: Kefu;
let browser: Browser;
let host: ReturnType<typeof startHostShop>;
let visitorContext: BrowserContext;
let agentContext: BrowserContext;
let shop: Page;
let agent: Page;
/** Sockets each page opened so far: a reconnect opens another. */
const opened = { shop: 0, agent: 0 };

const widget = (page: Page): FrameLocator => page.frameLocator("[data-kefu] iframe");

function stored(text: string): number {
  const db = new Database(join(kefu.dataDir, "kefu.db"), { readonly: true });
  try {
    return (db.query("SELECT count(*) AS n FROM messages WHERE body = ?").get(text) as { n: number }).n;
  } finally {
    db.close();
  }
}

async function until(what: string, done: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await Bun.sleep(50);
  }
}

beforeAll(async () => {
  redis = await startRedisServer();
  [kefu, browser] = await Promise.all([startKefu(["--redis-url", redis.url]), launchBrowser()]);
  const { ownerCookie, widgetKey } = await setUpShop(kefu);
  host = startHostShop(kefu.url, widgetKey);
  visitorContext = await browser.newContext({ locale: "en-US", viewport: phone });
  agentContext = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  for (const context of [visitorContext, agentContext]) context.setDefaultTimeout(10_000);
  await agentContext.addCookies([{ name: "kefu_session", value: ownerCookie.slice("kefu_session=".length), url: kefu.url }]);

  agent = await agentContext.newPage();
  agent.on("websocket", () => opened.agent++);
  await agent.goto(`${kefu.url}/console`);
  shop = await visitorContext.newPage();
  shop.on("websocket", () => opened.shop++);
  await shop.goto(host.url);
  await shop.locator("[data-kefu] .launcher").click();
  const composer = widget(shop).locator("#composer textarea[name=body]");
  await composer.fill("Is anyone there?");
  await composer.press("Enter");
  await agent.locator("#my-conversations a", { hasText: "Is anyone there?" }).click();
  await agent.locator("#thread .message.theirs", { hasText: "Is anyone there?" }).waitFor();
});

afterAll(async () => {
  await visitorContext?.close();
  await agentContext?.close();
  await browser?.close();
  host?.stop();
  await kefu?.stop();
  await redis?.stop();
});

it("reconnects both pages after Redis crashed and came back, and the chat goes on both ways, each message once", async () => {
  await until("both pages' sockets", () => opened.agent > 0 && opened.shop > 0);
  const before = { ...opened };
  await redis.stop({ crash: true });
  await redis.restart();
  await until("both pages reconnecting", () => opened.agent > before.agent && opened.shop > before.shop);

  const composer = widget(shop).locator("#composer textarea[name=body]");
  await composer.fill("Still there after the hiccup?");
  await composer.press("Enter");
  await agent.locator("#thread .message.theirs", { hasText: "Still there after the hiccup?" }).waitFor();
  await agent.locator("#composer textarea[name=body]").fill("Yes, still here.");
  await agent.locator("#composer textarea[name=body]").press("Enter");
  await widget(shop).locator("#thread .message.theirs", { hasText: "Yes, still here." }).waitFor();

  await agent.screenshot({ path: join(shotsDir, "cluster-resync-console.png") });
  await shop.screenshot({ path: join(shotsDir, "cluster-resync-widget-phone.png") });
  expect(await agent.locator("#thread .message", { hasText: "Still there after the hiccup?" }).count()).toBe(1);
  expect(await widget(shop).locator("#thread .message", { hasText: "Yes, still here." }).count()).toBe(1);
  expect(stored("Still there after the hiccup?")).toBe(1);
  expect(stored("Yes, still here.")).toBe(1);
  expect(kefu.output()).toContain("redis is back");
});
