// One person's first day with Kefu, in a real Chromium against the built binary: set up the
// owner, look around, switch the language, add an agent, and the agent's first sign-in.
// The steps share one server and one browser, and run in order.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type Kefu, launchBrowser, shotsDir, startKefu } from "./support";

setDefaultTimeout(30_000);

const owner = { shop: "Mei's Tea", name: "Mei Owner", email: "mei@example.com", password: "a long password" };
const member = { name: "Bo Agent", email: "bo@example.com", newPassword: "bo's own password" };

let kefu: Kefu;
let browser: Browser;

beforeAll(async () => {
  [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await kefu?.stop();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `${shotsDir}/${name}.png`, fullPage: true });
const text = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? "").replace(/\s+/g, " ").trim();
const navTexts = (page: Page) => page.locator("nav a").allTextContents().then((all) => all.map((one) => one.trim()));

/** Submits the form the button belongs to and waits for the page it leads to. */
async function submitAndWait(page: Page, button: string) {
  const [response] = await Promise.all([page.waitForNavigation(), page.click(button)]);
  return response;
}

describe("the console, as people use it", () => {
  let context: BrowserContext;
  let page: Page;
  let temporaryPassword = "";

  beforeAll(async () => {
    context = await browser.newContext({ locale: "en-US", viewport: { width: 1200, height: 800 } });
    page = await context.newPage();
  });

  afterAll(async () => {
    await context?.close();
  });

  it("sends the first visitor to setup", async () => {
    await page.goto(kefu.url);
    expect(new URL(page.url()).pathname).toBe("/setup");
    expect(await page.title()).toBe("Set up Kefu · Kefu");
    await shot(page, "01-setup");
  });

  it("shows a field error for each bad setup field", async () => {
    const empty = await submitAndWait(page, "button[type=submit]");
    expect(empty?.status()).toBe(422);
    expect(await text(page, "#field-shopName-error")).toBe("Enter a name.");
    expect(await text(page, "#field-name-error")).toBe("Enter a name.");
    expect(await text(page, "#field-email-error")).toBe("Enter an email address like name@example.com.");
    expect(await text(page, "#field-password-error")).toBe("Use at least 8 characters.");
    expect(await page.getAttribute("#field-email", "aria-invalid")).toBe("true");

    await page.fill("#field-shopName", owner.shop);
    await page.fill("#field-name", owner.name);
    await page.fill("#field-email", "mei-at-example");
    await page.fill("#field-password", owner.password);
    const badEmail = await submitAndWait(page, "button[type=submit]");
    expect(badEmail?.status()).toBe(422);
    expect(await page.locator("#field-shopName-error").count()).toBe(0);
    expect(await page.locator("#field-name-error").count()).toBe(0);
    expect(await page.locator("#field-password-error").count()).toBe(0);
    expect(await text(page, "#field-email-error")).toBe("Enter an email address like name@example.com.");
    // What was typed is kept, except the password.
    expect(await page.inputValue("#field-shopName")).toBe(owner.shop);
    expect(await page.inputValue("#field-name")).toBe(owner.name);
    expect(await page.inputValue("#field-email")).toBe("mei-at-example");
    expect(await page.inputValue("#field-password")).toBe("");
    await shot(page, "02-setup-errors");
  });

  it("creates the owner and lands in the console", async () => {
    await page.fill("#field-email", owner.email);
    await page.fill("#field-password", owner.password);
    const response = await submitAndWait(page, "button[type=submit]");
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/console");
    expect(await text(page, "header .brand")).toBe(owner.shop);
  });

  it("shows who is signed in and the console navigation", async () => {
    expect(await text(page, "#signed-in-agent > span:not(.avatar)")).toBe(owner.name);
    expect(await text(page, "#signed-in-agent .avatar")).toBe("M");
    expect(await navTexts(page)).toEqual(["Conversations", "Live visitors", "History", "Customers", "Search", "Inbox", "Canned replies", "Settings", "Reports", "Business hours", "Team", "Groups", "Triggers", "Visitor window", "Automatic answers", "Deploy", "Profile"]);
    expect(await page.getAttribute("nav a[href='/console']", "aria-current")).toBe("page");
    expect(await text(page, "main h1")).toBe("Conversations");
    expect(await text(page, "#conversations-empty")).toContain("No conversations yet.");
    // Icons are inline SVGs sized by CSS: a broken stylesheet would blow them up to 300x150.
    const iconBox = await page.locator("nav a[href='/console'] svg.icon").boundingBox();
    expect(iconBox?.width).toBeGreaterThan(8);
    expect(iconBox?.width).toBeLessThan(40);
    await shot(page, "03-console");
  });

  it("switches the console to Chinese from the header", async () => {
    await Promise.all([page.waitForEvent("load"), page.selectOption("#locale", "zh-CN")]);
    await page.locator("nav a", { hasText: "个人资料" }).waitFor();
    expect(await navTexts(page)).toEqual(["会话", "在线访客", "历史会话", "客户", "搜索", "留言", "快捷回复", "设置", "报表", "营业时间", "团队", "分组", "主动邀请", "访客窗口", "自动回复", "部署", "个人资料"]);
    expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
    expect(await page.inputValue("#locale")).toBe("zh-CN");
    expect(await text(page, "header form[action='/logout'] button")).toBe("退出登录");
    await shot(page, "04-console-zh");
  });

  it("keeps Chinese on the next page although the browser asks for English", async () => {
    await submitAndWait(page, "nav a[href='/console/settings']");
    expect(new URL(page.url()).pathname).toBe("/console/settings");
    expect(await text(page, "main h1")).toBe("设置");
    expect(await navTexts(page)).toContain("团队");
    // A second browser session of the same agent, still asking for English, gets Chinese too.
    const other = await browser.newContext({ locale: "en-US", storageState: await context.storageState() });
    try {
      const otherPage = await other.newPage();
      await otherPage.goto(`${kefu.url}/console`);
      expect(await navTexts(otherPage)).toEqual(["会话", "在线访客", "历史会话", "客户", "搜索", "留言", "快捷回复", "设置", "报表", "营业时间", "团队", "分组", "主动邀请", "访客窗口", "自动回复", "部署", "个人资料"]);
    } finally {
      await other.close();
    }
  });

  it("switches back to English", async () => {
    await Promise.all([page.waitForEvent("load"), page.selectOption("#locale", "en")]);
    await page.locator(".console > nav a", { hasText: "Conversations" }).waitFor();
    expect(await text(page, "main h1")).toBe("Settings");
    expect(await page.getAttribute("html", "lang")).toBe("en");
  });

  it("adds an agent on the Team page and shows the temporary password once", async () => {
    await submitAndWait(page, "nav a[href='/console/team']");
    expect(await page.locator("#team-rows tr").count()).toBe(1);
    await page.fill("#team-add #field-name", member.name);
    await page.fill("#team-add #field-email", member.email);
    await page.selectOption("#team-add #field-role", "agent");
    await page.click("#team-add button[type=submit]");
    await page.locator("#team-notices .password-notice code").waitFor();
    temporaryPassword = (await page.textContent("#team-notices .password-notice code"))!.trim();
    expect(temporaryPassword).toMatch(/^[A-Za-z0-9]{14}$/);
    expect(await text(page, "#team-notices [role=status]")).toContain(`${member.name} was added.`);
    const row = page.locator("#team-rows tr", { hasText: member.email });
    await row.waitFor();
    expect(await page.locator("#team-rows tr").count()).toBe(2);
    expect(await row.locator("select[name=role]").inputValue()).toBe("agent");
    // The add form is empty again, ready for the next person.
    expect(await page.inputValue("#team-add #field-email")).toBe("");
    await shot(page, "05-team-added");
    await page.reload();
    expect(await page.locator("#team-notices .password-notice").count()).toBe(0);
    expect(await page.locator("#team-rows tr", { hasText: member.email }).count()).toBe(1);
  });

  it("signs out from the header", async () => {
    await submitAndWait(page, "header form[action='/logout'] button");
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(await text(page, "[role=status]")).toBe("You are signed out.");
    const back = await page.goto(`${kefu.url}/console`);
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(back?.status()).toBe(200);
  });

  it("keeps a wrong password on the login page with an error", async () => {
    await page.fill("#field-email", owner.email);
    await page.fill("#field-password", "not my password");
    const response = await submitAndWait(page, "button[type=submit]");
    expect(response?.status()).toBe(401);
    expect(new URL(page.url()).pathname).toBe("/login");
    expect(await text(page, "[role=alert]")).toBe("Wrong email or password.");
    expect(await page.inputValue("#field-email")).toBe(owner.email);
    await shot(page, "06-login-failed");
  });

  it("makes the new agent choose a password at first sign-in", async () => {
    await page.fill("#field-email", member.email);
    await page.fill("#field-password", temporaryPassword);
    await submitAndWait(page, "button[type=submit]");
    expect(new URL(page.url()).pathname).toBe("/console/password");
    expect(await text(page, "h1")).toBe("Choose your password");
    // Any console page leads back here until the password is changed.
    await page.goto(`${kefu.url}/console/settings`);
    expect(new URL(page.url()).pathname).toBe("/console/password");

    await page.fill("#field-current", temporaryPassword);
    await page.fill("#field-password", member.newPassword);
    await submitAndWait(page, "button[type=submit]");
    expect(new URL(page.url()).pathname).toBe("/console");
    expect(await text(page, "#signed-in-agent > span:not(.avatar)")).toBe(member.name);
  });

  it("hides the Team page from an agent", async () => {
    expect(await navTexts(page)).toEqual(["Conversations", "Live visitors", "History", "Customers", "Search", "Inbox", "Canned replies", "Preferences", "Profile"]);
    const response = await page.goto(`${kefu.url}/console/team`);
    expect(response?.status()).toBe(403);
    expect(await page.textContent("body")).toContain("Only owners and admins can do this.");
    await shot(page, "07-team-forbidden");
  });

  it("signs the agent out and closes setup for good", async () => {
    await page.goto(`${kefu.url}/console`);
    await submitAndWait(page, "header form[action='/logout'] button");
    expect(new URL(page.url()).pathname).toBe("/login");
    const setup = await page.goto(`${kefu.url}/setup`);
    expect(setup?.status()).toBe(404);
    expect(await page.title()).toBe("Page not found · Kefu");
  });
});

describe("the sign-in page for a Chinese browser", () => {
  it("is in Chinese", async () => {
    const context = await browser.newContext({ locale: "zh-CN" });
    try {
      const page = await context.newPage();
      await page.goto(`${kefu.url}/login`);
      expect(await page.title()).toBe("登录 · 客服");
      expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
      expect(await text(page, "h1")).toBe("登录");
      expect(await text(page, "label[for=field-password]")).toBe("密码");
      await shot(page, "08-login-zh");
    } finally {
      await context.close();
    }
  });
});
