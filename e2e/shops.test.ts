// Several shops on one install, as whoever runs it does it: a second shop made with `kefu shop add`
// on the running server's data dir, its owner's first sign-in in the browser, and the platform
// admin's page that lists both and disables one, whose widget then says the chat is unavailable.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Kefu, launchBrowser, openConsole, queryKefu, runKefu, setUpShop, shotsDir, startHostShop, startKefu } from "./support";

setDefaultTimeout(60_000);

const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };
const firstShopWords = "Where is my parcel from the first shop";
const boss = { email: "boss@second.test", name: "Boss Wang", newPassword: "the boss's own password" };

let kefu: Kefu;
let browser: Browser;
let meiCookie: string;
let firstWidgetKey: string;
let secondShop: { id: number; widgetKey: string; temporaryPassword: string };
const contexts: BrowserContext[] = [];

async function newPage(options: { locale?: string; viewport?: { width: number; height: number } } = {}): Promise<Page> {
  const context = await browser.newContext({ locale: options.locale ?? "en-US", viewport: options.viewport ?? desktop });
  context.setDefaultTimeout(10_000);
  contexts.push(context);
  return context.newPage();
}

async function submitAndWait(page: Page, button: string) {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(button)]);
  return response;
}

/** Signs in on the login page; returns the response of the page it leads to. */
async function signIn(page: Page, email: string, password: string) {
  await page.goto(`${kefu.url}/login`);
  await page.fill("#field-email", email);
  await page.fill("#field-password", password);
  return submitAndWait(page, "button[type=submit]");
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${shotsDir}/shops-${name}.png`, fullPage: true });

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  ({ ownerCookie: meiCookie, widgetKey: firstWidgetKey } = await setUpShop(kefu));
  // A visitor of the first shop writes, so there is something the second shop must not see.
  const visitor = await newPage();
  await visitor.goto(`${kefu.url}/chat/${firstWidgetKey}`);
  await visitor.locator("#composer textarea[name=body]").fill(firstShopWords);
  await visitor.keyboard.press("Enter");
  await visitor.locator("#thread .message.mine:not(.pending)", { hasText: firstShopWords }).waitFor();
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await kefu?.stop();
});

describe("several shops on one install", () => {
  it("adds a second shop from the command line while the server runs, and says what is wrong with a bad one", async () => {
    const added = await runKefu(kefu.kefu, ["shop", "add", "--name", "二号店", "--owner-email", boss.email, "--owner-name", boss.name, "--data-dir", kefu.dataDir], kefu.dir);
    expect(added.stderr).toBe("");
    expect(added.exitCode).toBe(0);
    const id = Number(/\(id (\d+),/.exec(added.stdout)?.[1]);
    const widgetKey = /widget key (\S+)\)/.exec(added.stdout)?.[1] ?? "";
    const temporaryPassword = /Temporary password \(shown once; it must be changed at first sign-in\): (\S+)/.exec(added.stdout)?.[1] ?? "";
    expect(temporaryPassword).toMatch(/^[A-Za-z0-9]{14}$/);
    expect(widgetKey).not.toBe(firstWidgetKey);
    secondShop = { id, widgetKey, temporaryPassword };

    const taken = await runKefu(kefu.kefu, ["shop", "add", "--name", "Again", "--owner-email", boss.email, "--data-dir", kefu.dataDir], kefu.dir);
    expect(taken.exitCode).toBe(1);
    expect(taken.stderr).toBe("kefu: --owner-email: An account with this email already exists.\n");
    const missing = await runKefu(kefu.kefu, ["shop", "add", "--name", "No owner", "--data-dir", kefu.dataDir], kefu.dir);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("shop add needs --owner-email");
    const listed = await runKefu(kefu.kefu, ["shop", "list", "--data-dir", kefu.dataDir], kefu.dir);
    expect(listed.stdout).toBe(`1\tKefu\t${firstWidgetKey}\tenabled\n${id}\t二号店\t${widgetKey}\tenabled\n`);
    const help = await runKefu(kefu.kefu, ["--help"], kefu.dir);
    expect(help.stdout).toContain("kefu shop add --name N --owner-email E [--owner-name M]");
    expect(help.stdout).toContain("kefu platform-admin grant|revoke --email E");

    const member = await runKefu(kefu.kefu, ["user", "add", "--email", "li@second.test", "--name", "Li", "--role", "agent", "--shop", String(id), "--data-dir", kefu.dataDir], kefu.dir);
    expect(member.stdout).toContain(`Added agent Li <li@second.test> to 二号店 (shop ${id}).`);
    const noShop = await runKefu(kefu.kefu, ["user", "add", "--email", "x@second.test", "--name", "X", "--role", "agent", "--shop", "99", "--data-dir", kefu.dataDir], kefu.dir);
    expect(noShop.exitCode).toBe(1);
    expect(noShop.stderr).toContain("--shop: no shop has the id 99");
  });

  it("has the new owner change the temporary password at first sign-in, then shows them nothing of the first shop", async () => {
    const page = await newPage();
    await signIn(page, boss.email, secondShop.temporaryPassword);
    expect(new URL(page.url()).pathname).toBe("/console/password");
    await page.fill("#field-current", secondShop.temporaryPassword);
    await page.fill("#field-password", boss.newPassword);
    await submitAndWait(page, "button[type=submit]");
    expect(new URL(page.url()).pathname).toBe("/console");
    expect((await page.textContent("header .brand"))!.trim()).toBe("二号店");
    // No Platform link for a shop owner, and no platform page either.
    expect(await page.locator("nav a[href='/console/platform']").count()).toBe(0);
    expect((await page.goto(`${kefu.url}/console/platform`))?.status()).toBe(404);
    for (const path of ["/console", "/console/conversations", `/console/search?q=${encodeURIComponent("parcel")}`, "/console/team", "/console/visitors"]) {
      await page.goto(kefu.url + path);
      const text = await page.locator("main").innerText();
      expect(text).not.toContain(firstShopWords);
      expect(text).not.toContain("Mei");
    }
    // The search looked, and found nothing of the first shop's visitor.
    await page.goto(`${kefu.url}/console/search?q=parcel`);
    expect(await page.locator("main").innerText()).toContain("Nothing matches “parcel”.");
    await page.goto(`${kefu.url}/console/team`);
    expect(await page.locator("#team-rows tr").allInnerTexts()).toEqual([expect.stringContaining(boss.name), expect.stringContaining("Li")]);
    await shot(page, "second-owner-team");
  });

  it("shows the platform admin every shop on the Platform page, in English and Chinese, on a desktop and a phone", async () => {
    const granted = await runKefu(kefu.kefu, ["platform-admin", "grant", "--email", "mei@example.com", "--data-dir", kefu.dataDir], kefu.dir);
    expect(granted.stdout).toBe("Mei <mei@example.com> is now a platform admin.\n");
    for (const [locale, lang] of [["en-US", "en"], ["zh-CN", "zh-CN"]] as const) {
      for (const [viewport, size] of [[desktop, "desktop"], [phone, "phone"]] as const) {
        const page = await newPage({ locale, viewport });
        await openConsole(page.context(), kefu.url, meiCookie);
        await page.goto(`${kefu.url}/console/platform`);
        const rows = page.locator("table.platform-shops tbody.shop");
        expect(await rows.count()).toBe(2);
        expect(await rows.nth(0).innerText()).toContain(lang === "en" ? "yours" : "您的店铺");
        expect(await rows.nth(1).innerText()).toContain("二号店");
        await rows.nth(1).locator("summary").click();
        await shot(page, `platform-${lang}-${size}`);
      }
    }
  });

  it("disables the second shop: its widget says the chat is unavailable and its owner is signed out and cannot sign in", async () => {
    const bossPage = await newPage();
    await signIn(bossPage, boss.email, boss.newPassword);
    expect(new URL(bossPage.url()).pathname).toBe("/console");

    const admin = await newPage();
    await openConsole(admin.context(), kefu.url, meiCookie);
    await admin.goto(`${kefu.url}/console/platform`);
    admin.on("dialog", (dialog) => void dialog.accept());
    const row = admin.locator(`#shop-${secondShop.id}`);
    await row.locator("button", { hasText: "Disable" }).click();
    await row.locator(".badge", { hasText: "disabled" }).waitFor();
    expect(queryKefu<{ disabled: number }>(kefu, "SELECT disabled FROM businesses WHERE id = ?", secondShop.id)).toEqual([{ disabled: 1 }]);
    await shot(admin, "platform-disabled");

    const host = startHostShop(kefu.url, secondShop.widgetKey);
    try {
      // The shop's site draws no launcher (its config is refused); its chat link says why.
      const shopPage = await newPage();
      const [config] = await Promise.all([shopPage.waitForResponse((response) => response.url().includes("/config")), shopPage.goto(host.url)]);
      expect(config.status()).toBe(403);
      expect(await shopPage.locator("[data-kefu] .launcher").count()).toBe(0);
      await shopPage.goto(`${kefu.url}/chat/${secondShop.widgetKey}`);
      await shopPage.locator("body", { hasText: "Chat is not available." }).waitFor();
      await shot(shopPage, "disabled-widget");
    } finally {
      host.stop();
    }

    await bossPage.reload();
    expect(new URL(bossPage.url()).pathname).toBe("/login");
    const refused = await signIn(bossPage, boss.email, boss.newPassword);
    expect(refused?.status()).toBe(403);
    expect(await bossPage.locator("[role=alert]").innerText()).toContain("This shop has been disabled");

    // The first shop goes on.
    const firstChat = await newPage();
    await firstChat.goto(`${kefu.url}/chat/${firstWidgetKey}`);
    await firstChat.locator("#composer").waitFor();
  });

  it("enables the shop again and limits its team from the Platform page; the command line then refuses one more member", async () => {
    const admin = await newPage();
    await openConsole(admin.context(), kefu.url, meiCookie);
    await admin.goto(`${kefu.url}/console/platform`);
    const shop = admin.locator(`#shop-${secondShop.id}`);
    await shop.locator("button", { hasText: "Enable" }).click();
    await shop.locator(".badge", { hasText: "active" }).waitFor();
    await shop.locator("summary").click();
    await shop.locator("input[name=maxAgents]").fill("many");
    await shop.locator("button", { hasText: "Save limits" }).click();
    await shop.locator(".field-error", { hasText: "Enter a whole number from 1 to 10000" }).waitFor();
    await shop.locator("input[name=maxAgents]").fill("2");
    await shop.locator("button", { hasText: "Save limits" }).click();
    await shop.locator("td.number", { hasText: "/ 2" }).waitFor();
    await shot(admin, "platform-limits");

    const refused = await runKefu(kefu.kefu, ["user", "add", "--email", "third@second.test", "--name", "Third", "--role", "agent", "--shop", String(secondShop.id), "--data-dir", kefu.dataDir], kefu.dir);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toBe("kefu: This shop may have at most 2 active team members. Disable a member first, or ask the platform's administrator for a higher limit.\n");
    expect(queryKefu<{ n: number }>(kefu, "SELECT count(*) AS n FROM agents WHERE business_id = ?", secondShop.id)).toEqual([{ n: 2 }]);
  });
});
