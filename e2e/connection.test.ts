// What each side sees when its connection drops and returns: the widget on a shop's page of
// another origin (localhost:<port>, while Kefu answers on 127.0.0.1 through a TCP proxy that can
// cut the network), and the agent's console through a proxy of its own. "Reconnecting…" within
// about a second, presence greyed out, a message written meanwhile "Sending…" (never "Not sent"),
// "Back online" when it returns, and the message delivered once.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import type { Browser, BrowserContext, FrameLocator, Page } from "playwright-core";
import { type Kefu, launchBrowser, setUpShop, shotsDir, startHostShop, startKefu, startTcpProxy, type TcpProxy } from "./support";

setDefaultTimeout(60_000);

let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;
let widgetKey: string;
let visitorProxy: TcpProxy;
let agentProxy: TcpProxy;
let host: ReturnType<typeof startHostShop>;
let visitorContext: BrowserContext;
let agentContext: BrowserContext;
let shop: Page;
let agent: Page;

const widget = (page: Page): FrameLocator => page.frameLocator("[data-kefu] iframe");

function storedBodies(text: string): string[] {
  const db = new Database(join(kefu.dataDir, "kefu.db"), { readonly: true });
  try {
    return (db.query("SELECT body FROM messages WHERE body = ?").all(text) as { body: string }[]).map((row) => row.body);
  } finally {
    db.close();
  }
}

/** How long until the page shows "Reconnecting…", from the moment the network is cut. */
async function timeToReconnecting(proxy: TcpProxy, notice: ReturnType<Page["locator"]>): Promise<number> {
  const cutAt = performance.now();
  proxy.cut();
  await notice.filter({ hasText: "Reconnecting…" }).waitFor({ state: "visible", timeout: 5000 });
  return performance.now() - cutAt;
}

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  ({ ownerCookie, widgetKey } = await setUpShop(kefu));
  [visitorProxy, agentProxy] = await Promise.all([startTcpProxy(kefu.url), startTcpProxy(kefu.url)]);
  // The shop's page loads the widget from Kefu through the visitor's proxy, so the chat page in
  // its iframe, and that page's socket, go through it too.
  host = startHostShop(visitorProxy.url, widgetKey);
  visitorContext = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  agentContext = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  for (const context of [visitorContext, agentContext]) context.setDefaultTimeout(10_000);
  await agentContext.addCookies([{ name: "kefu_session", value: ownerCookie.slice("kefu_session=".length), url: agentProxy.url }]);

  agent = await agentContext.newPage();
  await agent.goto(`${agentProxy.url}/console`);
  shop = await visitorContext.newPage();
  await shop.goto(host.url);
  await shop.locator("[data-kefu] .launcher").click();
  const composer = widget(shop).locator("#composer textarea[name=body]");
  await composer.fill("Is anyone there?");
  await composer.press("Enter");
  await widget(shop).locator("#thread .message.mine:not(.pending)", { hasText: "Is anyone there?" }).waitFor();
  await agent.locator("#my-conversations a").first().click();
  await agent.locator("#thread .message.theirs", { hasText: "Is anyone there?" }).waitFor();
  await widget(shop).locator("#agent-status .presence.online").waitFor();
});

afterAll(async () => {
  await visitorContext?.close();
  await agentContext?.close();
  await browser?.close();
  host?.stop();
  await visitorProxy?.stop();
  await agentProxy?.stop();
  await kefu?.stop();
});

describe("the visitor's connection drops and returns", () => {
  it("says Reconnecting… within about a second, greys out the agent's presence, and keeps a new message Sending… until it is delivered once", async () => {
    const frame = widget(shop);
    const ms = await timeToReconnecting(visitorProxy, frame.locator("#connection-state"));
    expect(ms).toBeLessThan(2000);
    const presence = frame.locator("#agent-status .presence");
    await expect(presence.evaluate((element) => Number(getComputedStyle(element).opacity))).resolves.toBeLessThan(1);

    const composer = frame.locator("#composer textarea[name=body]");
    await composer.fill("Written while offline.");
    await composer.press("Enter");
    const bubble = frame.locator("#thread .message.mine.pending", { hasText: "Written while offline." });
    await bubble.locator(".meta", { hasText: "Sending…" }).waitFor({ state: "visible" });
    await shop.screenshot({ path: `${shotsDir}/connection-visitor-lost.png` });
    // Longer than a send used to wait before it gave up and said "Not sent".
    await Bun.sleep(11_000);
    await expect(frame.locator("#thread .message.failed").count()).resolves.toBe(0);
    await expect(bubble.locator(".meta").textContent()).resolves.toBe("Sending…");

    visitorProxy.restore();
    await frame.locator("#connection-state", { hasText: "Back online" }).waitFor({ state: "visible", timeout: 15_000 });
    await frame.locator("#thread .message.mine:not(.pending)", { hasText: "Written while offline." }).waitFor();
    await agent.locator("#thread .message.theirs", { hasText: "Written while offline." }).waitFor();
    expect(storedBodies("Written while offline.")).toHaveLength(1);
    await expect(presence.evaluate((element) => Number(getComputedStyle(element).opacity))).resolves.toBe(1);
    await frame.locator("#connection-state").waitFor({ state: "hidden", timeout: 5000 });
  });
});

describe("the agent's connection drops and returns", () => {
  it("says Reconnecting… within about a second, greys out the visitor's presence, and Back online when it returns", async () => {
    const ms = await timeToReconnecting(agentProxy, agent.locator("#connection-state"));
    expect(ms).toBeLessThan(2000);
    const presence = agent.locator("#visitor-status");
    await expect(presence.evaluate((element) => Number(getComputedStyle(element).opacity))).resolves.toBeLessThan(1);
    await agent.locator("#composer textarea[name=body]").fill("Still here, one moment.");
    await agent.locator("#composer textarea[name=body]").press("Enter");
    await agent.locator("#thread .message.mine.pending .meta", { hasText: "Sending…" }).waitFor({ state: "visible" });
    await agent.screenshot({ path: `${shotsDir}/connection-agent-lost.png` });

    agentProxy.restore();
    await agent.locator("#connection-state", { hasText: "Back online" }).waitFor({ state: "visible", timeout: 15_000 });
    await widget(shop).locator("#thread .message.theirs", { hasText: "Still here, one moment." }).waitFor();
    expect(storedBodies("Still here, one moment.")).toHaveLength(1);
  });
});
