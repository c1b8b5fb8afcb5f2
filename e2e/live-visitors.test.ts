// Proactive chat as a shop uses it: a visitor browses a host page on another origin with the
// widget closed; an agent sees them in Live visitors with the page they are on, writes first, and
// the visitor's widget opens by itself to show the message. The visitor answers; the agent sees it.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Kefu, launchBrowser, postForm, sessionCookie, shotsDir, startKefu } from "./support";

setDefaultTimeout(60_000);

const owner = { name: "Mei", email: "mei@example.com", password: "a long password" };
const hostTitle = "Oolong tea — Tea House";

let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;
let widgetKey: string;
let host: ReturnType<typeof Bun.serve>;
let hostUrl: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  const setup = await postForm(kefu, "/setup", owner);
  expect(setup.status).toBe(303);
  ownerCookie = sessionCookie(setup);
  const db = new Database(join(kefu.dataDir, "kefu.db"), { readonly: true });
  ({ widgetKey } = db.query("SELECT widget_key AS widgetKey FROM businesses").get() as { widgetKey: string });
  db.close();
  const kefuUrl = kefu.url;
  // The shop: another origin than Kefu's 127.0.0.1, with the snippet as the deployment page gives it.
  host = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () =>
      new Response(
        `<!doctype html><html><head><meta charset="utf-8"><title>${hostTitle}</title></head>
<body><h1>Tea House</h1><p>Oolong tea, 250 g</p>
<script async src="${kefuUrl}/widget.js" data-key="${widgetKey}"></script></body></html>`,
        { headers: { "content-type": "text/html; charset=utf-8" } },
      ),
  });
  hostUrl = `http://localhost:${host.port}`;
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  host?.stop(true);
  await kefu?.stop();
});

async function newPage(cookie?: string): Promise<Page> {
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  context.setDefaultTimeout(15_000);
  if (cookie) await context.addCookies([{ name: "kefu_session", value: cookie.slice("kefu_session=".length), url: kefu.url }]);
  return context.newPage();
}

describe("live visitors and proactive chat", () => {
  it("shows a browsing visitor to the agent, whose first message opens the visitor's widget", async () => {
    const visitor = await newPage();
    const visitorErrors: string[] = [];
    visitor.on("pageerror", (error) => visitorErrors.push(error.message));
    await visitor.goto(hostUrl);
    const launcher = visitor.locator("[data-kefu] .launcher");
    const panel = visitor.locator("[data-kefu] .panel");
    await launcher.waitFor();
    // The panel loads closed in the background; it stays closed until something opens it. Wait
    // for it to have loaded: Playwright (on Bun) has once failed a call made while the frame was
    // still loading ("Object with guid response@… was not bound in the connection").
    await visitor.frameLocator("[data-kefu] iframe").locator("#composer").waitFor({ state: "attached" });
    await expect(panel.isHidden()).resolves.toBe(true);

    const agent = await newPage(ownerCookie);
    await agent.goto(`${kefu.url}/console/visitors`);
    // The row appears once the widget's socket is up and its page report is in: the list
    // refreshes itself every 5 seconds.
    const row = agent.locator("table.live-visitors tr[data-visitor]", { hasText: hostTitle });
    await row.waitFor({ timeout: 20_000 });
    await expect(row.locator(`a[href="${hostUrl}/"]`).textContent()).resolves.toBe(hostTitle);
    await agent.screenshot({ path: `${shotsDir}/live-visitors.png` });

    await row.getByRole("button", { name: "Start a chat" }).click();
    await agent.locator("#proactive-body").fill("Hello! Looking for a good oolong?");
    await agent.getByRole("button", { name: "Send and open the chat" }).click();
    await agent.waitForURL(/\/console\/conversations\/\d+$/);
    await agent.locator("#thread .message.mine", { hasText: "Hello! Looking for a good oolong?" }).waitFor();

    // The widget opened by itself, showing the agent's message.
    await panel.waitFor({ state: "visible" });
    const widget = visitor.frameLocator("[data-kefu] iframe");
    await widget.locator("#thread .message.theirs", { hasText: "Hello! Looking for a good oolong?" }).waitFor();
    await visitor.screenshot({ path: `${shotsDir}/live-visitors-widget-opened.png` });

    const composer = widget.locator("#composer textarea[name=body]");
    await composer.fill("Yes, something not too roasted.");
    await composer.press("Enter");
    await agent.locator("#thread .message.theirs", { hasText: "Yes, something not too roasted." }).waitFor();
    await agent.screenshot({ path: `${shotsDir}/live-visitors-answered.png` });

    // Back in the list, the visitor is now in a chat with this agent.
    await agent.goto(`${kefu.url}/console/visitors`);
    await agent.locator("table.live-visitors tr[data-visitor]", { hasText: "Chatting with you" }).waitFor();
    expect(visitorErrors).toEqual([]);
  });
});
