// Automatic answers as a shop uses them: the owner adds a rule and a banned word on the page in
// their browser; a visitor in the widget on another site, at phone width, asks with the keyword
// inside a sentence and gets the answer under the shop's name, presses "Talk to a person", and the
// agent sees the conversation waiting with the answer marked and the banned word masked.
import { afterAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { frameWindowMs } from "../src/realtime/frame-budget";
import { openConsole, queryKefu, shotsDir, startShopOnAnotherSite, visitorAtPhoneWidth } from "./support";

setDefaultTimeout(60_000);

const desktop = { width: 1280, height: 800 };
const { kefu, browser, ownerCookie, widgetKey, host, stop } = await startShopOnAnotherSite();
afterAll(stop);

async function ownerConsole(locale: string, path: string): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: desktop });
  context.setDefaultTimeout(10_000);
  const page = await openConsole(context, kefu.url, ownerCookie);
  await page.goto(`${kefu.url}${path}`);
  return page;
}

/** The owner's workspace with its socket open: the owner is online and sees the lists live. */
async function agentOnline(): Promise<Page> {
  const context = await browser.newContext({ locale: "en-US", viewport: desktop });
  context.setDefaultTimeout(10_000);
  await context.addInitScript(() => {
    document.addEventListener("htmx:ws:after:connection", () => ((window as unknown as { kefuSocketOpen: boolean }).kefuSocketOpen = true));
  });
  const page = await openConsole(context, kefu.url, ownerCookie);
  await page.waitForFunction(() => (window as unknown as { kefuSocketOpen?: boolean }).kefuSocketOpen === true);
  return page;
}

describe("automatic answers", () => {
  it("are set up by the owner on their page, in English and in Chinese", async () => {
    // Claim mode: a visitor who asks for a person waits in the queue for an agent to take them.
    const settings = await ownerConsole("en-US", "/console/settings");
    await settings.check("#settings-routing input[name=routingMode][value=claim]");
    await Promise.all([settings.waitForNavigation(), settings.click(".save-bar button[type=submit]")]);
    await settings.context().close();

    const page = await ownerConsole("en-US", "/console/automatic-answers");
    await page.locator("nav a[aria-current=page]", { hasText: "Automatic answers" }).waitFor();
    await page.check("#answer-settings input[name=answerWhen][value=untilAgent]");
    await Promise.all([page.waitForNavigation(), page.click("#answer-settings button[type=submit]")]);
    // A rule without an answer is refused next to its field, with what was typed kept.
    await page.fill("#rule-new-keywords", "退货\n退款");
    await Promise.all([page.waitForNavigation(), page.click("#rule-new button[type=submit]")]);
    await page.locator("#rule-new-answer-error", { hasText: "Enter the answer." }).waitFor();
    expect(await page.inputValue("#rule-new-keywords")).toBe("退货\n退款");
    await page.fill("#rule-new-answer", "收到商品后 30 天内可申请退货，请在订单页点击“申请售后”。");
    await Promise.all([page.waitForNavigation(), page.click("#rule-new button[type=submit]")]);
    await page.locator("#answer-rules .window-item textarea", { hasText: "退款" }).waitFor();
    await page.fill("#field-bannedWords", "傻瓜");
    await Promise.all([page.waitForNavigation(), page.click("#banned-words button[type=submit]")]);
    expect(await page.inputValue("#field-bannedWords")).toBe("傻瓜");
    expect(queryKefu(kefu, "SELECT answer_when AS answerWhen, banned_words AS banned, banned_mode AS mode FROM answer_settings")).toEqual([
      { answerWhen: "untilAgent", banned: "傻瓜", mode: "mask" },
    ]);
    await page.screenshot({ path: join(shotsDir, "automatic-answers-page-en.png"), fullPage: true });
    await page.context().close();

    const zh = await ownerConsole("zh-CN", "/console/automatic-answers");
    await zh.locator("h1", { hasText: "自动回复" }).waitFor();
    await zh.screenshot({ path: join(shotsDir, "automatic-answers-page-zh-CN.png"), fullPage: true });
    await zh.context().close();
    // Each console page opened a socket: these quick loads used up the opens one agent may make
    // in a window (frame-budget.ts), and the workspace below would be refused its socket.
    await Bun.sleep(frameWindowMs);
  });

  for (const { locale, question, label, person, asked } of [
    { locale: "zh-CN", question: "你好，我想退货怎么办？", label: "自动回复", person: "转人工", asked: "您已请求人工客服" },
    { locale: "en-US", question: "Hi, can I 退款 an order from last week?", label: "Automatic answer", person: "Talk to a person", asked: "You asked to talk to a person" },
  ]) {
    it(`answer a visitor in the widget, who then asks for a person (${locale})`, async () => {
      const agent = await agentOnline();
      const page = await visitorAtPhoneWidth(browser, host.url, locale);
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      const chat = page.frameLocator("[data-kefu] iframe");
      await chat.locator("#composer textarea[name=body]").fill(question);
      await chat.locator("#composer button.send").click();
      const answer = chat.locator("#thread .message.theirs.auto");
      await answer.filter({ hasText: "30 天内可申请退货" }).waitFor();
      expect(await answer.locator(".author").innerText()).toContain(label);
      expect(await answer.locator(".author").innerText()).toContain("Kefu");
      // Answered by the bot alone: nobody was asked to take it.
      expect(await agent.locator("#waiting-conversations > li").count()).toBe(0);
      await page.screenshot({ path: join(shotsDir, `automatic-answer-visitor-${locale}.png`) });

      await answer.locator("button.talk-to-person", { hasText: person }).click();
      await chat.locator("#thread .message.event", { hasText: asked }).waitFor();
      // Asked: the button has done its work.
      await answer.locator("button.talk-to-person").waitFor({ state: "hidden" });
      await chat.locator("#queue-position:not([hidden])").waitFor();
      // The agent's waiting list marks it at once: the visitor asked for a person.
      await agent.locator("#tab-waiting").click();
      await agent.locator("#waiting-conversations > li .bot-note[data-bot=personRequested]", { hasText: "Asked for a person" }).waitFor();
      // A banned word in the next message: the agent reads ＊ where it was.
      await chat.locator("#composer textarea[name=body]").fill("你们是傻瓜吗");
      await chat.locator("#composer button.send").click();
      await chat.locator("#thread .message.mine", { hasText: "你们是＊＊吗" }).waitFor();
      await page.screenshot({ path: join(shotsDir, `automatic-answer-person-${locale}.png`) });

      const waiting = agent.locator("#waiting-conversations > li").first();
      await waiting.waitFor();
      await waiting.locator("a").click();
      const thread = agent.locator("#thread");
      await thread.locator(".message.auto", { hasText: "30 天内可申请退货" }).locator(".auto-label").waitFor();
      await thread.locator(".message.event", { hasText: "The visitor asked to talk to a person" }).waitFor();
      await thread.locator(".message.theirs", { hasText: "你们是＊＊吗" }).waitFor();
      expect(await thread.innerText()).not.toContain("傻瓜");
      await agent.screenshot({ path: join(shotsDir, `automatic-answer-agent-${locale}.png`) });
      expect(queryKefu(kefu, "SELECT count(*) AS n FROM messages WHERE body LIKE '%傻瓜%'")).toEqual([{ n: 0 }]);
      expect(errors).toEqual([]);
      // Taken, so the next visitor's conversation is the only one waiting.
      await agent.locator('button[hx-post$="/take"][hx-target="#conversation-actions"]').click();
      await agent.locator("#waiting-conversations > li").waitFor({ state: "detached" });
      await agent.context().close();
      await page.context().close();
    });
  }
});
