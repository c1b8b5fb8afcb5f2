// WeChat sign-in as a shop runs it: the owner sets the official account's AppID and AppSecret on
// the Deploy page; a visitor opens the menu link in WeChat's browser at phone width, goes through
// (a local stand-in of) WeChat's sign-in, comes back signed in and writes; the agent sees the
// WeChat nickname and picture in the list and the panel, served by Kefu, never by WeChat.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { type FakeWeChat, startFakeWeChat } from "../test/wechat-server";
import { type Kefu, launchBrowser, openConsole, queryKefu, setUpShop, shotsDir, startKefu } from "./support";

setDefaultTimeout(60_000);

const appId = "wx5f3c2a1b0d9e8f76";
const appSecret = "9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e";
const wechatPhone =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2d) NetType/WIFI Language/zh_CN";

let fake: FakeWeChat;
let kefu: Kefu;
let browser: Browser;
let ownerCookie: string;
let widgetKey: string;

beforeAll(async () => {
  fake = startFakeWeChat({ appId, appSecret, user: { openid: "o-first", nickname: "first" } });
  [kefu, browser] = await Promise.all([startKefu(["--wechat-url", fake.url]), launchBrowser()]);
  ({ ownerCookie, widgetKey } = await setUpShop(kefu));
});

afterAll(async () => {
  await browser?.close();
  await kefu?.stop();
  fake?.stop();
});

