// One hostile page against everyone else: a visitor or an agent socket that floods one kind of
// frame is held to its allowance (realtime/frame-budget.ts) and closed with 4429 when it goes far
// past it, while an honest visitor and agent keep chatting with a quick round trip.
import { describe, expect, it } from "bun:test";
import { join } from "node:path";
import { chatting, type ListeningApp, listeningApps, TestSocket, visitChat, wsUrl } from "../support";

const start = listeningApps();

async function visitorCookie(ctx: ListeningApp): Promise<string> {
  return visitChat(ctx.base, ctx.business.widgetKey);
}

/** Milliseconds from the honest visitor's send to the agent's thread showing it. */
async function roundTrip(honest: Awaited<ReturnType<typeof chatting>>): Promise<number> {
  const clientId = crypto.randomUUID();
  const from = honest.agent.frames.length;
  const sentAt = performance.now();
  honest.visitor.send({ type: "send", clientId, body: "still there?" });
  await honest.agent.next((frame) => frame.includes(`message-${clientId}`), 5000, from);
  return performance.now() - sentAt;
}

const worker = join(import.meta.dir, "../fixtures/flood-worker.ts");

/**
 * A flood from another process (fixtures/flood-worker.ts): `frames` over and over, up to `count`,
 * while this process measures honest round trips every 20 ms. Returns the close code, what the
 * attacker received, and the slowest round trip.
 */
async function underFlood(ctx: ListeningApp, honest: Awaited<ReturnType<typeof chatting>>, path: string, cookie: string, frames: unknown[], count: number) {
  const attacker = Bun.spawn([process.execPath, worker, wsUrl(ctx, path), JSON.stringify({ cookie, origin: ctx.base }), JSON.stringify(frames), String(count)], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const outcome = new Response(attacker.stdout).text();
  let slowest = 0;
  let done = false;
  void attacker.exited.then(() => (done = true));
  while (!done) {
    slowest = Math.max(slowest, await roundTrip(honest));
    await Bun.sleep(20);
  }
  const { code, received } = JSON.parse(await outcome) as { code: number | null; received: string };
  return { code, received, slowest };
}

const messageCount = (ctx: ListeningApp, body: string) =>
  (ctx.sqlite.query("SELECT count(*) AS n FROM messages WHERE body = ?").get(body) as { n: number }).n;

describe("a visitor socket that floods", () => {
  it("with resume frames is closed with 4429 after a few replays, and the honest round trip stays under 200 ms", async () => {
    const ctx = start();
    const honest = await chatting(ctx);
    const cookie = await visitorCookie(ctx);
    const setup = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws`), { cookie, origin: ctx.base });
    await setup.opened;
    setup.send({ type: "resume", after: 0 });
    setup.send({ type: "send", clientId: crypto.randomUUID(), body: "something to replay" });
    await setup.next((frame) => frame.includes("something to replay"));
    setup.close();
    const flood = await underFlood(ctx, honest, `/chat/${ctx.business.widgetKey}/ws`, cookie, [{ type: "resume", after: 0 }], 10_000);
    expect(flood.code).toBe(4429);
    expect(flood.slowest).toBeLessThan(200);
    // Its allowance of replays was rendered for it, and no more.
    expect(flood.received.split("\n").filter((frame) => frame.includes("something to replay")).length).toBeLessThanOrEqual(3);
  });

  for (const [type, frame] of [
    ["read", { type: "read", upTo: 1 }],
    ["typing", { type: "typing" }],
    ["end", { type: "end" }],
    ["faq", { type: "faq", id: 1, clientId: "x" }],
    ["not-ours", { type: "anything" }],
  ] as const) {
    it(`with ${type} frames is closed with 4429, and the honest round trip stays under 200 ms`, async () => {
      const ctx = start();
      const honest = await chatting(ctx);
      const flood = await underFlood(ctx, honest, `/chat/${ctx.business.widgetKey}/ws`, await visitorCookie(ctx), [frame], 50_000);
      expect(flood.code).toBe(4429);
      expect(flood.slowest).toBeLessThan(200);
    });
  }

  it("with send frames stores only its allowance, says 'slow down' for the next ones, and is closed with 4429", async () => {
    const ctx = start();
    const honest = await chatting(ctx);
    const flood = await underFlood(ctx, honest, `/chat/${ctx.business.widgetKey}/ws`, await visitorCookie(ctx), [{ type: "send", clientId: "x", body: "spam" }], 10_000);
    expect(flood.code).toBe(4429);
    expect(flood.slowest).toBeLessThan(200);
    expect(messageCount(ctx, "spam")).toBeLessThanOrEqual(20);
    expect(flood.received).toContain("You are sending messages too fast.");
  });
});

describe("an agent socket that floods", () => {
  it("with 15 KB messages stores only the agent's allowance and is closed with 4429; the honest round trip stays under 200 ms", async () => {
    const ctx = start();
    const honest = await chatting(ctx);
    const body = "消".repeat(5000);
    const path = `/ws/agent?conversation=${honest.conversationId}`;
    const flood = await underFlood(ctx, honest, path, honest.client.cookie!, [{ type: "send", clientId: "x", body }], 5_000);
    expect(flood.code).toBe(4429);
    expect(flood.slowest).toBeLessThan(200);
    expect(messageCount(ctx, body)).toBeLessThanOrEqual(20);
  });

  for (const frame of [{ type: "resume", after: 0 }, { type: "read", upTo: 1 }, { type: "typing" }]) {
    it(`with ${frame.type} frames is closed with 4429 before its session is read again for each`, async () => {
      const ctx = start();
      const honest = await chatting(ctx);
      const flood = await underFlood(ctx, honest, `/ws/agent?conversation=${honest.conversationId}`, honest.client.cookie!, [frame], 20_000);
      expect(flood.code).toBe(4429);
      expect(flood.slowest).toBeLessThan(200);
    });
  }
});
