// A video call between two processes of one Kefu (the built binary run twice on one data dir with
// --redis-url): the agent rings from a console served by process A, the visitor answers in a tab
// served by process B, and each side's RTCPeerConnection reports media arriving. The visitor hangs
// up; both sides end, and the call's line is in both threads once. With screenshots.
import { afterAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { join } from "node:path";
import { startRedisServer } from "../test/redis-server";
import { mediaFlowing } from "./call-media";
import { launchBrowser, openConsole, phone, queryKefu, setUpShop, shotsDir, startAnotherKefu, startKefu } from "./support";

setDefaultTimeout(60_000);

const desktop = { width: 1280, height: 800 };
const redis = await startRedisServer();
const a = await startKefu(["--redis-url", redis.url]);
const b = await startAnotherKefu(a, ["--redis-url", redis.url]);
const browser = await launchBrowser();
const { ownerCookie, widgetKey } = await setUpShop(a);
afterAll(async () => {
  await browser.close();
  await b.stop();
  await a.stop();
  redis.stop();
});

describe("a video call across two processes", () => {
  for (const { locale, question, invited, accept, hungUp, line } of [
    { locale: "en-US", question: "Can you show me the red one?", invited: "Mei invites you to a video call", accept: "Accept", hungUp: "The other side hung up.", line: /Video call, 0:\d\d/ },
    { locale: "zh-CN", question: "可以视频看看红色那款吗？", invited: "Mei 邀请您视频通话", accept: "接听", hungUp: "对方已挂断。", line: /视频通话，时长 0:\d\d/ },
  ]) {
    it(`connects an agent on one process with a visitor answering on the other, media flowing both ways (${locale})`, async () => {
      // Who is online is per process until presence is shared: the agent and the visitor each keep
      // a tab on the other process as well, so the chat is assigned on B and the call allowed on A.
      const agentContext = await browser.newContext({ locale, viewport: desktop });
      agentContext.setDefaultTimeout(15_000);
      await openConsole(agentContext, b.url, ownerCookie);
      const agent = await openConsole(agentContext, a.url, ownerCookie);
      const visitorContext = await browser.newContext({ locale, viewport: phone });
      visitorContext.setDefaultTimeout(15_000);
      const onB = await visitorContext.newPage();
      const errors: string[] = [];
      for (const page of [agent, onB]) page.on("pageerror", (error) => errors.push(error.message));
      try {
        await onB.goto(`${b.url}/chat/${widgetKey}`);
        await onB.locator("#composer textarea[name=body]").fill(question);
        await onB.locator("#composer textarea[name=body]").press("Enter");
        await onB.locator("#thread .message.mine:not(.pending)", { hasText: question }).waitFor();
        const onA = await visitorContext.newPage();
        await onA.goto(`${a.url}/chat/${widgetKey}`);
        await onA.locator("#thread .message.mine", { hasText: question }).waitFor();

        await agent.locator("#my-conversations a", { hasText: question }).click();
        await agent.locator(".conversation-header [data-call=video]").click();
        await onB.locator(".kefu-call-invite", { hasText: invited }).waitFor();
        await onA.locator(".kefu-call-invite", { hasText: invited }).waitFor();
        await onB.screenshot({ path: join(shotsDir, `call-processes-invited-${locale}.png`) });
        await onB.locator(".kefu-call-invite button.accept", { hasText: accept }).click();

        await agent.locator(".kefu-call.connected").waitFor();
        await onB.locator(".kefu-call.connected").waitFor();
        await Promise.all([mediaFlowing(agent), mediaFlowing(onB)]);
        await agent.locator(".kefu-call-status", { hasText: /^0:0[1-9]/ }).waitFor();
        await onB.locator(".kefu-call-status", { hasText: /^0:0[1-9]/ }).waitFor();
        // The visitor's tab on A dropped the invitation: the call was answered on B.
        await onA.locator(".kefu-call-invite").waitFor({ state: "detached" });
        await agent.screenshot({ path: join(shotsDir, `call-processes-agent-${locale}.png`) });
        await onB.screenshot({ path: join(shotsDir, `call-processes-visitor-${locale}.png`) });

        await onB.locator(".kefu-call button.hang-up").click();
        await agent.locator(".kefu-call-status", { hasText: hungUp }).waitFor();
        await agent.locator("#thread .message.event", { hasText: line }).waitFor();
        await onB.locator("#thread .message.event", { hasText: line }).waitFor();
        await agent.screenshot({ path: join(shotsDir, `call-processes-ended-agent-${locale}.png`) });
        const lines = queryKefu<{ meta: string }>(a, "SELECT meta FROM messages WHERE body = 'call' AND conversation_id = (SELECT conversation_id FROM messages WHERE body = ?)", question);
        expect(lines).toHaveLength(1);
        expect(JSON.parse(lines[0]!.meta)).toMatchObject({ media: "video", outcome: "ended" });
        expect(errors).toEqual([]);
      } finally {
        await Promise.all([agentContext.close(), visitorContext.close()]);
      }
    });
  }
});