describe("WeChat sign-in on the official account's menu link", () => {
  it("lets the owner set the official account in the browser, never showing the secret back", async () => {
    const owner = await openConsole(await browser.newContext({ locale: "en-US", viewport: { width: 1280, height: 800 } }), kefu.url, ownerCookie);
    await owner.goto(`${kefu.url}/console/deploy#wechat-sign-in`);
    const settings = owner.locator("#wechat-sign-in");
    await settings.locator(".badge", { hasText: "Off" }).waitFor();
    await settings.locator("#field-appId").fill("wx12");
    await settings.locator("#field-appSecret").fill(appSecret);
    await settings.locator("button[type=submit]").click();
    await settings.locator("#field-appId-error", { hasText: 'An AppID is "wx" followed by 16 letters a-f or digits.' }).waitFor();
    await settings.scrollIntoViewIfNeeded();
    await owner.screenshot({ path: join(shotsDir, "wechat-settings-refused-en.png") });
    expect(queryKefu(kefu, "SELECT * FROM wechat_accounts")).toEqual([]);

    await settings.locator("#field-appId").fill(appId);
    await settings.locator("#field-appSecret").fill(appSecret);
    await settings.locator("button[type=submit]").click();
    await settings.locator(".notice.ok").waitFor();
    await settings.locator(".badge", { hasText: "On" }).waitFor();
    expect(await settings.locator("#field-appSecret").inputValue()).toBe("");
    expect(await settings.locator("#field-appSecret").getAttribute("placeholder")).toBe("Set; leave empty to keep it");
    expect(await owner.content()).not.toContain(appSecret);
    await settings.scrollIntoViewIfNeeded();
    await owner.screenshot({ path: join(shotsDir, "wechat-settings-saved-en.png") });
    expect(queryKefu(kefu, "SELECT app_id AS appId, app_secret AS appSecret, enabled FROM wechat_accounts")).toEqual([{ appId, appSecret, enabled: 1 }]);

    await owner.goto(`${kefu.url}/console/deploy?locale=zh-CN`);
    await owner.locator("#locale").selectOption("zh-CN");
    await owner.waitForLoadState("networkidle");
    await owner.goto(`${kefu.url}/console/deploy#wechat-sign-in`);
    await owner.locator("#wechat-sign-in .badge", { hasText: "已开启" }).waitFor();
    await owner.locator("#wechat-sign-in").scrollIntoViewIfNeeded();
    await owner.screenshot({ path: join(shotsDir, "wechat-settings-saved-zh-CN.png") });
    await owner.locator("#locale").selectOption("en");
    await owner.waitForLoadState("networkidle");
    await owner.context().close();
  });

  for (const { locale, nickname, openid, message } of [
    { locale: "en-US", nickname: "Xiao Ming", openid: "oXYZ-en-1", message: "Hi, when will my order ship?" },
    { locale: "zh-CN", nickname: "小明同学", openid: "oXYZ-zh-2", message: "你好，请问什么时候发货？" },
  ]) {
    it(`signs in a visitor from the WeChat link, whose nickname and picture the agent sees (${locale})`, async () => {
      fake.user = { openid, nickname };
      const agentContext = await browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
      // The agent's browser never loads WeChat's image: Kefu keeps its own copy.
      const thirdParty: string[] = [];
      agentContext.on("request", (request) => {
        if (request.url().startsWith(fake.url)) thirdParty.push(request.url());
      });
      const agent = await openConsole(agentContext, kefu.url, ownerCookie);
      await agent.locator("#locale").selectOption(locale === "zh-CN" ? "zh-CN" : "en");
      await agent.waitForLoadState("networkidle");

      const visitorContext = await browser.newContext({ locale, viewport: { width: 390, height: 844 }, userAgent: wechatPhone, isMobile: true, hasTouch: true });
      visitorContext.setDefaultTimeout(10_000);
      const visitor = await visitorContext.newPage();
      const errors: string[] = [];
      visitor.on("pageerror", (error) => errors.push(error.message));
      const authorizeBefore = fake.requests.filter((url) => url.pathname === "/connect/oauth2/authorize").length;
      await visitor.goto(`${kefu.url}/chat/${widgetKey}?via=wechat`);
      await visitor.locator("#composer textarea[name=body]").waitFor();
      expect(new URL(visitor.url()).pathname).toBe(`/chat/${widgetKey}`);
      expect(new URL(visitor.url()).searchParams.get("anonymous")).toBeNull();
      expect(fake.requests.filter((url) => url.pathname === "/connect/oauth2/authorize")).toHaveLength(authorizeBefore + 1);
      expect(queryKefu(kefu, "SELECT name, wechat_id AS wechatId FROM visitors WHERE wechat_id = ?", openid)).toEqual([{ name: nickname, wechatId: openid }]);

      await visitor.locator("#composer textarea[name=body]").fill(message);
      await visitor.locator("#composer textarea[name=body]").press("Enter");
      await visitor.locator("#thread .message.mine", { hasText: message }).waitFor();
      await visitor.screenshot({ path: join(shotsDir, `wechat-visitor-${locale}.png`) });

      // Back again: no second trip through WeChat.
      await visitor.goto(`${kefu.url}/chat/${widgetKey}?via=wechat`);
      await visitor.locator("#thread .message.mine", { hasText: message }).waitFor();
      expect(fake.requests.filter((url) => url.pathname === "/connect/oauth2/authorize")).toHaveLength(authorizeBefore + 1);

      await agent.reload();
      const item = agent.locator("#my-conversations li, #waiting-conversations li", { hasText: message }).first();
      await item.waitFor();
      await item.locator(".item-name", { hasText: nickname }).waitFor();
      const listAvatar = item.locator("img.visitor-avatar");
      expect(await listAvatar.getAttribute("src")).toMatch(/^\/uploads\/avatars\/[\w-]{22}\.png$/);
      await item.locator("a").click();
      const panel = agent.locator("#visitor-panel");
      await panel.locator(".visitor-name", { hasText: nickname }).waitFor();
      await panel.locator(".badge.wechat").waitFor();
      const panelAvatar = panel.locator("img.visitor-avatar");
      await panelAvatar.waitFor();
      expect(await panelAvatar.evaluate((image: HTMLImageElement) => image.complete && image.naturalWidth)).toBe(64);
      await agent.screenshot({ path: join(shotsDir, `wechat-agent-${locale}.png`) });
      await agent.setViewportSize({ width: 390, height: 844 });
      await agent.goto(`${kefu.url}/console`);
      await agent.locator("#my-conversations img.visitor-avatar").first().waitFor();
      await agent.screenshot({ path: join(shotsDir, `wechat-agent-phone-${locale}.png`) });
      expect(thirdParty).toEqual([]);
      expect(errors).toEqual([]);
      await visitorContext.close();
      await agentContext.close();
    });
  }

  it("lets a visitor who refuses on WeChat's page chat anonymous", async () => {
    fake.refuses = true;
    const context = await browser.newContext({ locale: "zh-CN", viewport: { width: 390, height: 844 }, userAgent: wechatPhone, isMobile: true });
    const visitor = await context.newPage();
    await visitor.goto(`${kefu.url}/chat/${widgetKey}?via=wechat`);
    await visitor.locator("#composer textarea[name=body]").waitFor();
    expect(new URL(visitor.url()).searchParams.get("anonymous")).toBe("1");
    await visitor.locator("#composer textarea[name=body]").fill("不登录也能问吗？");
    await visitor.locator("#composer textarea[name=body]").press("Enter");
    await visitor.locator("#thread .message.mine", { hasText: "不登录也能问吗？" }).waitFor();
    expect(kefu.output()).toContain("wechat sign-in declined by the visitor");
    fake.refuses = false;
    await context.close();
  });
});
