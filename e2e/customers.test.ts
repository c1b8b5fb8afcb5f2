// Customers (客户) as a shop's owner uses them, against the built binary in real Chromium: a
// visitor chats, the owner fills in who they are from the conversation, then finds them in
// Customers, opens their page, exports their data and deletes them (asked twice) while their chat
// is still open: the list no longer has them and their chat page starts again empty. The steps
// share one server and run in order; screenshots in both languages, wide and on a phone.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Kefu, launchBrowser, queryKefu, setUpShop, shotsDir, startKefu } from "./support";

setDefaultTimeout(60_000);

let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;
let widgetKey: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  ({ ownerCookie, widgetKey } = await setUpShop(kefu));
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await kefu?.stop();
});

async function person(options: { owner?: boolean; locale?: string; width?: number; height?: number } = {}): Promise<Page> {
  const context = await browser.newContext({ locale: options.locale ?? "en-US", viewport: { width: options.width ?? 1280, height: options.height ?? 800 }, acceptDownloads: true });
  contexts.push(context);
  context.setDefaultTimeout(15_000);
  await context.addInitScript(() => {
    const w = window as unknown as { __kefuWsOpen: boolean };
    w.__kefuWsOpen = false;
    document.addEventListener("htmx:ws:after:connection", () => (w.__kefuWsOpen = true));
    document.addEventListener("htmx:ws:close", () => (w.__kefuWsOpen = false));
  });
  if (options.owner) await context.addCookies([{ name: "kefu_session", value: ownerCookie.slice("kefu_session=".length), url: kefu.url }]);
  return context.newPage();
}

const socketOpen = (page: Page) => page.waitForFunction(() => (window as unknown as { __kefuWsOpen?: boolean }).__kefuWsOpen === true, undefined, { polling: 25 });

let visitorPage: Page;
let owner: Page;
let visitorId: number;

