// The shop's settings as an owner uses them in Chromium against the built binary: switches that
// are turned off again, the Settings page saved as one form, and the team's temporary passwords.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Kefu, launchBrowser, postForm, sessionCookie, shotsDir, startKefu } from "./support";

setDefaultTimeout(30_000);

const owner = { name: "Mei Owner", email: "mei@example.com", password: "a long password" };

let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;
let agentCookie: string;

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  const setup = await postForm(kefu, "/setup", owner);
  expect(setup.status).toBe(303);
  ownerCookie = sessionCookie(setup);
  const added = await postForm(kefu, "/console/team", { name: "Bo Agent", email: "bo@example.com", role: "agent" }, { cookie: ownerCookie });
  expect(added.status).toBe(200);
  const temporary = (await added.text()).match(/id="temporary-password-\d+"[^>]*>([^<]+)</)![1]!;
  const login = await postForm(kefu, "/login", { email: "bo@example.com", password: temporary });
  agentCookie = sessionCookie(login);
  expect((await postForm(kefu, "/console/password", { current: temporary, password: "bo's own password" }, { cookie: agentCookie })).status).toBe(303);
});

afterAll(async () => {
  await browser?.close();
  await kefu?.stop();
});

/** A browser signed in with `cookie` (the owner's unless given). */
async function signedInContext(cookie = ownerCookie, options: { width?: number; locale?: string } = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: options.locale ?? "en-US", viewport: { width: options.width ?? 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  const [name, value] = cookie.split("=") as [string, string];
  await context.addCookies([{ name, value, url: kefu.url }]);
  return context;
}

const shot = (page: Page, name: string) => page.screenshot({ path: `${shotsDir}/settings-${name}.png`, fullPage: true });

describe("a switch turned off again", () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await signedInContext();
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close();
  });

  it("turns the group picker off", async () => {
    await page.goto(`${kefu.url}/console/groups`);
    const box = page.locator("#group-picker input[name=groupPicker]");
    await box.check();
    await page.click("#group-picker button[type=submit]");
    await page.locator("#group-picker [role=status]").waitFor();
    await page.reload();
    expect(await box.isChecked()).toBe(true);

    await box.uncheck();
    await page.click("#group-picker button[type=submit]");
    await page.locator("#group-picker [role=status]").waitFor();
    expect(await page.textContent("#group-picker [role=status]")).toBe("Saved.");
    await page.reload();
    expect(await box.isChecked()).toBe(false);
  });

  it("saves a group with no members ticked", async () => {
    await page.fill("#group-create input[name=name]", "Sales");
    await page.click("#group-create button[type=submit]");
    const card = page.locator("#group-list section:has(input[name=name][value=Sales])");
    await card.waitFor();
    // Not the owner: a change of one's own groups reloads one's console.
    const member = card.locator("label", { hasText: "Bo Agent" }).locator("input");
    await member.check();
    await card.locator("button", { hasText: "Save members" }).click();
    await page.locator("#group-list [role=status]").waitFor();
    await page.reload();
    expect(await member.isChecked()).toBe(true);

    await member.uncheck();
    await card.locator("button", { hasText: "Save members" }).click();
    await page.locator("#group-list [role=status]").waitFor();
    expect(await page.locator("#group-list [role=alert]").count()).toBe(0);
    await page.reload();
    expect(await member.isChecked()).toBe(false);
    expect(await card.textContent()).toContain("With no members, the group is answered by the agents in no group.");
  });

  it("turns required userHash off", async () => {
    await page.goto(`${kefu.url}/console/deploy`);
    const box = page.locator("#deploy-identity input[name=identityVerification]");
    await box.check();
    await Promise.all([page.waitForNavigation(), page.click("#deploy-identity button[type=submit]:not(.danger)")]);
    expect(await box.isChecked()).toBe(true);

    await box.uncheck();
    const [response] = await Promise.all([page.waitForNavigation(), page.click("#deploy-identity button[type=submit]:not(.danger)")]);
    expect(response?.status()).toBe(200);
    expect(await page.textContent("#deploy-identity [role=status]")).toBe("Saved.");
    await page.reload();
    expect(await box.isChecked()).toBe(false);
  });
});

