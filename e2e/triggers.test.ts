// Triggers as a shop deploys them: the owner adds one in the browser (pages matching */pricing*,
// 2 seconds, a message from the owner as an agent); on the shop's site, another origin than Kefu,
// a visitor on a pricing page sees the widget open with that message after the delay and answers;
// the agent's thread starts with the message, then the answer. A reload does not show it again (a
// cap of 1 a day) and a page that does not match never shows it. On a phone it is a bubble.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import type { Page } from "playwright-core";
import { openConsole, queryKefu, shotsDir, startShopOnAnotherSite } from "./support";

setDefaultTimeout(60_000);

const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };
const message = "Comparing plans? I can help you choose.";

/** A 48×48 PNG in a teal to white gradient: a face the screenshots can show. */
function avatarPng(): Uint8Array<ArrayBuffer> {
  const size = 48;
  const chunk = (type: string, data: Uint8Array) => {
    const body = new Uint8Array([...new TextEncoder().encode(type), ...data]);
    const length = new DataView(new ArrayBuffer(4));
    length.setUint32(0, data.length);
    const crc = new DataView(new ArrayBuffer(4));
    crc.setUint32(0, Bun.hash.crc32(body));
    return [...new Uint8Array(length.buffer), ...body, ...new Uint8Array(crc.buffer)];
  };
  const header = new DataView(new ArrayBuffer(13));
  header.setUint32(0, size);
  header.setUint32(4, size);
  header.setUint8(8, 8);
  header.setUint8(9, 2); // 8-bit RGB
  const rows: number[] = [];
  for (let y = 0; y < size; y++) {
    rows.push(0);
    for (let x = 0; x < size; x++) rows.push(13 + y * 4, 148 + x, 136 + y * 2);
  }
  return new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, ...chunk("IHDR", new Uint8Array(header.buffer)), ...chunk("IDAT", deflateSync(new Uint8Array(rows))), ...chunk("IEND", new Uint8Array())]);
}

const { kefu, browser, ownerCookie, host, stop } = await startShopOnAnotherSite();
afterAll(stop);

beforeAll(async () => {
  // Mei has a face: the visitor sees it beside her triggered message.
  const profile = new FormData();
  profile.set("name", "Mei");
  profile.set("avatar", new File([avatarPng()], "mei.png", { type: "image/png" }));
  const saved = await fetch(`${kefu.url}/console/profile`, { method: "POST", body: profile, headers: { cookie: ownerCookie, origin: kefu.url } });
  expect(saved.status).toBe(200);
  expect(queryKefu(kefu, "SELECT avatar IS NOT NULL AS has FROM agents")).toEqual([{ has: 1 }]);
});


async function visitor(path: string, viewport = desktop, locale = "en-US"): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ locale, viewport });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(host.url + path);
  return { page, errors };
}

const panel = (page: Page) => page.locator("[data-kefu] .panel");
const chat = (page: Page) => page.frameLocator("[data-kefu] iframe");

