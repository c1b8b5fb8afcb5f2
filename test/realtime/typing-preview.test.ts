import { describe, expect, it } from "bun:test";
import { businesses } from "../../src/db/schema";
import { chatting, type ListeningApp, listeningApps, signedIn, type TestSocket } from "../support";

const start = listeningApps();


const typingFrames = (socket: TestSocket) => socket.frames.filter((f) => f.startsWith('{"type":"typing"'));
const setPreview = (ctx: ListeningApp, on: boolean) => ctx.db.update(businesses).set({ typingPreview: on }).run();

describe("the typing preview", () => {
  it("is off by default: a draft sent anyway never reaches the agent", async () => {
    const ctx = start();
    const { visitor, agent } = await chatting(ctx);
    visitor.send({ type: "typing", draft: "my card number is 4111" });
    const frame = await agent.next((f) => f.startsWith('{"type":"typing"'));
    expect(JSON.parse(frame)).toEqual({ type: "typing" });
    expect(agent.frames.join("\n")).not.toContain("4111");
  });

  it("shows agents the visitor's draft while the shop has it on", async () => {
    const ctx = start();
    setPreview(ctx, true);
    const { visitor, agent } = await chatting(ctx);
    visitor.send({ type: "typing", draft: "Where is my <b>order</b>" });
    const frame = await agent.next((f) => f.startsWith('{"type":"typing"'));
    expect(JSON.parse(frame)).toEqual({ type: "typing", draft: "Where is my <b>order</b>" });
  });

  it("stops forwarding drafts as soon as the shop turns it off", async () => {
    const ctx = start();
    setPreview(ctx, true);
    const { visitor, agent } = await chatting(ctx);
    visitor.send({ type: "typing", draft: "first" });
    await agent.next((f) => f.includes('"draft":"first"'));
    setPreview(ctx, false);
    visitor.send({ type: "typing", draft: "second" });
    await agent.next(() => typingFrames(agent).length === 2);
    expect(JSON.parse(typingFrames(agent)[1]!)).toEqual({ type: "typing" });
    expect(agent.frames.join("\n")).not.toContain("second");
  });

  it("takes drafts of up to 500 characters and refuses longer ones", async () => {
    const ctx = start();
    setPreview(ctx, true);
    const { visitor, agent } = await chatting(ctx);
    // 500 characters, 1000 UTF-16 units: characters are what count.
    visitor.send({ type: "typing", draft: "😀".repeat(500) });
    expect(JSON.parse(await agent.next((f) => f.startsWith('{"type":"typing"'))).draft).toHaveLength(1000);
    const mark = visitor.frames.length;
    visitor.send({ type: "typing", draft: "a".repeat(501) });
    expect(await visitor.next((f) => f.includes('"type":"error"'), 2000, mark)).toContain("longer than 500 characters");
    await Bun.sleep(100);
    expect(typingFrames(agent)).toHaveLength(1);
  });

  it("never forwards an agent's draft to the visitor", async () => {
    const ctx = start();
    setPreview(ctx, true);
    const { visitor, agent } = await chatting(ctx);
    agent.send({ type: "typing", draft: "internal note" });
    const frame = await visitor.next((f) => f.startsWith('{"type":"typing"'));
    expect(JSON.parse(frame)).toEqual({ type: "typing" });
  });

  it("keeps the typing frame closed: other fields are refused", async () => {
    const ctx = start();
    setPreview(ctx, true);
    const { visitor, agent } = await chatting(ctx);
    visitor.send({ type: "typing", draft: "hi", conversationId: 1 });
    visitor.send({ type: "typing", draft: 42 });
    await visitor.next(() => visitor.frames.filter((f) => f.includes('"type":"error"')).length === 2);
    await Bun.sleep(100);
    expect(typingFrames(agent)).toHaveLength(0);
  });

  it("tells visitors on the chat page, under the composer, only while it is on", async () => {
    const ctx = start();
    const notice = "Agents can see what you type before you send it.";
    const page = async () => (await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}`)).text();
    expect(await page()).not.toContain(notice);
    const { client: owner } = await signedIn(ctx, "owner");
    const saved = await owner.post("/console/settings", { typingPreview: "on" });
    expect(saved.status).toBe(200);
    const shown = await page();
    expect(shown).toContain(`<p id="typing-preview-notice" class="typing-preview-notice">${notice}</p>`);
    expect(shown.indexOf('id="typing-preview-notice"')).toBeGreaterThan(shown.indexOf('id="composer"'));
    const chinese = await (await fetch(`${ctx.base}/chat/${ctx.business.widgetKey}?locale=zh-CN`)).text();
    expect(chinese).toContain("客服可以在您发送之前看到您正在输入的内容。");
    expect((await owner.post("/console/settings", { typingPreview: "off" })).status).toBe(200);
    expect(await page()).not.toContain(notice);
  });

  it("is a setting only managers change", async () => {
    const ctx = start();
    const { client } = await signedIn(ctx, "agent");
    expect((await client.post("/console/settings", { typingPreview: "on" })).status).toBe(403);
    expect(ctx.db.select({ on: businesses.typingPreview }).from(businesses).get()!.on).toBe(false);
  });
});
