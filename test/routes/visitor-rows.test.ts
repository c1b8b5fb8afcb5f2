// A visitor is stored when their page first connects or writes, never because the chat page was
// fetched: a script that fetched it without a cookie made 31,000 visitors a minute. New visitors
// and their messages are also held per address, so rotating cookies buys no rows and no flood.
import { describe, expect, it } from "bun:test";
import { RateLimiter } from "../../src/domain/rate-limiter";
import { Client, listeningApps, openChat, TestSocket, testApp, wsUrl } from "../support";

const visitorCount = (ctx: ReturnType<typeof testApp>) => (ctx.sqlite.query("SELECT count(*) AS n FROM visitors").get() as { n: number }).n;
const start = listeningApps();

describe("a visitor's row", () => {
  it("is not made by fetching the chat page, however often, but by the page's first report", async () => {
    const ctx = testApp();
    for (let i = 0; i < 50; i++) expect((await new Client(ctx.app).get(`/chat/${ctx.business.widgetKey}`)).status).toBe(200);
    expect(visitorCount(ctx)).toBe(0);
    const { visitor } = await openChat(ctx);
    expect(visitorCount(ctx)).toBe(1);
    expect(visitor.businessId).toBe(ctx.business.id);
  });

  it("is made when the page's socket connects, for the token the page gave the browser", async () => {
    const ctx = start();
    const browser = new Client(ctx.app);
    await browser.get(`/chat/${ctx.business.widgetKey}`);
    expect(visitorCount(ctx)).toBe(0);
    const socket = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws`), { cookie: browser.cookie!, origin: ctx.base });
    await socket.opened;
    socket.send({ type: "resume", after: 0 });
    socket.send({ type: "send", clientId: crypto.randomUUID(), body: "hello" });
    await socket.next((frame) => frame.includes("hello"));
    expect(visitorCount(ctx)).toBe(1);
  });

  it("is never made for a token Kefu did not sign for this shop", async () => {
    const ctx = testApp();
    const forged = new Client(ctx.app);
    forged.cookie = "kefu_visitor=made-up-token";
    const response = await forged.request(`/chat/${ctx.business.widgetKey}/context`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ language: "en" }),
    });
    expect(response.status).toBe(404);
    expect(visitorCount(ctx)).toBe(0);
  });

  it("is made for at most so many new visitors a minute from one address", async () => {
    const ctx = testApp({ newVisitors: new RateLimiter(3, 60_000) });
    for (let i = 0; i < 3; i++) await openChat(ctx);
    await expect(openChat(ctx)).rejects.toThrow("the page's report answered 404");
    expect(visitorCount(ctx)).toBe(3);
  });
});

describe("messages from one address", () => {
  it("are held to one allowance across the visitors of that address, whatever their cookies", async () => {
    const ctx = start();
    let refused = 0;
    for (let v = 0; v < 4; v++) {
      const browser = new Client(ctx.app);
      await browser.get(`/chat/${ctx.business.widgetKey}`);
      const socket = new TestSocket(wsUrl(ctx, `/chat/${ctx.business.widgetKey}/ws`), { cookie: browser.cookie!, origin: ctx.base });
      await socket.opened;
      socket.send({ type: "resume", after: 0 });
      for (let i = 0; i < 20; i++) socket.send({ type: "send", clientId: crypto.randomUUID(), body: `m${v}-${i}` });
      await Bun.sleep(300); // each send answered: its message, or the refusal naming it
      refused += socket.frames.filter((frame) => frame.includes("You are sending messages too fast.")).length;
    }
    const stored = (ctx.sqlite.query("SELECT count(*) AS n FROM messages WHERE sender = 'visitor'").get() as { n: number }).n;
    expect(stored).toBe(60);
    expect(refused).toBe(20);
  });
});
