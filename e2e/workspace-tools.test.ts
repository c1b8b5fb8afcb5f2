// The agent's tools as an agent and a visitor use them, against the built binary: a canned reply
// typed with "/" (to a visitor in the widget on a shop's page of another origin), and a rating
// asked for, answered on the chat page and shown in the agent's thread. (Attachments: e2e/attachments.test.ts; live visitors: e2e/live-visitors.test.ts.)
import { afterAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import type { BrowserContext, Page } from "playwright-core";
import { postForm, shotsDir, startShopOnAnotherSite } from "./support";

setDefaultTimeout(30_000);

const owner = { name: "Mei", email: "mei@example.com", password: "a long password" };

// The shop's page with the widget (`host`) is on another site (localhost) than Kefu (127.0.0.1).
const { kefu, browser, ownerCookie, widgetKey, host, stop } = await startShopOnAnotherSite(owner);
const chatPath = `/chat/${widgetKey}`;
afterAll(stop);

async function newContext(agent = false): Promise<BrowserContext> {
  const context = await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  if (agent) await context.addCookies([{ name: "kefu_session", value: ownerCookie.slice("kefu_session=".length), url: kefu.url }]);
  return context;
}

/** A visitor writes first; the owner (the only agent) gets the conversation and opens it. */
async function conversationWith(text: string): Promise<{ visitor: Page; agent: Page }> {
  const visitor = await (await newContext()).newPage();
  await visitor.goto(kefu.url + chatPath);
  await visitor.locator("#composer textarea[name=body]").fill(text);
  await visitor.locator("#composer textarea[name=body]").press("Enter");
  await visitor.locator("#thread .message.mine:not(.pending)", { hasText: text }).waitFor();
  const agent = await (await newContext(true)).newPage();
  await agent.goto(`${kefu.url}/console`);
  // Earlier tests' conversations are in the list too; this one is assigned as the console connects.
  await agent.locator("#my-conversations a", { hasText: text }).click();
  await agent.locator("#thread .message", { hasText: text }).waitFor();
  return { visitor, agent };
}

describe("canned replies", () => {
  it("inserts a reply typed with '/', with the placeholders filled, and sends it only on the next Enter", async () => {
    const added = await postForm(
      kefu,
      "/console/canned-replies",
      { scope: "shared", shortcut: "ship", body: "Hi {visitor_name}, {shop_name} ships within 2 days. — {agent_name}" },
      { cookie: ownerCookie },
    );
    expect(added.status).toBe(303);
    const { visitor, agent } = await conversationWith("When will my order ship?");
    const composer = agent.locator("#composer textarea[name=body]");
    await composer.pressSequentially("/shi");
    await agent.locator(".canned-list [role=option]", { hasText: "ship" }).waitFor();
    await agent.screenshot({ path: `${shotsDir}/canned-list.png` });
    await composer.press("Enter");
    // Inserted, not sent: the anonymous visitor's name stays a placeholder to type over.
    await expect(composer.inputValue()).resolves.toBe("Hi {visitor_name}, Kefu ships within 2 days. — Mei");
    await expect(agent.locator("#thread .message.mine").count()).resolves.toBe(0);
    await composer.fill("Hi there, Kefu ships within 2 days. — Mei");
    await composer.press("Enter");
    await visitor.locator("#thread .message.theirs", { hasText: "Kefu ships within 2 days" }).waitFor();
    await Promise.all([visitor.context().close(), agent.context().close()]);
  });
});

describe("canned replies with a placeholder Kefu cannot fill", () => {
  it("ranks shortcuts that start with what was typed first, previews the reply filled, and blocks sending until the placeholder is filled", async () => {
    for (const [scope, shortcut, body] of [
      ["shared", "delivery", "{shop_name} delivers within 2 days, {visitor_name}."],
      ["personal", "late", "Sorry, your order is delayed by a day."],
    ]) {
      const added = await postForm(kefu, "/console/canned-replies", { scope: scope!, shortcut: shortcut!, body: body! }, { cookie: ownerCookie });
      expect(added.status).toBe(303);
    }
    const shop = await (await newContext()).newPage();
    await shop.goto(host.url);
    await shop.locator("[data-kefu] .launcher").click();
    const widget = shop.frameLocator("[data-kefu] iframe");
    await widget.locator("#composer textarea[name=body]").fill("Where is my order?");
    await widget.locator("#composer textarea[name=body]").press("Enter");
    await widget.locator("#thread .message.mine:not(.pending)", { hasText: "Where is my order?" }).waitFor();
    const agent = await (await newContext(true)).newPage();
    await agent.goto(`${kefu.url}/console`);
    // The earlier test's conversation is in the list too: this one is assigned as the console connects.
    await agent.locator("#my-conversations a", { hasText: "Where is my order?" }).click();
    await agent.locator("#thread .message", { hasText: "Where is my order?" }).waitFor();

    const composer = agent.locator("#composer textarea[name=body]");
    await composer.pressSequentially("/del");
    const options = agent.locator(".canned-list [role=option]");
    await options.first().waitFor();
    // The shared /delivery starts with "del"; my own /late only has it in its text.
    await expect(options.locator("strong").allTextContents()).resolves.toEqual(["/delivery", "/late"]);
    await expect(options.first().locator(".canned-text").textContent()).resolves.toBe("Kefu delivers within 2 days, {visitor_name}.");
    await expect(options.first().locator("mark.unfilled").textContent()).resolves.toBe("{visitor_name}");
    await composer.press("Enter");
    await expect(composer.inputValue()).resolves.toBe("Kefu delivers within 2 days, {visitor_name}.");

    await composer.press("Enter");
    const status = agent.locator("#composer-status");
    await status.filter({ hasText: "Fill in {visitor_name} or remove it before sending." }).waitFor({ state: "visible" });
    await agent.screenshot({ path: `${shotsDir}/canned-unfilled.png` });
    await expect(agent.locator("#thread .message.mine").count()).resolves.toBe(0);
    // The placeholder is selected: typing replaces it.
    await composer.pressSequentially("Ann");
    await expect(composer.inputValue()).resolves.toBe("Kefu delivers within 2 days, Ann.");
    await status.waitFor({ state: "hidden" });
    await composer.press("Enter");
    await widget.locator("#thread .message.theirs", { hasText: "Kefu delivers within 2 days, Ann." }).waitFor();
    await Promise.all([shop.context().close(), agent.context().close()]);
  });
});

describe("the composer's keys", () => {
  it("closes the canned list, then the emoji picker, with Esc; inserts an emoji at the caret; and moves between conversations with Alt+↑/↓", async () => {
    const { visitor, agent } = await conversationWith("Do you ship to Macau?");
    const composer = agent.locator("#composer textarea[name=body]");
    await composer.pressSequentially("/");
    await agent.locator(".canned-list").waitFor();
    await composer.press("Escape");
    await agent.locator(".canned-list").waitFor({ state: "detached" });
    await composer.fill("Yes ");
    await agent.locator(".emoji-toggle").click();
    const picker = agent.locator(".emoji-picker:not([hidden])");
    await picker.waitFor();
    await agent.keyboard.press("ArrowRight");
    await agent.keyboard.press("Enter");
    await picker.waitFor({ state: "hidden" });
    await expect(composer.inputValue()).resolves.toBe("Yes 😃");
    await agent.locator(".emoji-toggle").click();
    await picker.waitFor();
    await agent.keyboard.press("Escape");
    await picker.waitFor({ state: "hidden" });
    await expect(agent.evaluate(() => document.activeElement?.getAttribute("name"))).resolves.toBe("body");

    // The visitor's page has the picker too, and no canned replies.
    await visitor.locator(".emoji-toggle").click();
    await visitor.locator(".emoji-picker:not([hidden]) .emoji").first().click();
    await expect(visitor.locator("#composer textarea[name=body]").inputValue()).resolves.toBe("😀");
    await expect(visitor.locator("script[src*='canned-replies']").count()).resolves.toBe(0);

    const current = await agent.locator("#my-conversations > li[aria-current]").getAttribute("id");
    await composer.press("Alt+ArrowDown");
    await agent.waitForURL((url) => !url.pathname.endsWith(current!.replace("conversation-", "")));
    await Promise.all([visitor.context().close(), agent.context().close()]);
  });
});

describe("ratings", () => {
  it("asks the visitor for a rating, who answers on the chat page, and the agent sees it in the thread", async () => {
    const { visitor, agent } = await conversationWith("Thanks for the help!");
    await agent.locator("#conversation-actions button", { hasText: "Request rating" }).click();
    const card = visitor.locator("#thread .rating-card");
    await card.waitFor();
    await card.locator("label[for$='-4']").click();
    await card.locator("textarea[name=comment]").fill("Quick and friendly");
    await card.locator("button[type=submit]").click();
    await visitor.locator("#thread .rating-card.answered").waitFor();
    await agent.locator("#thread .rating-result", { hasText: "Quick and friendly" }).waitFor();
    await expect(agent.locator("#thread .rating-result .rating-stars").getAttribute("aria-label")).resolves.toContain("4");
    await agent.screenshot({ path: `${shotsDir}/rating-agent.png` });
    await Promise.all([visitor.context().close(), agent.context().close()]);
  });
});
