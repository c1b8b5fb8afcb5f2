import { afterEach, describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { deliveries, pushSubscriptions, sessions } from "../../src/db/schema";
import { sendVisitorMessage } from "../../src/domain/messages";
import { vapidKeyPair } from "../../src/domain/push-subscriptions";
import { browserKeys, startPushService } from "../push-service";
import { addMember, Client, openChat, signedIn, testApp } from "../support";

const services: ReturnType<typeof startPushService>[] = [];
afterEach(() => {
  for (const service of services.splice(0)) service.stop();
});

async function setup(options: { pushToPrivateAddresses?: boolean } = { pushToPrivateAddresses: true }) {
  const ctx = testApp({ config: { publicUrl: null, trustProxy: false, ...options } });
  const { client, agent } = await signedIn(ctx, "agent");
  const browser = browserKeys();
  const service = startPushService(browser, () => vapidKeyPair(ctx.db).publicKey);
  services.push(service);
  const subscribe = (body: unknown) =>
    client.request("/console/push/devices", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { ...ctx, client, agent, browser, service, subscribe };
}

const visitorWrites = (ctx: Awaited<ReturnType<typeof setup>>, visitor: Awaited<ReturnType<typeof openChat>>["visitor"], body: string) =>
  sendVisitorMessage(ctx.db, ctx.app.hub, visitor, { clientId: `client-${crypto.randomUUID()}`, body }, []);

describe("a device for push notifications", () => {
  it("is refused with a reason when its address is not a public https URL or its keys are not a browser's, and nothing is kept", async () => {
    const ctx = await setup({});
    const good = { endpoint: "https://push.example.com/send/1", keys: ctx.browser.json };
    const cases: [unknown, string][] = [
      [{ ...good, endpoint: "http://push.example.com/send/1" }, "public https URL"],
      [{ ...good, endpoint: ctx.service.endpoint().replace("http:", "https:") }, "public https URL"],
      [{ ...good, endpoint: "not a url" }, "public https URL"],
      [{ ...good, keys: { ...good.keys, p256dh: Buffer.alloc(65, 4).toString("base64url") } }, "push keys are not valid"],
      [{ ...good, keys: { ...good.keys, auth: "c2hvcnQ" } }, "push keys are not valid"],
    ];
    for (const [body, reason] of cases) {
      const response = await ctx.subscribe(body);
      expect(response.status).toBe(422);
      expect(await response.text()).toContain(reason);
    }
    expect((await ctx.subscribe({ endpoint: "https://push.example.com/x", keys: { p256dh: "x".repeat(500), auth: "y" } })).status).toBe(400);
    expect(ctx.db.select().from(pushSubscriptions).all()).toHaveLength(0);
    expect((await ctx.subscribe(good)).status).toBe(201);
    expect(ctx.db.select().from(pushSubscriptions).all()).toMatchObject([{ agentId: ctx.agent.id, endpoint: good.endpoint, p256dh: good.keys.p256dh }]);
  });

  it("is only ever the signed-in agent's, and forgotten when they turn it off", async () => {
    const ctx = await setup();
    const body = JSON.stringify({ endpoint: ctx.service.endpoint(), keys: ctx.browser.json });
    const anonymous = await new Client(ctx.app).request("/console/push/devices", { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(anonymous.status).toBe(303);
    expect(ctx.db.select().from(pushSubscriptions).all()).toHaveLength(0);
    expect((await ctx.subscribe({ endpoint: ctx.service.endpoint(), keys: ctx.browser.json })).status).toBe(201);
    const forget = (endpoint: string) =>
      ctx.client.request("/console/push/devices", { method: "DELETE", headers: { "content-type": "application/json" }, body: JSON.stringify({ endpoint }) });
    expect((await forget("https://push.example.com/someone-else")).status).toBe(404);
    expect((await forget(ctx.service.endpoint())).status).toBe(204);
    expect(ctx.db.select().from(pushSubscriptions).all()).toHaveLength(0);
  });

  it("is forgotten when the agent signs out in that browser, which may be a shared one, and kept again at their next sign-in", async () => {
    const ctx = await setup();
    const device = { endpoint: ctx.service.endpoint(), keys: ctx.browser.json };
    expect((await ctx.subscribe(device)).status).toBe(201);
    expect(ctx.app.outbound.devices.agentsOf(ctx.business.id)?.has(ctx.agent.id)).toBe(true);
    expect((await ctx.client.post("/logout")).status).toBe(303);
    expect(ctx.db.select().from(pushSubscriptions).all()).toHaveLength(0);
    // Nobody of the shop has a device now: a visitor's message costs the send path one Map lookup again.
    expect(ctx.app.outbound.devices.agentsOf(ctx.business.id)).toBeUndefined();
    const { visitor } = await openChat(ctx);
    visitorWrites(ctx, visitor, "hello");
    await Bun.sleep(100);
    expect(ctx.service.received).toHaveLength(0);
    // The console sends the subscription the browser still holds at the next sign-in.
    expect((await ctx.client.post("/login", { email: "agent@example.com", password: "correct horse" })).status).toBe(303);
    expect((await ctx.subscribe(device)).status).toBe(201);
    expect(ctx.db.select().from(pushSubscriptions).all()).toHaveLength(1);
  });
});

describe("a push notification", () => {
  it("tells an agent with no console open of a visitor's message: signed by the server, readable by their browser only", async () => {
    const ctx = await setup();
    await ctx.subscribe({ endpoint: ctx.service.endpoint(), expirationTime: null, keys: ctx.browser.json });
    const { visitor } = await openChat(ctx);
    const long = `Is the blue one in stock? ${"x".repeat(200)}`;
    const sent = visitorWrites(ctx, visitor, long);
    const [push] = await ctx.service.waitFor(1);
    expect(push!.signedByServer).toBe(true);
    expect(push!.claims.aud).toBe(ctx.service.origin);
    expect(push!.headers.get("content-encoding")).toBe("aes128gcm");
    expect(Number(push!.headers.get("ttl"))).toBeGreaterThan(0);
    expect(push!.notification).toEqual({
      title: ctx.business.name,
      body: `Visitor #${visitor.id}: ${long.slice(0, 100)}`,
      url: `/console/conversations/${sent.conversation.id}`,
      tag: `conversation-${sent.conversation.id}`,
    });
    await Bun.sleep(20);
    expect(ctx.db.select().from(deliveries).all()).toMatchObject([{ channel: "push", status: "delivered", lastCode: 201 }]);
  });

  it("says only \u201cNew message\u201d where the shop keeps the visitor's words off phones' lock screens", async () => {
    const ctx = await setup();
    await ctx.subscribe({ endpoint: ctx.service.endpoint(), keys: ctx.browser.json });
    const { client: owner } = await signedIn(ctx, "owner");
    expect((await owner.post("/console/settings", { pushPreviews: "off" })).status).toBe(200);
    const { visitor } = await openChat(ctx);
    visitorWrites(ctx, visitor, "My address is 12 Long Road");
    const [push] = await ctx.service.waitFor(1);
    expect(push!.notification.body).toBe("New message");
    expect(JSON.stringify(push!.notification)).not.toContain("Long Road");
  });

  it("comes once a minute per conversation however many messages the visitor sends", async () => {
    const ctx = await setup();
    await ctx.subscribe({ endpoint: ctx.service.endpoint(), keys: ctx.browser.json });
    const { visitor } = await openChat(ctx);
    visitorWrites(ctx, visitor, "hello");
    visitorWrites(ctx, visitor, "anyone there?");
    await ctx.service.waitFor(1);
    visitorWrites(ctx, visitor, "hello??");
    await Bun.sleep(100);
    expect(ctx.service.received).toHaveLength(1);
  });

  it("about a waiting conversation goes only to those who may take it", async () => {
    const ctx = await setup();
    await ctx.subscribe({ endpoint: ctx.service.endpoint(), keys: ctx.browser.json });
    const colleague = await addMember(ctx, "agent", "colleague@example.com");
    const { visitor } = await openChat(ctx);
    // The visitor came by the colleague's own link: the conversation waits for them alone.
    sendVisitorMessage(ctx.db, ctx.app.hub, visitor, { clientId: `client-${crypto.randomUUID()}`, body: "hello" }, [], { groupId: null, requestedAgentId: colleague.id });
    await Bun.sleep(100);
    expect(ctx.service.received).toHaveLength(0);
    expect(ctx.db.select().from(deliveries).all()).toHaveLength(0);
  });

  it("is not sent while the agent has a console open", async () => {
    const ctx = await setup();
    await ctx.subscribe({ endpoint: ctx.service.endpoint(), keys: ctx.browser.json });
    ctx.app.hub.agents.connected(ctx.agent.id);
    const { visitor } = await openChat(ctx);
    visitorWrites(ctx, visitor, "hello");
    await Bun.sleep(100);
    expect(ctx.service.received).toHaveLength(0);
    expect(ctx.db.select().from(deliveries).all()).toHaveLength(0);
  });

  it("to a device its push service no longer knows (410) forgets the device and is not tried again", async () => {
    const ctx = await setup();
    ctx.service.statuses.set("/push/gone", 410);
    await ctx.subscribe({ endpoint: ctx.service.endpoint("/push/gone"), keys: ctx.browser.json });
    const { visitor } = await openChat(ctx);
    visitorWrites(ctx, visitor, "hello");
    await ctx.service.waitFor(1);
    await Bun.sleep(50);
    expect(ctx.db.select().from(pushSubscriptions).all()).toHaveLength(0);
    expect(ctx.app.outbound.devices.agentsOf(ctx.business.id)).toBeUndefined();
    expect(ctx.db.select().from(deliveries).all()).toMatchObject([{ channel: "push", status: "failed", attempts: 1, lastCode: 410 }]);
  });

  it("is refused at a private address unless the server allows them", async () => {
    const ctx = await setup({});
    // Stored as it was when the address was public; checked again at the call.
    const session = ctx.db.select().from(sessions).where(eq(sessions.agentId, ctx.agent.id)).get()!;
    ctx.db.insert(pushSubscriptions).values({ businessId: ctx.business.id, agentId: ctx.agent.id, sessionId: session.id, endpoint: ctx.service.endpoint(), ...ctx.browser.json }).run();
    ctx.app.outbound.devices.reload(ctx.agent.id);
    const { visitor } = await openChat(ctx);
    visitorWrites(ctx, visitor, "hello");
    await Bun.sleep(100);
    expect(ctx.service.received).toHaveLength(0);
    expect(ctx.db.select().from(deliveries).all()).toMatchObject([{ channel: "push", status: "failed", lastResponse: expect.stringContaining("private address") }]);
  });
});
