import { describe, expect, it } from "bun:test";
import { businesses } from "../../src/db/schema";
import { addFaq } from "../../src/domain/faqs";
import { messageLimits } from "../../src/domain/limits";
import { type ListeningApp, listeningApps, signedIn, TestSocket, visitChat, wsUrl } from "../support";

const start = listeningApps();

async function visitorSocket(ctx: ListeningApp) {
  const cookie = await visitChat(ctx.base, ctx.business.widgetKey);
  const socket = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws`), { cookie, origin: ctx.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return socket;
}

async function agentSocket(ctx: ListeningApp, cookie: string, conversationId?: number) {
  const query = conversationId ? `?conversation=${conversationId}` : "";
  const socket = new TestSocket(wsUrl(ctx, `/ws/agent${query}`), { cookie, origin: ctx.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return socket;
}

const messageCount = (ctx: ListeningApp) => (ctx.sqlite.query("SELECT count(*) AS n FROM messages").get() as { n: number }).n;

describe("picking an FAQ over the visitor socket", () => {
  it("confirms the question to the visitor with the automatic answer, and shows the agent both with the FAQ marker", async () => {
    const ctx = start();
    const { agent, client } = await signedIn(ctx, "agent");
    await agentSocket(ctx, client.cookie!);
    const faq = addFaq(ctx.db, agent, { question: "How long does shipping take?", answer: "3 <b>days</b>." });
    const visitor = await visitorSocket(ctx);
    visitor.send({ type: "send", clientId: crypto.randomUUID(), body: "hello" });
    await visitor.next((f) => f.includes("joined the conversation"));
    const conversation = ctx.sqlite.query("SELECT id FROM conversations").get() as { id: number };
    const agentView = await agentSocket(ctx, client.cookie!, conversation.id);
    await agentView.next((f) => f.includes("hello"));
    const mark = agentView.frames.length;
    const id = crypto.randomUUID();
    visitor.send({ type: "faq", id: faq.id, clientId: id });
    const question = await visitor.next((f) => f.includes(`id="message-${id}"`));
    expect(question).toContain('class="message mine');
    expect(question).toContain("How long does shipping take?");
    expect(question).not.toContain("faq-tag");
    const answer = await visitor.next((f) => f.includes('class="message theirs auto"'));
    expect(answer).toContain("Automatic reply");
    expect(answer).toContain("3 &lt;b&gt;days&lt;/b&gt;.");
    const asked = await agentView.next((f) => f.includes(`id="message-${id}"`), 2000, mark);
    expect(asked).toContain('class="faq-tag"');
    const answered = await agentView.next((f) => f.includes('class="message auto"'), 2000, mark);
    expect(answered).toContain("Automatic reply");
    expect(answered).toContain("3 &lt;b&gt;days&lt;/b&gt;.");
  });

  it("answers an unknown or another shop's question with an error for that pick, and stores nothing", async () => {
    const ctx = start();
    const { agent } = await signedIn(ctx, "owner");
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "s" }).returning().get();
    const theirs = addFaq(ctx.db, { id: agent.id, businessId: other.id }, { question: "Theirs?", answer: "Their secret." });
    const visitor = await visitorSocket(ctx);
    for (const id of [theirs.id, theirs.id + 1000]) {
      const pick = crypto.randomUUID();
      visitor.send({ type: "faq", id, clientId: pick });
      const error = JSON.parse(await visitor.next((f) => f.includes(pick)));
      expect(error).toEqual({ type: "error", clientId: pick, message: "This question is no longer available. Reload the page to see the current list." });
    }
    expect(visitor.frames.join("\n")).not.toContain("Their secret.");
    expect(messageCount(ctx)).toBe(0);
  });

  it("refuses a malformed pick as a frame that is not ours", async () => {
    const ctx = start();
    const visitor = await visitorSocket(ctx);
    visitor.send({ type: "faq", id: 0, clientId: crypto.randomUUID() });
    visitor.send({ type: "faq", id: 1, clientId: crypto.randomUUID(), conversationId: 1 });
    visitor.send({ type: "faq", id: "1", clientId: "x".repeat(65) });
    const deadline = Date.now() + 2000;
    while (visitor.frames.filter((f) => f.includes("unknown frame")).length < 3) {
      if (Date.now() > deadline) throw new Error(`expected three refusals, got:\n${visitor.frames.join("\n")}`);
      await Bun.sleep(10);
    }
    expect(messageCount(ctx)).toBe(0);
  });

  it("counts picks against the same burst limit as typed messages", async () => {
    const ctx = start();
    const { agent } = await signedIn(ctx, "owner");
    const faq = addFaq(ctx.db, agent, { question: "Q?", answer: "A." });
    const visitor = await visitorSocket(ctx);
    const sent = Array.from({ length: messageLimits.visitorBurst }, () => crypto.randomUUID());
    sent.forEach((clientId, i) => visitor.send({ type: "send", clientId, body: `message ${i}` }));
    const pick = crypto.randomUUID();
    visitor.send({ type: "faq", id: faq.id, clientId: pick });
    expect(JSON.parse(await visitor.next((f) => f.includes(pick)))).toMatchObject({ type: "error", message: expect.stringContaining("too fast") });
    // Stored sends are confirmed once their batch committed (group commit): all of the burst, and no more.
    for (const clientId of sent) await visitor.next((f) => f.includes(clientId), 2000, 0);
    expect(messageCount(ctx)).toBe(messageLimits.visitorBurst);
  });
});
