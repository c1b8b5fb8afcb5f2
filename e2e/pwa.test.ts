// Agents on their phones (issue 15, part 6): the console installs as a web app whose service
// worker keeps the shell and shows an offline page, a visitor's message reaches an agent with no
// console open as a Web Push through a push service (here a local fake that checks the VAPID
// signature and decrypts with the browser keys the test made), the worker shows the push as a
// notification, and the console at 390 px is list, thread and panel, one screen at a time.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { browserKeys, startPushService } from "../test/push-service";
import { chromiumArgs, chromiumPath, type Kefu, launchBrowser, postForm, queryKefu, setUpShop, shotsDir, startKefu } from "./support";

setDefaultTimeout(60_000);

let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;
let widgetKey: string;
const contexts: BrowserContext[] = [];
const profiles: string[] = [];
const device = browserKeys();
let pushService: ReturnType<typeof startPushService>;

beforeAll(async () => {
  kefu = await startKefu(["--push-private"]);
  ({ ownerCookie, widgetKey } = await setUpShop(kefu));
  browser = await launchBrowser();
  pushService = startPushService(device, () => queryKefu<{ key: string }>(kefu, "SELECT public_key AS key FROM vapid_keys")[0]!.key);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  pushService?.stop();
  await kefu?.stop();
  for (const profile of profiles) rmSync(profile, { recursive: true, force: true });
});

/** The agent's own browser profile: Chromium installs no app and keeps no worker's push in an incognito context. */
async function agentPhone(locale: "en" | "zh-CN", width = 390, height = 844): Promise<Page> {
  const profile = mkdtempSync(join(tmpdir(), "kefu-pwa-profile-"));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    // Chromium's own notification centre: native ones go to the desktop's notification daemon,
    // which every Chromium of the run shares, and one closing its own closed another's.
    args: [...chromiumArgs, "--disable-features=NativeNotifications"],
    locale: locale === "en" ? "en-US" : "zh-CN",
    viewport: { width, height },
  });
  contexts.push(context);
  context.setDefaultTimeout(10_000);
  await context.addCookies([{ name: "kefu_session", value: ownerCookie.slice("kefu_session=".length), url: kefu.url }]);
  return context.pages()[0] ?? context.newPage();
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${shotsDir}/pwa-${name}.png` });

async function visitorWrites(text: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 400, height: 700 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${kefu.url}/chat/${widgetKey}`);
  const composer = page.locator("#composer textarea[name=body]");
  await composer.fill(text);
  await composer.press("Enter");
  await page.locator("#thread .message.mine:not(.pending) .bubble", { hasText: text }).waitFor();
  return page;
}

/** The console's worker, controlling the page and done activating (a push before that is dropped). */
async function workerControls(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { polling: 50 });
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        const worker = navigator.serviceWorker.controller!;
        if (worker.state === "activated") resolve();
        worker.addEventListener("statechange", () => worker.state === "activated" && resolve());
      }),
  );
}