describe("a trigger", () => {
  it("is added by the owner in the browser, opens the widget on a matching page after its delay, and starts the conversation the visitor answers", async () => {
    const owner = await openConsole(await browser.newContext({ locale: "en-US", viewport: desktop }), kefu.url, ownerCookie);
    await owner.goto(`${kefu.url}/console/triggers`);
    const form = owner.locator("#trigger-create");
    await form.locator("#new-trigger-name").fill("Pricing help");
    await form.locator("#new-trigger-pagePattern").fill("*/pricing*");
    await form.locator("#new-trigger-delaySeconds").fill("2");
    await form.locator("#new-trigger-message").fill(message);
    await form.locator("#new-trigger-agentId").selectOption({ label: "Mei" });
    await form.locator("button[type=submit]").click();
    await owner.locator("#trigger-list .trigger", { hasText: "Pricing help" }).waitFor();
    await owner.screenshot({ path: join(shotsDir, "triggers-page-en-1280.png"), fullPage: true });
    expect(queryKefu(kefu, "SELECT page_pattern AS pattern, delay_seconds AS delay, enabled FROM triggers")).toEqual([{ pattern: "*/pricing*", delay: 2, enabled: 1 }]);

    const started = Date.now();
    const { page, errors } = await visitor("pricing?plan=pro");
    await chat(page).locator("#thread .message.theirs", { hasText: message }).waitFor();
    await panel(page).waitFor({ state: "visible" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    await chat(page).locator("#thread .message.theirs .author", { hasText: "Mei" }).waitFor();
    await page.screenshot({ path: join(shotsDir, "triggers-widget-en-1280.png") });

    const composer = chat(page).locator("#composer textarea[name=body]");
    await composer.fill("Is there a yearly price?");
    await composer.press("Enter");
    await chat(page).locator("#thread .message.mine:not(.pending)", { hasText: "Is there a yearly price?" }).waitFor();
    // The page's preview of the message is replaced by the stored line, not shown twice.
    expect(await chat(page).locator("#thread .message.theirs", { hasText: message }).count()).toBe(1);

    await owner.goto(`${kefu.url}/console`);
    await owner.locator("#my-conversations a", { hasText: "Is there a yearly price?" }).click();
    await owner.locator("#thread .message", { hasText: "Is there a yearly price?" }).waitFor();
    const lines = await owner.$$eval("#thread > .message:not(.event) .bubble", (bubbles) => bubbles.map((bubble) => bubble.textContent?.trim()));
    expect(lines).toEqual([message, "Is there a yearly price?"]);
    // The agent is told a trigger wrote the first line, not Mei herself.
    await owner.locator("#thread .message .faq-tag", { hasText: "Trigger" }).waitFor();
    await owner.screenshot({ path: join(shotsDir, "triggers-agent-en-1280.png") });
    expect(queryKefu(kefu, "SELECT count(*) AS n FROM trigger_showings WHERE conversation_id IS NOT NULL")).toEqual([{ n: 1 }]);
    await owner.goto(`${kefu.url}/console/reports`);
    await owner.locator("#table-triggers tr", { hasText: "Pricing help" }).waitFor();
    await owner.locator("#table-triggers").scrollIntoViewIfNeeded();
    await owner.screenshot({ path: join(shotsDir, "triggers-reports-en-1280.png") });
    expect(errors).toEqual([]);
    await page.context().close();
    await owner.context().close();
  });

  it("does not show again after a reload, once the day's cap of one is reached", async () => {
    const { page, errors } = await visitor("pricing");
    await chat(page).locator("#thread .message.theirs", { hasText: message }).waitFor();
    await panel(page).waitFor({ state: "visible" });
    await page.reload();
    await page.locator("[data-kefu] .launcher").waitFor();
    await page.waitForTimeout(3500);
    expect(await panel(page).isVisible()).toBe(false);
    // Asked once on each page, shown once; still waiting for an answer, not taken for dismissed by the reload.
    expect(queryKefu(kefu, "SELECT count(*) AS n FROM trigger_showings")).toEqual([{ n: 2 }]);
    expect(queryKefu(kefu, "SELECT count(*) AS n FROM trigger_showings WHERE dismissed_at IS NOT NULL")).toEqual([{ n: 0 }]);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("closed unanswered, is dismissed: Kefu is told, and it is gone from the chat opened again", async () => {
    const { page, errors } = await visitor("pricing");
    await chat(page).locator("#thread .message.theirs", { hasText: message }).waitFor();
    await chat(page).locator("#close-widget").click();
    await panel(page).waitFor({ state: "hidden" });
    // The chat page tells Kefu as the window closes.
    const dismissed = () => queryKefu<{ n: number }>(kefu, "SELECT count(*) AS n FROM trigger_showings WHERE dismissed_at IS NOT NULL")[0]!.n;
    for (let i = 0; i < 50 && dismissed() === 0; i++) await page.waitForTimeout(100);
    expect(dismissed()).toBe(1);
    await page.locator("[data-kefu] .launcher").click();
    await chat(page).locator("#composer textarea[name=body]").waitFor();
    expect(await chat(page).locator("#thread .message", { hasText: message }).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("never shows on a page that does not match", async () => {
    const { page, errors } = await visitor("about");
    await page.locator("[data-kefu] .launcher").waitFor();
    await page.waitForTimeout(3500);
    expect(await panel(page).isVisible()).toBe(false);
    expect(queryKefu(kefu, "SELECT count(*) AS n FROM trigger_showings")).toEqual([{ n: 3 }]);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it("starts its timer when a single-page shop moves to a matching page", async () => {
    const { page, errors } = await visitor("about");
    await page.locator("[data-kefu] .launcher").waitFor();
    await page.evaluate(() => history.pushState({}, "", "/pricing"));
    await chat(page).locator("#thread .message.theirs", { hasText: message }).waitFor();
    await panel(page).waitFor({ state: "visible" });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  for (const locale of ["en-US", "zh-CN"]) {
    it(`on a phone shows the message in a bubble by the launcher, which opens the chat (${locale})`, async () => {
      const { page, errors } = await visitor("pricing", phone, locale);
      const bubble = page.locator("[data-kefu] .bubble", { hasText: message });
      await bubble.waitFor();
      expect(await bubble.locator("b").textContent()).toBe("Mei");
      // Her face, loaded from Kefu.
      expect(await bubble.locator("b img").evaluate((face: HTMLImageElement) => face.complete && face.naturalWidth)).toBe(48);
      expect(await panel(page).isVisible()).toBe(false);
      await page.screenshot({ path: join(shotsDir, `triggers-bubble-${locale}-390.png`) });
      await bubble.click();
      await panel(page).waitFor({ state: "visible" });
      await chat(page).locator("#thread .message.theirs", { hasText: message }).waitFor();
      await page.screenshot({ path: join(shotsDir, `triggers-widget-${locale}-390.png`) });
      expect(errors).toEqual([]);
      await page.context().close();
    });
  }

  it("on a phone is dismissed for the day by its bubble's close button", async () => {
    const dismissed = () => queryKefu<{ n: number }>(kefu, "SELECT count(*) AS n FROM trigger_showings WHERE dismissed_at IS NOT NULL")[0]!.n;
    const before = dismissed();
    const { page, errors } = await visitor("pricing", phone);
    await page.locator("[data-kefu] .bubble", { hasText: message }).locator("button").click();
    await page.locator("[data-kefu] .bubble").waitFor({ state: "detached" });
    for (let i = 0; i < 50 && dismissed() === before; i++) await page.waitForTimeout(100);
    expect(dismissed()).toBe(before + 1);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  for (const [locale, viewport, name] of [["zh-CN", desktop, "1280"], ["en-US", phone, "390"], ["zh-CN", phone, "390"]] as const) {
    it(`shows the owner the Triggers page (${locale}, ${name})`, async () => {
      const owner = await openConsole(await browser.newContext({ locale, viewport }), kefu.url, ownerCookie);
      await owner.goto(`${kefu.url}/console/triggers`);
      await owner.locator("#trigger-list .trigger").waitFor();
      await owner.screenshot({ path: join(shotsDir, `triggers-page-${locale}-${name}.png`), fullPage: true });
      await owner.context().close();
    });
  }
});