describe("customers", () => {
  it("a visitor who chats becomes a customer once the owner notes who they are", async () => {
    visitorPage = await person({ width: 400, height: 700 });
    await visitorPage.goto(`${kefu.url}/chat/${widgetKey}`);
    await socketOpen(visitorPage);
    const composer = visitorPage.locator("#composer textarea[name=body]");
    await composer.fill("Is the oolong in stock?");
    await composer.press("Enter");
    await visitorPage.locator("#thread .message.mine:not(.pending) .bubble", { hasText: "Is the oolong in stock?" }).waitFor();
    const [conversation] = queryKefu<{ id: number; visitorId: number }>(kefu, "SELECT id, visitor_id AS visitorId FROM conversations");
    visitorId = conversation!.visitorId;

    owner = await person({ owner: true });
    await owner.goto(`${kefu.url}/console/conversations/${conversation!.id}`);
    await socketOpen(owner);
    await owner.locator("#visitor-edit summary").click();
    await owner.locator("#visitor-field-name").fill("Wang Fang");
    await owner.locator("#visitor-field-email").fill("fang@example.cn");
    await owner.locator("#visitor-edit button[type=submit]").click();
    await owner.locator("#visitor-summary", { hasText: "fang@example.cn" }).waitFor();
  });

  it("finds the customer by what they told us and opens their page with their conversation", async () => {
    await owner.goto(`${kefu.url}/console/customers`);
    // Each console page has its socket: leave a page only once it is up. Playwright (on Bun) has
    // failed a click whose navigation raced a socket it had not bound yet ("Cannot find object").
    await socketOpen(owner);
    await owner.locator("#customer-q").fill("example.cn");
    await owner.locator(".customer-filters button[type=submit]").click();
    await owner.waitForURL(/q=example\.cn/);
    await socketOpen(owner);
    const item = owner.locator(".customer-item", { hasText: "Wang Fang" });
    await expect(item.textContent()).resolves.toContain("fang@example.cn");
    await owner.screenshot({ path: `${shotsDir}/customers-list-en-1280.png`, fullPage: true });
    await item.locator("a").click();
    await owner.waitForURL(new RegExp(`/console/customers/${visitorId}$`));
    await socketOpen(owner);
    await expect(owner.locator("h1").textContent()).resolves.toBe("Wang Fang");
    const line = owner.locator("#customer-conversation-list a", { hasText: "Is the oolong in stock?" });
    await line.waitFor();
    await owner.screenshot({ path: `${shotsDir}/customers-page-en-1280.png`, fullPage: true });
  });

  it("reads the same in Chinese and on a phone", async () => {
    for (const [locale, width, height] of [["zh-CN", 1280, 800], ["zh-CN", 390, 844], ["en-US", 390, 844]] as const) {
      const page = await person({ owner: true, locale, width, height });
      await page.goto(`${kefu.url}/console/customers`);
      await page.locator(".customer-item", { hasText: "Wang Fang" }).waitFor();
      await socketOpen(page);
      if (locale === "zh-CN") await expect(page.locator("h1").textContent()).resolves.toBe("客户");
      // Nothing runs off the side of a phone.
      await expect(page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).resolves.toBe(true);
      const tag = `${locale === "zh-CN" ? "zh" : "en"}-${width}`;
      await page.screenshot({ path: `${shotsDir}/customers-list-${tag}.png`, fullPage: true });
      await page.goto(`${kefu.url}/console/customers/${visitorId}`);
      await page.locator("#customer-conversation-list").waitFor();
      await expect(page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).resolves.toBe(true);
      await page.screenshot({ path: `${shotsDir}/customers-page-${tag}.png`, fullPage: true });
    }
  });

  it("exports the customer's data as a JSON download", async () => {
    const [download] = await Promise.all([owner.waitForEvent("download"), owner.locator("#customer-export").click()]);
    expect(download.suggestedFilename()).toBe(`customer-${visitorId}.json`);
    const data = JSON.parse(readFileSync((await download.path())!, "utf8"));
    expect(data.visitor).toMatchObject({ id: visitorId, name: "Wang Fang", email: "fang@example.cn" });
    expect(data.conversations[0].messages.map((message: { body: string }) => message.body)).toContain("Is the oolong in stock?");
  });

  it("deletes the customer after asking twice, ends their chat, and they are gone", async () => {
    await owner.locator("#customer-delete").click();
    await owner.waitForURL(/\/delete$/);
    await socketOpen(owner);
    await expect(owner.locator("h1").textContent()).resolves.toBe("Delete Wang Fang?");
    await expect(owner.locator("#customer-delete-what").textContent()).resolves.toContain("Their conversations (1)");
    await owner.screenshot({ path: `${shotsDir}/customers-delete-en-1280.png`, fullPage: true });
    // The second ask: the button does nothing until the box is ticked.
    await owner.locator("#customer-delete-confirm").click();
    await expect(owner.url()).toMatch(/\/delete$/);
    await owner.locator("input[name=understood]").check();
    await owner.locator("#customer-delete-confirm").click();
    await owner.waitForURL(/\/console\/customers\?deleted=1$/);
    await owner.locator("#customer-deleted").waitFor();
    await expect(owner.locator(".customer-item").count()).resolves.toBe(0);
    expect(queryKefu(kefu, "SELECT id FROM visitors WHERE name = 'Wang Fang' OR email = 'fang@example.cn'")).toEqual([]);
    expect(queryKefu(kefu, "SELECT id FROM messages")).toEqual([]);
    expect(queryKefu(kefu, "SELECT id FROM conversations")).toEqual([]);
    // The visitor's page was closed and reloaded: it starts again as someone new, with nothing of before.
    await visitorPage.locator("#thread .message", { hasText: "Is the oolong in stock?" }).waitFor({ state: "detached" });
    await socketOpen(visitorPage);
    await expect(visitorPage.locator("#thread .message.mine").count()).resolves.toBe(0);
  });
});
