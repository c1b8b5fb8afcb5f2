// Voice and video calls between two browsers, with Chromium's fake camera and microphone: the
// agent rings from the console at desktop width, the visitor answers in the widget on another
// site at phone width, and each side's RTCPeerConnection reports media arriving (video frames
// decoded, audio packets received) before the agent hangs up and both threads show the call's
// line. A declined call tells the agent so. In English and Chinese, with screenshots.
import { afterAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { mediaFlowing } from "./call-media";
import { chromiumPath, openConsole, queryKefu, shotsDir, startShopOnAnotherSite } from "./support";

setDefaultTimeout(60_000);

const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };
const { kefu, browser, ownerCookie, widgetKey, host, stop } = await startShopOnAnotherSite();
afterAll(stop);

/** A visitor on the host shop at phone width who has written, and the owner's console on their conversation. */
async function visitorChattingWithAgent(locale: string, question: string) {
  const agentContext = await browser.newContext({ locale, viewport: desktop });
  agentContext.setDefaultTimeout(15_000);
  const agent = await openConsole(agentContext, kefu.url, ownerCookie);
  const visitorContext = await browser.newContext({ locale, viewport: phone });
  visitorContext.setDefaultTimeout(15_000);
  const page = await visitorContext.newPage();
  const errors: string[] = [];
  for (const p of [page, agent]) p.on("pageerror", (error) => errors.push(error.message));
  await page.goto(host.url);
  await page.locator("[data-kefu] .launcher").click();
  const chat = page.frameLocator("[data-kefu] iframe");
  await chat.locator("#composer textarea[name=body]").fill(question);
  await chat.locator("#composer textarea[name=body]").press("Enter");
  await chat.locator("#thread .message.mine:not(.pending)", { hasText: question }).waitFor();
  await agent.locator("#my-conversations a", { hasText: question }).click();
  await agent.locator(".conversation-header [data-call=video]").waitFor();
  const frame = page.frames().find((f) => f.url().includes("/chat/"))!;
  return { agent, page, chat, frame, errors, close: () => Promise.all([agentContext.close(), visitorContext.close()]) };
}

describe("a video call from the console to the widget", () => {
  for (const { locale, question, invited, accept, hungUp, line } of [
    { locale: "en-US", question: "Can you show me the blue one?", invited: "Mei invites you to a video call", accept: "Accept", hungUp: "The other side hung up.", line: /Video call, 0:\d\d/ },
    { locale: "zh-CN", question: "可以视频看看蓝色那款吗？", invited: "Mei 邀请您视频通话", accept: "接听", hungUp: "对方已挂断。", line: /视频通话，时长 0:\d\d/ },
  ]) {
    it(`connects both sides with media flowing, then hangs up into a line in both threads (${locale})`, async () => {
      const { agent, page, chat, frame, errors, close } = await visitorChattingWithAgent(locale, question);
      await agent.locator(".conversation-header [data-call=video]").click();
      await chat.locator(".kefu-call-invite", { hasText: invited }).waitFor();
      await page.screenshot({ path: join(shotsDir, `call-invited-${locale}.png`) });
      await agent.screenshot({ path: join(shotsDir, `call-ringing-agent-${locale}.png`) });
      await chat.locator(".kefu-call-invite button.accept", { hasText: accept }).click();

      await agent.locator(".kefu-call.connected").waitFor();
      await chat.locator(".kefu-call.connected").waitFor();
      await Promise.all([mediaFlowing(agent), mediaFlowing(frame)]);
      // The timer runs on both sides.
      await agent.locator(".kefu-call-status", { hasText: /^0:0[1-9]/ }).waitFor();
      await chat.locator(".kefu-call-status", { hasText: /^0:0[1-9]/ }).waitFor();
      await agent.screenshot({ path: join(shotsDir, `call-agent-${locale}.png`) });
      await page.screenshot({ path: join(shotsDir, `call-visitor-${locale}.png`) });

      // Mute and camera off stop the agent's own tracks; the buttons say so.
      await agent.locator(".kefu-call button.mute").click();
      await agent.locator(".kefu-call button.camera").click();
      expect(await agent.locator(".kefu-call button[aria-pressed=true]").count()).toBe(2);

      await agent.locator(".kefu-call button.hang-up").click();
      await chat.locator(".kefu-call-status", { hasText: hungUp }).waitFor();
      expect(await agent.locator(".kefu-call").count()).toBe(0);
      await chat.locator("#thread .message.event", { hasText: line }).waitFor();
      await agent.locator("#thread .message.event", { hasText: line }).waitFor();
      await page.screenshot({ path: join(shotsDir, `call-ended-visitor-${locale}.png`) });
      expect(errors).toEqual([]);
      await close();
    });
  }

  it("opens the closed widget for the invitation, and tells the agent when the visitor declines, in the window and the thread", async () => {
    const { agent, page, chat, errors, close } = await visitorChattingWithAgent("en-US", "Just text, please.");
    // The visitor closed the widget: the invitation opens it.
    await chat.locator("#close-widget").click();
    await page.locator("[data-kefu] .panel").waitFor({ state: "hidden" });
    await agent.locator(".conversation-header [data-call=voice]").click();
    await page.locator("[data-kefu] .panel").waitFor({ state: "visible" });
    await chat.locator(".kefu-call-invite", { hasText: "Mei invites you to a voice call" }).waitFor();
    await chat.locator(".kefu-call-invite button.refuse").click();
    await agent.locator(".kefu-call-status", { hasText: "The visitor declined the call." }).waitFor();
    await agent.locator("#thread .message.event", { hasText: "Voice call declined" }).waitFor();
    await chat.locator("#thread .message.event", { hasText: "Voice call declined" }).waitFor();
    expect(await chat.locator(".kefu-call-invite").count()).toBe(0);
    await agent.screenshot({ path: join(shotsDir, "call-declined-agent-en-US.png") });
    await agent.locator(".kefu-call button.close").click();
    expect(await agent.locator(".kefu-call").count()).toBe(0);
    expect(errors).toEqual([]);
    await close();
  });

  it("says what to do when the browser may not use the camera, and rings nobody", async () => {
    const { chat, close } = await visitorChattingWithAgent("en-US", "Are you there?");
    const calls = () => queryKefu(kefu, "SELECT id FROM messages WHERE body = 'call'").length;
    const callsBefore = calls();
    // A browser that asks before giving the camera, and whose person said no (Playwright denies prompts).
    const asking = await chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream"] });
    try {
      const page = await openConsole(await asking.newContext({ locale: "en-US", viewport: desktop }), kefu.url, ownerCookie);
      await page.locator("#my-conversations a", { hasText: "Are you there?" }).click();
      await page.locator(".conversation-header [data-call=video]").click();
      await page.locator(".kefu-call-status", { hasText: "The browser may not use your camera or microphone." }).waitFor();
      await page.screenshot({ path: join(shotsDir, "call-denied-agent-en-US.png") });
      await Bun.sleep(300);
      expect(await chat.locator(".kefu-call-invite").count()).toBe(0);
      expect(calls()).toBe(callsBefore);
    } finally {
      await asking.close();
      await close();
    }
  });
});
