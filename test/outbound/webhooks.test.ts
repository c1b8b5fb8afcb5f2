import { afterEach, describe, expect, it } from "bun:test";
import { createHmac } from "node:crypto";
import { eq } from "drizzle-orm";
import { businesses, deliveries, webhookEndpoints } from "../../src/db/schema";
import { sendVisitorMessage } from "../../src/domain/messages";
import { openChat, signedIn, testApp } from "../support";

interface Received {
  headers: Headers;
  body: string;
}

/** A real HTTP receiver on 127.0.0.1 answering each call with the next status given (then 200). */
function receiver(statuses: number[] = []) {
  const calls: Received[] = [];
  const waiters: (() => void)[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      calls.push({ headers: request.headers, body: await request.text() });
      for (const wake of waiters.splice(0)) wake();
      const status = statuses.shift() ?? 200;
      return new Response(status === 200 ? "thanks" : "receiver broke", { status });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/hook`,
    calls,
    async waitFor(count: number, ms = 3000): Promise<Received[]> {
      const deadline = Date.now() + ms;
      while (calls.length < count) {
        if (Date.now() > deadline) throw new Error(`receiver got ${calls.length} calls, expected ${count}`);
        await Promise.race([new Promise<void>((resolve) => waiters.push(resolve)), Bun.sleep(50)]);
      }
      return calls;
    },
    stop: () => server.stop(true),
  };
}

const receivers: ReturnType<typeof receiver>[] = [];
afterEach(() => {
  for (const r of receivers.splice(0)) r.stop();
});

async function setup(statuses: number[] = []) {
  const ctx = testApp();
  const { client, agent } = await signedIn(ctx, "owner");
  const hook = receiver(statuses);
  receivers.push(hook);
  const add = (form: Record<string, string>) => client.post("/console/integrations", { url: hook.url, events: "message.created", enabled: "on", ...form });
  return { ...ctx, client, agent, hook, add };
}

/** Settles what the app does after the current turn (the deliveries written, the runner's round). */
async function deliveriesWritten(ctx: ReturnType<typeof testApp>) {
  await Bun.sleep(0);
  return ctx.db.select().from(deliveries).all();
}

function verified(secret: string, call: Received): boolean {
  const [, t, v1] = call.headers.get("kefu-signature")!.match(/^t=(\d+),v1=([0-9a-f]{64})$/)!;
  return createHmac("sha256", secret).update(`${t}.${call.body}`).digest("hex") === v1 && Math.abs(Date.now() / 1000 - Number(t)) < 60;
}

describe("webhook endpoints", () => {
  it("refuse a private address unless the owner allows private addresses, and an http URL without it", async () => {
    const ctx = await setup();
    const refused = await ctx.add({});
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("must start with https://");
    const local = await ctx.add({ url: "https://127.0.0.1/hook" });
    expect(local.status).toBe(422);
    expect(await local.text()).toContain("private or local address");
    const noEvents = await ctx.client.post("/console/integrations", { url: "https://hooks.example.com/x" });
    expect(noEvents.status).toBe(422);
    expect(await noEvents.text()).toContain("Choose at least one event");
    expect(ctx.db.select().from(webhookEndpoints).all()).toHaveLength(0);
    expect((await ctx.add({ allowPrivate: "on" })).status).toBe(303);
    expect(ctx.db.select().from(webhookEndpoints).all()).toMatchObject([{ url: ctx.hook.url, events: ["message.created"], allowPrivate: true }]);
  });

  it("are for owners and admins only", async () => {
    const ctx = testApp();
    const { client } = await signedIn(ctx, "agent");
    expect((await client.get("/console/integrations")).status).toBe(403);
    expect((await client.post("/console/integrations", { url: "https://hooks.example.com/x", events: "message.created" })).status).toBe(403);
  });

  it("send a visitor's message signed to a real receiver, and try again after it answers 500", async () => {
    const ctx = await setup([500]);
    await ctx.add({ allowPrivate: "on" });
    const endpoint = ctx.db.select().from(webhookEndpoints).get()!;
    const { visitor } = await openChat(ctx);
    sendVisitorMessage(ctx.db, ctx.app.hub, visitor, { clientId: `client-${crypto.randomUUID()}`, body: "Is the blue one in stock?" }, []);
    const [first] = await ctx.hook.waitFor(1);
    expect(verified(endpoint.secret, first!)).toBe(true);
    const body = JSON.parse(first!.body);
    expect(body).toMatchObject({ event: "message.created", business: { id: ctx.business.id }, data: { message: { body: "Is the blue one in stock?", sender: "visitor" } } });
    expect(body.id).toMatch(/^evt_/);
    expect(first!.headers.get("kefu-event")).toBe("message.created");
    await Bun.sleep(20);
    const failed = ctx.db.select().from(deliveries).get()!;
    expect(failed).toMatchObject({ status: "pending", attempts: 1, lastCode: 500, lastResponse: "receiver broke" });
    // Its 5 s pause over:
    ctx.db.update(deliveries).set({ nextAttemptAt: 0 }).run();
    ctx.app.outbound.runner.wake();
    const [, second] = await ctx.hook.waitFor(2);
    expect(second!.body).toBe(first!.body);
    expect(verified(endpoint.secret, second!)).toBe(true);
    await Bun.sleep(20);
    expect(ctx.db.select().from(deliveries).get()).toMatchObject({ status: "delivered", attempts: 2, lastCode: 200, lastResponse: "thanks" });
    const log = await (await ctx.client.get(`/console/integrations/${endpoint.id}/deliveries`)).text();
    expect(log).toContain("message.created");
    expect(log).toContain("Delivered");
  });

  it("write nothing when no endpoint wants the event", async () => {
    const ctx = await setup();
    await ctx.add({ allowPrivate: "on", events: "conversation.closed" });
    const { visitor } = await openChat(ctx);
    sendVisitorMessage(ctx.db, ctx.app.hub, visitor, { clientId: `client-${crypto.randomUUID()}`, body: "hello" }, []);
    expect(await deliveriesWritten(ctx)).toHaveLength(0);
  });

  it("refuse to call a host that now resolves to a private address, and say so in the log", async () => {
    const ctx = await setup();
    await ctx.add({ allowPrivate: "on" });
    // As if its name had been pointed at the LAN after it was saved: checked again at each call.
    ctx.db.update(webhookEndpoints).set({ allowPrivate: false }).run();
    const { visitor } = await openChat(ctx);
    sendVisitorMessage(ctx.db, ctx.app.hub, visitor, { clientId: `client-${crypto.randomUUID()}`, body: "hello" }, []);
    await Bun.sleep(100);
    expect(ctx.hook.calls).toHaveLength(0);
    expect(ctx.db.select().from(deliveries).get()).toMatchObject({ status: "pending", attempts: 1, lastCode: null });
    expect(ctx.db.select().from(deliveries).get()!.lastResponse).toContain("refused: 127.0.0.1");
  });

  it("send a test on request, and show it in the endpoint's log", async () => {
    const ctx = await setup();
    await ctx.add({ allowPrivate: "on" });
    const endpoint = ctx.db.select().from(webhookEndpoints).get()!;
    const response = await ctx.client.post(`/console/integrations/${endpoint.id}/test`, {}, { "hx-request": "true" });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("webhook.test");
    const [call] = await ctx.hook.waitFor(1);
    expect(JSON.parse(call!.body).event).toBe("webhook.test");
  });

  it("of another shop are not found", async () => {
    const ctx = await setup();
    await ctx.add({ allowPrivate: "on" });
    const endpoint = ctx.db.select().from(webhookEndpoints).get()!;
    const other = ctx.db.insert(businesses).values({ name: "Other", widgetKey: "other-key", identitySecret: "x" }).returning().get();
    ctx.db.update(webhookEndpoints).set({ businessId: other.id }).where(eq(webhookEndpoints.id, endpoint.id)).run();
    expect((await ctx.client.post(`/console/integrations/${endpoint.id}/test`)).status).toBe(404);
    expect((await ctx.client.post(`/console/integrations/${endpoint.id}/delete`)).status).toBe(404);
    expect(await (await ctx.client.get("/console/integrations")).text()).not.toContain(ctx.hook.url);
  });
});
