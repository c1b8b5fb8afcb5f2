// The pre-chat form as a shop deploys it: in the widget's iframe on another site, at phone width,
// in English and Chinese. A bad email is refused with its message; the question then reaches the
// agent's list and the name and email the visitor panel.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { openConsole, postForm, queryKefu, shotsDir, startShopOnAnotherSite, visitorAtPhoneWidth } from "./support";

setDefaultTimeout(30_000);

const { kefu, browser, ownerCookie, host, stop } = await startShopOnAnotherSite();
afterAll(stop);

beforeAll(async () => {
  // The owner turns the form on, requiring a name and an email, from the hours page.
  const saved = await postForm(kefu, "/console/hours", {
    timezone: "UTC", closedDates: "", offlineText: "", noAgentText: "", preChatForm: "on", "preChatRequired-name": "on", "preChatRequired-email": "on",
  }, { cookie: ownerCookie });
  expect(saved.status).toBe(200);
  expect(queryKefu(kefu, "SELECT pre_chat_form AS form FROM businesses")).toEqual([{ form: 1 }]);
});

describe("the pre-chat form in the widget", () => {
  for (const { locale, badEmail, name, email, question } of [
    { locale: "en-US", badEmail: "Enter an email address like name@example.com.", name: "Lin Wei", email: "lin@example.com", question: "Do you ship to Hangzhou?" },
    { locale: "zh-CN", badEmail: "请输入有效的邮箱地址", name: "王芳", email: "wang@example.com", question: "可以开发票吗？" },
  ]) {
    it(`asks who the visitor is, refuses a bad email, then starts the chat with the question (${locale})`, async () => {
      const agent = await openConsole(await browser.newContext({ locale: "en-US" }), kefu.url, ownerCookie);
      const page = await visitorAtPhoneWidth(browser, host.url, locale);
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      const chat = page.frameLocator("[data-kefu] iframe");
      await chat.locator("#pre-chat").waitFor();
      expect(await chat.locator("#composer").count()).toBe(0);

      await chat.locator("#field-name").fill(name);
      await chat.locator("#field-email").fill("lin@");
      await chat.locator("#field-question").fill(question);
      await chat.locator("#pre-chat button[type=submit]").click();
      await chat.locator("#field-email-error", { hasText: badEmail }).waitFor();
      // The caret is in the field to correct.
      expect(await chat.locator("#field-email").evaluate((input) => input === document.activeElement)).toBe(true);
      await page.screenshot({ path: join(shotsDir, `pre-chat-refused-${locale}.png`) });
      // What was typed stays; nothing was sent.
      expect(await chat.locator("#field-question").inputValue()).toBe(question);

      await chat.locator("#field-email").fill(email);
      await chat.locator("#pre-chat button[type=submit]").click();
      await chat.locator("#thread .message.mine", { hasText: question }).waitFor();
      await chat.locator("#composer textarea[name=body]").waitFor();
      expect(await chat.locator("#pre-chat").count()).toBe(0);
      await page.screenshot({ path: join(shotsDir, `pre-chat-sent-${locale}.png`) });

      await agent.reload();
      await agent.locator("#my-conversations", { hasText: question }).waitFor();
      await agent.locator("#my-conversations a", { hasText: question }).click();
      await agent.locator("#visitor-panel", { hasText: email }).waitFor();
      await agent.locator("#visitor-panel", { hasText: name }).waitFor();
      expect(errors).toEqual([]);
      await page.context().close();
      await agent.context().close();
    });
  }
});