describe("the console on an agent's phone", () => {
  it("pushes a visitor's message to the agent's device while no console of theirs is open: signed with VAPID, readable only with the device's keys", async () => {
    // As the browser does it: the subscription's JSON to the console's route, with the agent's session.
    const subscribed = await fetch(`${kefu.url}/console/push/devices`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: kefu.url, cookie: ownerCookie },
      body: JSON.stringify({ endpoint: pushService.endpoint(), expirationTime: null, keys: device.json }),
    });
    expect(subscribed.status).toBe(201);
    const visitor = await visitorWrites("Do you ship to Hangzhou?");
    const [push] = await pushService.waitFor(1);
    expect(push!.signedByServer).toBe(true);
    expect(push!.claims.aud).toBe(pushService.origin);
    const [conversation] = queryKefu<{ id: number; visitorId: number }>(kefu, "SELECT id, visitor_id AS visitorId FROM conversations");
    expect(push!.notification).toMatchObject({
      body: `Visitor #${conversation!.visitorId}: Do you ship to Hangzhou?`,
      url: `/console/conversations/${conversation!.id}`,
    });
    await visitor.context().close();
  });

  for (const locale of ["en", "zh-CN"] as const) {
    it(`is installable, its worker controls the console and keeps no page, and offline it says so (${locale})`, async () => {
      await postForm(kefu, "/console/locale", { locale }, { cookie: ownerCookie });
      const page = await agentPhone(locale);
      await page.goto(`${kefu.url}/console`);
      await workerControls(page);
      const cdp = await page.context().newCDPSession(page);
      expect((await cdp.send("Page.getInstallabilityErrors")).installabilityErrors).toEqual([]);
      const manifest = await cdp.send("Page.getAppManifest");
      expect(manifest.errors).toEqual([]);
      expect(JSON.parse(manifest.data!)).toMatchObject({ name: locale === "en" ? "Kefu" : "客服", start_url: "/console", display: "standalone" });
      // Only the versioned scripts and styles, and the offline page: never a console page or an answer.
      const kept = await page.evaluate(async () => {
        const urls: string[] = [];
        for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname + new URL(request.url).search);
        return urls;
      });
      expect(kept.length).toBeGreaterThan(5);
      for (const url of kept) expect(url).toMatch(/^\/assets\/[\w.-]+\?v=|^\/console-offline$/);

      await page.context().setOffline(true);
      await page.goto(`${kefu.url}/console/inbox`);
      expect(await page.locator("body").innerText()).toContain(locale === "en" ? "You are offline" : "您已离线");
      await shot(page, `offline-390-${locale}`);
      await page.context().setOffline(false);
      await page.context().close();
    });
  }

  it("shows a push as a notification from the worker, leading to the conversation", async () => {
    await postForm(kefu, "/console/locale", { locale: "en" }, { cookie: ownerCookie });
    const page = await agentPhone("en");
    await page.context().grantPermissions(["notifications"], { origin: kefu.url });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("ServiceWorker.enable");
    const registrations: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
    cdp.on("ServiceWorker.workerRegistrationUpdated", (event) => registrations.push(...event.registrations));
    await page.goto(`${kefu.url}/console`);
    await workerControls(page);
    // The profile is the earlier tests' too: the newest registration of the scope that still stands.
    const registration = registrations.filter((found) => found.scopeURL === `${kefu.url}/console` && !found.isDeleted).at(-1)!;
    expect(registration).toBeDefined();
    const notification = { title: "Mei's shop", body: "Visitor #1: Do you ship to Hangzhou?", url: "/console/conversations/1", tag: "conversation-1" };
    await cdp.send("ServiceWorker.deliverPushMessage", { origin: kefu.url, registrationId: registration.registrationId, data: JSON.stringify(notification) });
    const shown = async () =>
      page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications()).map((one) => ({ title: one.title, body: one.body, tag: one.tag, url: one.data?.url })));
    for (let tries = 0; tries < 100 && !(await shown()).length; tries++) await Bun.sleep(100);
    expect(await shown()).toEqual([{ title: notification.title, body: notification.body, tag: notification.tag, url: notification.url }]);
    await page.context().close();
  });

  for (const locale of ["en", "zh-CN"] as const) {
    it(`leads from a notification to the conversation on a phone: thread, then panel, each a screen with a way back to the list (${locale})`, async () => {
      await postForm(kefu, "/console/locale", { locale }, { cookie: ownerCookie });
      const [conversation] = queryKefu<{ id: number }>(kefu, "SELECT id FROM conversations");
      const page = await agentPhone(locale);
      const visible = (selector: string) => page.locator(selector).isVisible();
      // Where the notification's click leads (assets/console-worker.js opens its url).
      await page.goto(`${kefu.url}/console/conversations/${conversation!.id}`);
      await page.locator("#thread .message", { hasText: "Do you ship to Hangzhou?" }).waitFor();
      expect(await visible(".inbox")).toBe(false);
      expect(await visible("#visitor-panel")).toBe(false);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      const composer = await page.locator("#conversation-footer").boundingBox();
      expect(composer!.y + composer!.height).toBeGreaterThan(844 - 4);
      await shot(page, `thread-390-${locale}`);
      await page.locator(".panel-toggle").click();
      expect(await visible("#visitor-panel")).toBe(true);
      expect(await visible(".conversation")).toBe(false);
      await page.locator("#visitor-panel .screen-back").click();
      expect(await visible(".conversation")).toBe(true);
      await Promise.all([page.waitForURL(/\/console$/), page.locator(".conversation-header .screen-back").click()]);
      expect(await visible(".inbox")).toBe(true);
      expect(await visible(".conversation")).toBe(false);
      await shot(page, `list-390-${locale}`);
      await page.context().close();
    });

    it(`offers "Notify me on this device" in Preferences, at 390 and 1280 px (${locale})`, async () => {
      await postForm(kefu, "/console/locale", { locale }, { cookie: ownerCookie });
      for (const width of [390, 1280]) {
        const page = await agentPhone(locale, width, width === 390 ? 844 : 800);
        await page.goto(`${kefu.url}/console/preferences`);
        await workerControls(page);
        const toggle = page.locator("#field-pushDevice");
        // This browser can take push notifications: the box is there to tick, and nothing says otherwise.
        await expect(toggle.isEnabled()).resolves.toBe(true);
        expect(await page.locator("#push-unsupported").isVisible()).toBe(false);
        await page.locator("#push-device").scrollIntoViewIfNeeded();
        await shot(page, `preferences-${width}-${locale}`);
        await page.context().close();
      }
    });
  }
});
