// The console's lists catch up when its socket starts listening: a conversation that came between
// the page's rendering and its socket's `resume`, or while the socket was away, is in the lists
// sent again whole; lists that missed nothing are not sent again.
import { afterEach, describe, expect, it } from "bun:test";
import { type ListeningApp, listeningApp, signedIn, TestSocket, visitChat, wsUrl } from "../support";

let running: ListeningApp[] = [];
afterEach(() => {
  for (const ctx of running) ctx.stop();
  running = [];
});

async function open(ctx: ListeningApp, path: string, cookie: string): Promise<TestSocket> {
  const socket = new TestSocket(wsUrl(ctx, path), { origin: ctx.base, cookie });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return socket;
}

const listsVersionOf = (page: string) => Number(/data-lists-version="(\d+)"/.exec(page)?.[1]);
const refreshOfMine = (frame: string) => frame.includes('hx-target="#my-conversations" hx-swap="innerHTML"');

describe("the console's lists when its socket starts listening", () => {
  it("come again whole with a conversation that started after the page was rendered", async () => {
    const ctx = listeningApp();
    running.push(ctx);
    const { client } = await signedIn(ctx, "agent");
    // Another console of the agent's is open, so the new conversation is theirs at once.
    await open(ctx, "/ws/agent", client.cookie!);
    const version = listsVersionOf(await (await client.get("/console")).text());
    expect(version).toBeGreaterThan(0);

    const visitor = await open(ctx, `/chat/${ctx.business.widgetKey}/ws`, await visitChat(ctx.base, ctx.business.widgetKey));
    visitor.send({ type: "send", clientId: crypto.randomUUID(), body: "came while the page loaded" });
    await visitor.next((frame) => frame.includes("came while the page loaded") && frame.includes("message mine"));

    const page = await open(ctx, "/ws/agent", client.cookie!);
    page.send({ type: "lists", version });
    const refresh = await page.next(refreshOfMine);
    expect(refresh).toContain("came while the page loaded");
    expect(refresh).toContain('hx-target="#waiting-conversations" hx-swap="innerHTML"');
  });

  it("are not sent again when nothing changed since the page's version, and are after a reconnect (version 0)", async () => {
    const ctx = listeningApp();
    running.push(ctx);
    const { client } = await signedIn(ctx, "agent");
    const version = listsVersionOf(await (await client.get("/console")).text());

    const page = await open(ctx, "/ws/agent", client.cookie!);
    page.send({ type: "lists", version });
    // A frame the socket answers at once: anything sent before it has arrived by then.
    page.send({ type: "nonsense" });
    await page.next((frame) => frame.includes('"type":"error"'));
    expect(page.frames.filter(refreshOfMine)).toEqual([]);

    page.send({ type: "lists", version: 0 });
    expect(await page.next(refreshOfMine)).toContain("<hx-partial");
  });
});
