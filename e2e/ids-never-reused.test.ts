// Ids that are never used twice, against the built binary in real Chromium: a visitor chats, the
// owner deletes them as a customer, and the next visitor to chat gets a visitor and a conversation
// of their own, with new ids. The links to the deleted customer (a bookmark, a colleague's chat
// message, an integration's stored id) answer "not found" instead of opening the newcomer's chat.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Kefu, launchBrowser, postForm, queryKefu, setUpShop, shotsDir, startKefu } from "./support";

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

async function page(options: { owner?: boolean; locale?: string; width?: number; height?: number } = {}): Promise<Page> {
  const context = await browser.newContext({ locale: options.locale ?? "en-US", viewport: { width: options.width ?? 1280, height: options.height ?? 800 } });
  contexts.push(context);
  context.setDefaultTimeout(15_000);
  if (options.owner) await context.addCookies([{ name: "kefu_session", value: ownerCookie.slice("kefu_session=".length), url: kefu.url }]);
  return context.newPage();
}

/** A new visitor's first message from the chat page; the ids it was stored under. */
async function chat(text: string): Promise<{ visitorId: number; conversationId: number }> {
  const visitor = await page({ width: 400, height: 700 });
  await visitor.goto(`${kefu.url}/chat/${widgetKey}`);
  const composer = visitor.locator("#composer textarea[name=body]");
  await composer.fill(text);
  await composer.press("Enter");
  await visitor.locator("#thread .message.mine:not(.pending) .bubble", { hasText: text }).waitFor();
  const [stored] = queryKefu<{ visitorId: number; conversationId: number }>(
    kefu,
    "SELECT c.visitor_id AS visitorId, c.id AS conversationId FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.body = ?",
    text,
  );
  return stored!;
}

describe("ids that are never used twice", () => {
  let deleted: { visitorId: number; conversationId: number };
  let newcomer: { visitorId: number; conversationId: number };

  it("gives the visitor who chats after a deleted customer ids of their own", async () => {
    deleted = await chat("Please forget me");
    const removed = await postForm(kefu, `/console/customers/${deleted.visitorId}/delete`, { understood: "yes" }, { cookie: ownerCookie });
    expect(removed.status).toBe(303);
    expect(queryKefu(kefu, "SELECT id FROM visitors WHERE id = ?", deleted.visitorId)).toEqual([]);

    newcomer = await chat("Hello, is anyone there?");
    expect(newcomer.visitorId).toBeGreaterThan(deleted.visitorId);
    expect(newcomer.conversationId).toBeGreaterThan(deleted.conversationId);
  });

  it("answers the deleted customer's links with not found, in both languages, and the newcomer's with their chat", async () => {
    for (const [locale, width, height] of [["en-US", 1280, 800], ["zh-CN", 1280, 800], ["en-US", 390, 844], ["zh-CN", 390, 844]] as const) {
      const owner = await page({ owner: true, locale, width, height });
      const tag = `${locale === "zh-CN" ? "zh" : "en"}-${width}`;
      for (const [what, path] of [["customer", `/console/customers/${deleted.visitorId}`], ["conversation", `/console/conversations/${deleted.conversationId}`]]) {
        const response = await owner.goto(kefu.url + path);
        expect(response!.status()).toBe(404);
        await expect(owner.locator("body").textContent()).resolves.not.toContain("Hello, is anyone there?");
        await owner.screenshot({ path: `${shotsDir}/ids-deleted-${what}-${tag}.png`, fullPage: true });
      }
    }
    const owner = await page({ owner: true });
    expect((await owner.goto(`${kefu.url}/console/conversations/${newcomer.conversationId}`))!.status()).toBe(200);
    await owner.locator(".message", { hasText: "Hello, is anyone there?" }).first().waitFor();
    expect((await owner.goto(`${kefu.url}/console/customers/${newcomer.visitorId}`))!.status()).toBe(200);
  });
});
