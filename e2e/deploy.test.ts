// The Deploy page in Chromium against the built binary: copy the snippet, put it on a shop page of
// another origin (localhost:<port>, while Kefu answers on 127.0.0.1) and watch the page find it,
// then change the widget's look and see the preview follow before saving.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Kefu, launchBrowser, postForm, sessionCookie, shotsDir, startKefu } from "./support";

setDefaultTimeout(30_000);

let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;
let host: ReturnType<typeof Bun.serve>;
let hostUrl: string;
let snippet = "";

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  const setup = await postForm(kefu, "/setup", { name: "Mei Owner", email: "mei@example.com", password: "a long password" });
  ownerCookie = sessionCookie(setup);
  // The shop's page holds whatever snippet the owner copied from the Deploy page.
  host = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () =>
      new Response(`<!doctype html><html><head><meta charset="utf-8"><title>Lotus Tea</title></head><body><h1>Lotus Tea</h1>${snippet}</body></html>`, {
        headers: { "content-type": "text/html; charset=utf-8" },
      }),
  });
  hostUrl = `http://localhost:${host.port}`;
});

afterAll(async () => {
  await browser?.close();
  host?.stop(true);
  await kefu?.stop();
});

async function ownerContext(width = 1280, locale = "en-US"): Promise<BrowserContext> {
  const context = await browser.newContext({ locale, viewport: { width, height: width < 500 ? 844 : 900 } });
  context.setDefaultTimeout(10_000);
  const [name, value] = ownerCookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: kefu.url }]);
  return context;
}

describe("the Deploy page", () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await ownerContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: kefu.url });
    page = await context.newPage();
    await page.goto(`${kefu.url}/console/deploy`);
  });

  afterAll(async () => {
    await context?.close();
  });

  it("starts with the snippet to copy, and says it has not been found on a site yet", async () => {
    const first = await page.locator(".sections > section").first().getAttribute("id");
    expect(first).toBe("deploy-install");
    await page.locator("#code-mini button", { hasText: "Copy" }).click();
    snippet = await page.evaluate(() => navigator.clipboard.readText());
    expect(snippet).toContain(`<script async src="${kefu.url}/widget.js" data-key="`);
    expect(await page.locator("#installation").innerText()).toContain("Not found on a site yet");
  });

  it("finds the installation once the shop's page has loaded the widget, and names the site", async () => {
    const shop = await browser.newContext({ locale: "en-US" });
    try {
      const shopPage = await shop.newPage();
      await shopPage.goto(`${hostUrl}/tea/oolong`);
      // The widget is in: its button is drawn and its chat page has reported the host page.
      await shopPage.locator("[data-kefu]").waitFor({ state: "attached" });
      await shopPage.waitForFunction(() => (window as unknown as { Kefu?: { loaded?: boolean } }).Kefu?.loaded === true);
      await page.locator("#installation.found").waitFor({ timeout: 20_000 });
    } finally {
      await shop.close();
    }
    const status = await page.locator("#installation").innerText();
    expect(status).toContain("Installation found");
    expect(status).toContain(`localhost:${host.port}`);
    expect(await page.getAttribute("#installation a", "href")).toBe(`${hostUrl}/tea/oolong`);
    await page.screenshot({ path: `${shotsDir}/deploy-installation-found.png` });
  });

  it("previews the appearance as it is changed, before it is saved, and saves it", async () => {
    const preview = page.locator("#widget-preview");
    await page.fill("#field-color", "#fde047");
    await page.fill("#field-title", "Lotus Tea helpdesk");
    await page.check("#deploy-appearance input[name=position][value=left]");
    await page.fill("#field-greeting", "Questions about tea?");
    await page.locator("#widget-preview.at-left .preview-greeting", { hasText: "Questions about tea?" }).waitFor();
    expect(await preview.locator(".preview-header strong").innerText()).toBe("Lotus Tea helpdesk");
    // A pale colour gets dark text, as in the chat window itself.
    const header = await preview.locator(".preview-header").evaluate((element) => {
      const style = getComputedStyle(element);
      return { background: style.backgroundColor, color: style.color };
    });
    expect(header).toEqual({ background: "rgb(253, 224, 71)", color: "rgb(17, 17, 17)" });
    await page.locator("#deploy-appearance").screenshot({ path: `${shotsDir}/deploy-preview-unsaved.png` });

    // Nothing is saved yet: another look at the page shows the stored appearance.
    const other = await context.newPage();
    await other.goto(`${kefu.url}/console/deploy`);
    expect(await other.locator("#widget-preview").getAttribute("class")).toContain("at-right");
    await other.close();

    const [response] = await Promise.all([page.waitForNavigation(), page.click("#deploy-appearance button[type=submit]")]);
    expect(response?.status()).toBe(200);
    expect(await page.locator("#deploy-appearance [role=status]").innerText()).toBe("Saved.");
    expect(await page.locator("#widget-preview").getAttribute("class")).toContain("at-left");
    expect(await page.inputValue("#field-color")).toBe("#fde047");
  });

  it("looks right at 1440, 1024 and 390 pixels, in English and Chinese", async () => {
    for (const locale of ["en-US", "zh-CN"]) {
      await postForm(kefu, "/console/locale", { locale: locale === "en-US" ? "en" : "zh-CN" }, { cookie: ownerCookie });
      for (const width of [1440, 1024, 390]) {
        const sized = await ownerContext(width, locale);
        const sizedPage = await sized.newPage();
        for (const path of ["deploy", "settings"]) {
          await sizedPage.goto(`${kefu.url}/console/${path}`);
          // Nothing wider than the window: a phone scrolls down, never sideways.
          expect(await sizedPage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
          await sizedPage.screenshot({ path: `${shotsDir}/${path}-${width}-${locale}.png`, fullPage: true });
        }
        await sized.close();
      }
    }
    await postForm(kefu, "/console/locale", { locale: "en" }, { cookie: ownerCookie });
  });
});
