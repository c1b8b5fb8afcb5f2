import { afterEach, describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { auditLog, deliveries, webhookEndpoints } from "../../../src/db/schema";
import { enqueueDeliveries } from "../../../src/domain/deliveries";
import { type Ctx, errorOf, openConversation, otherShop, setup } from "./support";

const hookUrl = "https://hooks.example.com/kefu";
const created = (ctx: Awaited<ReturnType<typeof setup>>, json: unknown) => ctx.api("/webhooks", { method: "POST", json });
const endpointRows = (ctx: Ctx) => ctx.db.select().from(webhookEndpoints).all();

const servers: ReturnType<typeof Bun.serve>[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.stop(true);
});

describe("webhook endpoints through the API", () => {
  it("are added, listed, read, changed and deleted by an owner's token, each change audited", async () => {
    const ctx = await setup(undefined, "owner");
    const response = await created(ctx, { url: hookUrl, events: ["message.created", "conversation.closed"] });
    expect(response.status).toBe(201);
    const endpoint = await response.json();
    expect(endpoint).toMatchObject({ url: hookUrl, events: ["conversation.closed", "message.created"], enabled: true, allowPrivate: false });
    expect(endpoint.secret).toMatch(/^whsec_/);
    expect(endpoint.secret).toBe(endpointRows(ctx)[0]!.secret);

    expect(await (await ctx.api("/webhooks")).json()).toEqual({ webhooks: [endpoint] });
    expect(await (await ctx.api(`/webhooks/${endpoint.id}`)).json()).toEqual(endpoint);

    // Only what is given changes.
    const changed = await ctx.api(`/webhooks/${endpoint.id}`, { method: "PATCH", json: { enabled: false } });
    expect(changed.status).toBe(200);
    expect(await changed.json()).toEqual({ ...endpoint, enabled: false });
    const moved = await (await ctx.api(`/webhooks/${endpoint.id}`, { method: "PATCH", json: { url: "https://crm.example.com/in", events: ["rating.given"] } })).json();
    expect(moved).toMatchObject({ url: "https://crm.example.com/in", events: ["rating.given"], enabled: false });

    const deleted = await ctx.api(`/webhooks/${endpoint.id}`, { method: "DELETE" });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ id: endpoint.id, deleted: true });
    expect(endpointRows(ctx)).toEqual([]);
    expect((await ctx.api(`/webhooks/${endpoint.id}`)).status).toBe(404);
    const audited = ctx.db.select().from(auditLog).where(eq(auditLog.agentId, ctx.agent.id)).all();
    expect(audited.map((entry) => entry.action)).toEqual(["webhook.add", "webhook.update", "webhook.update", "webhook.delete"]);
  });

  it("start and stop the events at once: the subscriptions follow each change", async () => {
    const ctx = await setup(undefined, "admin");
    const endpoint = await (await created(ctx, { url: hookUrl, events: ["message.created"], enabled: false })).json();
    openConversation(ctx, null, ctx.business.id, "while it is off");
    await Bun.sleep(0);
    expect(ctx.db.select().from(deliveries).all()).toEqual([]);
    await ctx.api(`/webhooks/${endpoint.id}`, { method: "PATCH", json: { enabled: true } });
    openConversation(ctx, null, ctx.business.id, "now it is on");
    await Bun.sleep(0);
    const queued = ctx.db.select().from(deliveries).all();
    expect(queued.map((delivery) => [delivery.endpointId, delivery.event])).toEqual([[endpoint.id, "message.created"]]);
    expect(queued[0]!.payload).toContain("now it is on");
  });

  it("refuse a URL that is not https, a private address, no events or an unknown one, changing nothing", async () => {
    const ctx = await setup(undefined, "owner");
    const plain = await created(ctx, { url: "http://hooks.example.com/kefu", events: ["message.created"] });
    expect(plain.status).toBe(422);
    expect(await plain.json()).toEqual({ error: "The URL must start with https:// (http is allowed only with private addresses).", field: "url" });
    const local = await created(ctx, { url: "https://10.0.0.7/kefu", events: ["message.created"] });
    expect(local.status).toBe(422);
    expect(await errorOf(local)).toContain("private or local address");
    const garbled = await created(ctx, { url: "not a url", events: ["message.created"] });
    expect(garbled.status).toBe(422);
    const none = await created(ctx, { url: hookUrl, events: [] });
    expect(none.status).toBe(422);
    expect(await none.json()).toEqual({ error: "Choose at least one event.", field: "events" });
    const unknown = await created(ctx, { url: hookUrl, events: ["message.deleted"] });
    expect(unknown.status).toBe(400);
    expect(await errorOf(unknown)).toContain("each event must be one of conversation.started");
    expect((await created(ctx, { url: hookUrl })).status).toBe(400);
    expect(endpointRows(ctx)).toEqual([]);

    // A receiver on the owner's network, allowed; then allowing it no more is refused, not half done.
    const lan = await (await created(ctx, { url: "http://192.168.1.20/kefu", events: ["message.created"], allowPrivate: true })).json();
    expect(lan).toMatchObject({ url: "http://192.168.1.20/kefu", allowPrivate: true });
    const refused = await ctx.api(`/webhooks/${lan.id}`, { method: "PATCH", json: { allowPrivate: false, events: ["rating.given"] } });
    expect(refused.status).toBe(422);
    expect(endpointRows(ctx)).toMatchObject([{ allowPrivate: true, events: ["message.created"] }]);
  });

  it("are refused to an agent's token with 403 saying who may, whatever it sends", async () => {
    const ctx = await setup(undefined, "agent");
    const listed = await ctx.api("/webhooks");
    expect(listed.status).toBe(403);
    expect(await errorOf(listed)).toBe("Only owners and admins manage webhooks, as in Settings → Integrations: use a token of an owner or admin.");
    // Even a body that would be refused as bad: the agent learns nothing of the endpoints.
    expect((await created(ctx, { url: hookUrl, events: ["message.created"] })).status).toBe(403);
    expect((await created(ctx, { url: 42 })).status).toBe(403);
    const zh = await ctx.api("/webhooks", { headers: { "accept-language": "zh-CN" } });
    expect(await errorOf(zh)).toContain("只有店主和管理员");
    expect(endpointRows(ctx)).toEqual([]);
  });

  it("show a read-only token the endpoints without their secret, and refuse it changes", async () => {
    const ctx = await setup(undefined, "owner", { scope: "read" });
    const owner = await setup(ctx, "admin");
    const endpoint = await (await created(owner, { url: hookUrl, events: ["message.created"] })).json();
    const { webhooks } = await (await ctx.api("/webhooks")).json();
    expect(webhooks).toEqual([{ ...endpoint, secret: null }]);
    expect((await (await ctx.api(`/webhooks/${endpoint.id}`)).json()).secret).toBeNull();
    expect((await ctx.api(`/webhooks/${endpoint.id}/deliveries`)).status).toBe(200);
    expect((await created(ctx, { url: hookUrl, events: ["message.created"] })).status).toBe(403);
    expect((await ctx.api(`/webhooks/${endpoint.id}`, { method: "DELETE" })).status).toBe(403);
    expect((await ctx.api(`/webhooks/${endpoint.id}/test`, { method: "POST" })).status).toBe(403);
    expect(endpointRows(ctx)).toHaveLength(1);
  });

  it("of another shop are not found, and not listed", async () => {
    const ctx = await setup(undefined, "owner");
    const other = await otherShop(ctx);
    const asOther = (path: string, init: Parameters<typeof ctx.api>[1] = {}) => ctx.api(path, { ...init, token: other.token });
    const theirs = await (await asOther("/webhooks", { method: "POST", json: { url: hookUrl, events: ["message.created"] } })).json();
    const mine = await (await created(ctx, { url: "https://mine.example.com/", events: ["message.created"] })).json();
    expect((await asOther(`/webhooks/${mine.id}`)).status).toBe(404);
    const refused = await asOther(`/webhooks/${mine.id}`, { method: "PATCH", json: { url: "https://taken.example.com/" } });
    expect(refused.status).toBe(404);
    expect(await errorOf(refused)).toBe("There is no such webhook endpoint in your shop.");
    expect((await asOther(`/webhooks/${mine.id}`, { method: "DELETE" })).status).toBe(404);
    expect((await asOther(`/webhooks/${mine.id}/test`, { method: "POST" })).status).toBe(404);
    expect((await asOther(`/webhooks/${mine.id}/deliveries`)).status).toBe(404);
    expect((await (await asOther("/webhooks")).json()).webhooks.map((endpoint: { id: number }) => endpoint.id)).toEqual([theirs.id]);
    expect(endpointRows(ctx).find((row) => row.id === mine.id)).toMatchObject({ url: "https://mine.example.com/" });
    expect(ctx.db.select().from(deliveries).all()).toEqual([]);
  });

  it("send a test to a real receiver, whose answer the endpoint's deliveries then show", async () => {
    const ctx = await setup(undefined, "owner");
    const calls: string[] = [];
    const receiver = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: async (request) => (calls.push(await request.text()), new Response("got it")) });
    servers.push(receiver);
    const endpoint = await (await created(ctx, { url: `http://127.0.0.1:${receiver.port}/hook`, events: ["conversation.closed"], enabled: false, allowPrivate: true })).json();
    const response = await ctx.api(`/webhooks/${endpoint.id}/test`, { method: "POST" });
    expect(response.status).toBe(201);
    const queued = await response.json();
    expect(queued).toMatchObject({ event: "webhook.test", status: "pending", attempts: 0, lastCode: null });
    for (let i = 0; i < 100 && !calls.length; i++) await Bun.sleep(20);
    expect(JSON.parse(calls[0]!).event).toBe("webhook.test");
    await Bun.sleep(20);
    const { deliveries: log, next } = await (await ctx.api(`/webhooks/${endpoint.id}/deliveries`)).json();
    expect(log).toEqual([{ ...queued, status: "delivered", attempts: 1, lastCode: 200, lastResponse: "got it", nextAttemptAt: null }]);
    expect(next).toBeNull();
  });

  it("list an endpoint's deliveries newest first, a page at a time", async () => {
    const ctx = await setup(undefined, "owner");
    const endpoint = await (await created(ctx, { url: hookUrl, events: ["message.created"] })).json();
    const other = await (await created(ctx, { url: "https://other.example.com/", events: ["message.created"] })).json();
    const queue = (endpointId: number, event: string) => enqueueDeliveries(ctx.db, [{ businessId: ctx.business.id, channel: "webhook", endpointId, event, payload: "{}" }])[0]!;
    const [first, second, third] = ["conversation.started", "message.created", "conversation.closed"].map((event) => queue(endpoint.id, event));
    queue(other.id, "message.created");
    const page = await (await ctx.api(`/webhooks/${endpoint.id}/deliveries?limit=2`)).json();
    expect(page.deliveries.map((delivery: { id: number }) => delivery.id)).toEqual([third!.id, second!.id]);
    expect(page.next).toBe(second!.id);
    const last = await (await ctx.api(`/webhooks/${endpoint.id}/deliveries?limit=2&before=${page.next}`)).json();
    expect(last).toEqual({ deliveries: [expect.objectContaining({ id: first!.id, event: "conversation.started" })], next: null });
    expect((await ctx.api(`/webhooks/${endpoint.id}/deliveries?limit=500`)).status).toBe(400);
  });
});