describe("the Settings page", () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await signedInContext();
    page = await context.newPage();
    await page.goto(`${kefu.url}/console/settings`);
  });

  afterAll(async () => {
    await context?.close();
  });

  const status = () => page.locator(".save-bar [role=status]").innerText();

  it("saves every section with the one save bar, and says what was saved", async () => {
    expect(await page.locator("main button[type=submit]").count()).toBe(1);
    await page.fill("#field-name", "Lotus Tea House");
    await page.click("#field-ratingEnabled");
    expect(await status()).toBe("You have unsaved changes.");
    expect(await page.locator(".save-bar a", { hasText: "Discard changes" }).isVisible()).toBe(true);
    // The bar floats at the bottom of the window while there is something to save.
    const bar = await page.locator(".save-bar").boundingBox();
    expect(bar!.y + bar!.height).toBeGreaterThan(760);
    expect(bar!.y + bar!.height).toBeLessThanOrEqual(800);
    await page.screenshot({ path: `${shotsDir}/settings-unsaved.png` });

    const [response] = await Promise.all([page.waitForNavigation(), page.click(".save-bar button[type=submit]")]);
    expect(response?.status()).toBe(200);
    expect(await status()).toBe("Saved: Shop and Conversations.");
    expect(await page.locator("#settings-shop .saved-mark").count()).toBe(1);
    await page.reload();
    expect(await page.inputValue("#field-name")).toBe("Lotus Tea House");
    expect(await page.isChecked("#field-ratingEnabled")).toBe(false);
  });

  it("shows each wrong field's problem beside it, lists them above the form, and saves nothing", async () => {
    await page.fill("#field-name", "Not saved");
    await page.fill("#field-capacity", "lots");
    await page.fill("#field-holdMinutes", "-3");
    const [response] = await Promise.all([page.waitForNavigation(), page.click(".save-bar button[type=submit]")]);
    expect(response?.status()).toBe(422);
    expect(await page.locator("#field-capacity-error").innerText()).toBe("Enter a whole number from 1 to 100.");
    expect(await page.locator("#field-holdMinutes-error").innerText()).toBe("Enter a whole number of minutes from 0 to 1440.");
    expect(await page.locator("#settings-problems li").count()).toBe(2);
    expect(await page.inputValue("#field-capacity")).toBe("lots");
    expect(await status()).toBe("Nothing was saved: fix the settings marked in red.");
    await shot(page, "errors");
    await page.click("#settings-problems a[href='#field-capacity']");
    await page.goto(`${kefu.url}/console/settings`);
    expect(await page.inputValue("#field-name")).toBe("Lotus Tea House");
    expect(await page.inputValue("#field-capacity")).toBe("5");
  });

  it("sends an agent, who may not change the shop's settings, to their own preferences", async () => {
    const agent = await signedInContext(agentCookie);
    try {
      const agentPage = await agent.newPage();
      await agentPage.goto(`${kefu.url}/console/settings`);
      expect(new URL(agentPage.url()).pathname).toBe("/console/preferences");
    } finally {
      await agent.close();
    }
  });
});

describe("temporary passwords on the Team page", () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await signedInContext();
    page = await context.newPage();
    page.on("dialog", (dialog) => dialog.accept());
    await page.goto(`${kefu.url}/console/team`);
  });

  afterAll(async () => {
    await context?.close();
  });

  async function add(name: string, email: string) {
    await page.fill("#team-add #field-name", name);
    await page.fill("#team-add #field-email", email);
    await page.click("#team-add button[type=submit]");
    await page.locator("#team-rows tr", { hasText: email }).waitFor();
  }

  it("keeps the first member's password when a second member is added, until it is dismissed", async () => {
    await add("Li Lei", "li@example.com");
    await add("Han Mei", "han@example.com");
    const notices = page.locator("#team-notices .password-notice");
    expect(await notices.count()).toBe(2);
    expect(await notices.nth(0).textContent()).toContain("Li Lei was added.");
    expect(await notices.nth(1).textContent()).toContain("Han Mei was added.");
    for (const notice of await notices.all()) expect((await notice.locator("code").textContent())!.trim()).toMatch(/^[A-Za-z0-9]{14}$/);
    await shot(page, "team-two-passwords");

    await notices.nth(0).locator("button.dismiss").click();
    expect(await notices.count()).toBe(1);
    expect(await notices.nth(0).textContent()).toContain("Han Mei was added.");
    await notices.nth(0).locator("button.dismiss").click();
    expect(await notices.count()).toBe(0);
  });

  it("resets a member's password, who then signs in with the new one and must choose their own", async () => {
    const row = page.locator("#team-rows tr", { hasText: "bo@example.com" });
    await row.locator(".row-menu summary").click();
    await shot(page, "team-menu");
    await row.locator("button", { hasText: "Reset password" }).click();
    const notice = page.locator("#team-notices .password-notice");
    await notice.waitFor();
    expect(await notice.textContent()).toContain("Bo Agent has a new temporary password.");
    const password = (await notice.locator("code").textContent())!.trim();
    await shot(page, "team-reset");

    const member = await browser.newContext({ locale: "en-US" });
    try {
      const memberPage = await member.newPage();
      await memberPage.goto(`${kefu.url}/login`);
      await memberPage.fill("#field-email", "bo@example.com");
      await memberPage.fill("#field-password", password);
      await Promise.all([memberPage.waitForNavigation(), memberPage.click("button[type=submit]")]);
      expect(new URL(memberPage.url()).pathname).toBe("/console/password");
    } finally {
      await member.close();
    }
  });
});

describe("first-run setup", () => {
  let fresh: Kefu;

  beforeAll(async () => {
    fresh = await startKefu();
  });

  afterAll(async () => {
    await fresh?.stop();
  });

  it("names the shop and takes the browser's time zone", async () => {
    const context = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai", viewport: { width: 390, height: 844 } });
    try {
      const page = await context.newPage();
      await page.goto(`${fresh.url}/setup`);
      expect(await page.locator(".setup-timezone").innerText()).toContain("Asia/Shanghai");
      await page.screenshot({ path: `${shotsDir}/settings-setup-390-zh-CN.png`, fullPage: true });
      await page.fill("#field-shopName", "莲花茶馆");
      await page.fill("#field-name", "梅");
      await page.fill("#field-email", "mei@example.com");
      await page.fill("#field-password", "a long password");
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
      expect(new URL(page.url()).pathname).toBe("/console");
      expect((await page.locator("header .brand").innerText()).trim()).toBe("莲花茶馆");
      await page.goto(`${fresh.url}/console/hours`);
      expect(await page.inputValue("select[name=timezone]")).toBe("Asia/Shanghai");
    } finally {
      await context.close();
    }
  });
});
