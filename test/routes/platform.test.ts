import { afterEach, describe, expect, it } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { auditLog, businesses } from "../../src/db/schema";
import { addAgent } from "../../src/domain/agents";
import { RuleError, ValidationError } from "../../src/domain/errors";
import { addShop, setPlatformAdmin } from "../../src/domain/shops";
import { socketCloseCodes } from "../../src/realtime/socket-support";
import { twoShops } from "../fixtures/two-shops";
import * as files from "../fixtures/files";
import { Client, type ListeningApp, listeningApp, TestSocket, visitChat, wsUrl } from "../support";

let running: ListeningApp | null = null;
afterEach(() => {
  running?.stop();
  running = null;
});

/** Two furnished shops; alpha's owner runs the platform. */
async function platform() {
  const uploadsDir = mkdtempSync(join(tmpdir(), "kefu-platform-"));
  const ctx = listeningApp({ uploadsDir });
  running = ctx;
  const shops = await twoShops(ctx, uploadsDir);
  setPlatformAdmin(ctx.db, shops.alpha.owner.email, true);
  return { ctx, ...shops };
}

function upload(bytes: Uint8Array, name: string) {
  const form = new FormData();
  form.set("file", new File([bytes as Uint8Array<ArrayBuffer>], name, { type: "application/octet-stream" }));
  form.set("clientId", crypto.randomUUID());
  return form;
}

describe("kefu shop add", () => {
  it("makes a shop with its own widget key and secret, and an owner who must change the temporary password", async () => {
    const ctx = listeningApp();
    running = ctx;
    const { shop, owner, temporaryPassword } = await addShop(ctx.db, { name: " 二号店 ", ownerEmail: "Boss@Second.test" });
    expect(shop).toMatchObject({ name: "二号店", disabled: false, maxAgents: null, maxStorageBytes: null, routingMode: "auto" });
    expect(shop.widgetKey).not.toBe(ctx.business.widgetKey);
    expect(shop.identitySecret).not.toBe(ctx.business.identitySecret);
    expect(owner).toMatchObject({ businessId: shop.id, role: "owner", email: "boss@second.test", displayName: "Boss", mustChangePassword: true, platformAdmin: false });
    const client = new Client(ctx.app);
    await client.post("/login", { email: "boss@second.test", password: temporaryPassword });
    expect((await client.get("/console")).headers.get("location")).toBe("/console/password");
  });

  it("leaves /setup to the first shop when a shop is added before it has its owner", async () => {
    const ctx = listeningApp();
    running = ctx;
    await addShop(ctx.db, { name: "Second", ownerEmail: "second@example.com" });
    expect((await new Client(ctx.app).get("/setup")).status).toBe(200);
    const setup = await new Client(ctx.app).post("/setup", { name: "Mei", email: "mei@example.com", password: "a long password" });
    expect(setup.status).toBe(303);
    expect(ctx.db.select().from(businesses).where(eq(businesses.id, ctx.business.id)).get()).toMatchObject({ id: ctx.business.id });
    expect((await new Client(ctx.app).get("/setup")).status).toBe(404);
  });

  it("refuses a taken email or a bad name, and leaves no shop behind", async () => {
    const ctx = listeningApp();
    running = ctx;
    await addShop(ctx.db, { name: "One", ownerEmail: "taken@example.com" });
    const shopsBefore = ctx.db.select().from(businesses).all().length;
    const taken = addShop(ctx.db, { name: "Two", ownerEmail: "TAKEN@example.com" });
    await expect(taken).rejects.toBeInstanceOf(ValidationError);
    await expect(taken).rejects.toMatchObject({ fields: { "owner-email": { key: "error.email.taken" } } });
    await expect(addShop(ctx.db, { name: "  ", ownerEmail: "new@example.com" })).rejects.toMatchObject({ fields: { name: { key: "error.name.required" } } });
    expect(ctx.db.select().from(businesses).all()).toHaveLength(shopsBefore);
  });
});

describe("the platform page", () => {
  it("does not exist for anyone but a platform admin, owners included", async () => {
    const { bravo, alpha } = await platform();
    for (const client of [bravo.ownerClient, alpha.agentClient]) {
      expect((await client.get("/console/platform")).status).toBe(404);
      expect(await (await client.get("/console")).text()).not.toContain('href="/console/platform"');
    }
    setPlatformAdmin(running!.db, alpha.owner.email, false);
    expect((await alpha.ownerClient.get("/console/platform")).status).toBe(404);
  });

  it("lists every shop with its team, conversations, messages, storage and last activity", async () => {
    const { alpha } = await platform();
    const page = await (await alpha.ownerClient.get("/console/platform")).text();
    expect(await (await alpha.ownerClient.get("/console")).text()).toContain('href="/console/platform"');
    const rowOf = (name: string) => page.split('<tbody id="shop-').find((row) => row.includes(`<strong>${name}</strong>`))!.split("</tbody>")[0]!;
    const cells = (row: string) => [...row.matchAll(/<td class="number">([\s\S]*?)<\/td>/g)].map((match) => match[1]!.replace(/<[^>]+>/g, "").replace(/\s+/g, " ").trim());
    // Two members each (bravo's CLI-made founder is a third); one open conversation this month with
    // four messages (a question, "joined", an answer, a file); one 67-byte PNG.
    expect(cells(rowOf("Kefu"))).toEqual(["2", "1", "1", "4", "0 MB"]);
    expect(cells(rowOf("bravo shop"))).toEqual(["3", "1", "1", "4", "0 MB"]);
    expect(rowOf("bravo shop")).toContain("<time");
  });

  it("disables a shop: its chat is unavailable, its team is out and cannot sign in, its sockets close and its API tokens are refused", async () => {
    const { ctx, alpha, bravo } = await platform();
    const agentSocket = new TestSocket(wsUrl(ctx, "/ws/agent"), { cookie: bravo.agentClient.cookie!, origin: ctx.base });
    await agentSocket.opened;
    const visitorCookie = await visitChat(ctx.base, bravo.business.widgetKey, bravo.visitorBrowser.cookie!);
    const visitorSocket = new TestSocket(wsUrl(ctx, `/chat/${bravo.business.widgetKey}/ws`), { cookie: visitorCookie, origin: ctx.base });
    await visitorSocket.opened;
    visitorSocket.send({ type: "resume", after: 0 });
    await visitorSocket.next((frame) => frame.includes("bravo agent answer"));

    const row = await alpha.ownerClient.post(`/console/platform/shops/${bravo.business.id}/disable`);
    expect(row.status).toBe(200);
    expect(await row.text()).toContain("disabled");

    expect((await agentSocket.closedWith()).code).toBe(socketCloseCodes.unauthorized);
    expect((await visitorSocket.closedWith()).code).toBe(socketCloseCodes.blocked);
    expect((await bravo.ownerClient.get("/console")).headers.get("location")).toBe("/login");
    const signIn = await new Client(ctx.app, { "accept-language": "en" }).post("/login", { email: bravo.agent.email, password: "correct horse" });
    expect(signIn.status).toBe(403);
    expect(await signIn.text()).toContain("This shop has been disabled");
    const chat = await new Client(ctx.app, { "accept-language": "en" }).get(`/chat/${bravo.business.widgetKey}`);
    expect(chat.status).toBe(403);
    expect(await chat.text()).toContain("Chat is not available.");
    // The shop's sites draw no launcher: the loader draws nothing without a config.
    const widgetConfig = await new Client(ctx.app).get(`/widget/${bravo.business.widgetKey}/config`);
    expect(widgetConfig.status).toBe(403);
    expect(((await widgetConfig.json()) as { error: string }).error).toBe("This shop's chat is turned off.");
    const refusedSocket = new TestSocket(wsUrl(ctx, `/chat/${bravo.business.widgetKey}/ws`), { cookie: visitorCookie, origin: ctx.base });
    expect((await refusedSocket.closedWith()).code).toBe(socketCloseCodes.blocked);
    const api = await new Client(ctx.app, { authorization: `Bearer ${bravo.apiToken}` }).get("/api/v1/conversations");
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: string }).error).toContain("their shop is disabled");
    // The other shop goes on as before.
    expect((await alpha.agentClient.get("/console")).status).toBe(200);
    expect((await new Client(ctx.app).get(`/chat/${alpha.business.widgetKey}`)).status).toBe(200);
    expect(ctx.db.select().from(auditLog).where(eq(auditLog.action, "platform.shop_disabled")).all()).toMatchObject([
      { agentId: alpha.owner.id, subject: `business:${bravo.business.id}` },
    ]);

    await alpha.ownerClient.post(`/console/platform/shops/${bravo.business.id}/enable`);
    expect((await new Client(ctx.app).get(`/chat/${bravo.business.widgetKey}`)).status).toBe(200);
    expect((await new Client(ctx.app).post("/login", { email: bravo.agent.email, password: "correct horse" })).status).toBe(303);
    expect((await new Client(ctx.app, { authorization: `Bearer ${bravo.apiToken}` }).get("/api/v1/conversations")).status).toBe(200);
  });

  it("will not disable the platform admin's own shop, nor any shop for someone who is not one", async () => {
    const { ctx, alpha, bravo } = await platform();
    const own = await alpha.ownerClient.post(`/console/platform/shops/${alpha.business.id}/disable`);
    expect(own.status).toBe(409);
    expect(await own.text()).toContain("You cannot disable the shop you sign in with.");
    expect(await (await alpha.ownerClient.get("/console/platform")).text()).not.toContain(`/console/platform/shops/${alpha.business.id}/disable`);
    expect((await bravo.ownerClient.post(`/console/platform/shops/${alpha.business.id}/disable`)).status).toBe(404);
    expect(ctx.db.select().from(businesses).where(eq(businesses.disabled, true)).all()).toEqual([]);
  });

  it("sets a shop's limits, refuses bad ones with a message and keeps the old, and says so in the audit log", async () => {
    const { ctx, alpha, bravo } = await platform();
    const path = `/console/platform/shops/${bravo.business.id}/limits`;
    const bad = await alpha.ownerClient.post(path, { maxAgents: "0", maxStorageMegabytes: "lots" });
    expect(bad.status).toBe(422);
    const badRow = await bad.text();
    expect(badRow).toContain("Enter a whole number from 1 to 10000");
    expect(badRow).toContain("Enter a size from 1 MB to 1024 GB, or leave it empty for no limit.");
    expect(ctx.db.select().from(businesses).where(eq(businesses.id, bravo.business.id)).get()).toMatchObject({ maxAgents: null, maxStorageBytes: null });

    const saved = await alpha.ownerClient.post(path, { maxAgents: "3", maxStorageMegabytes: "1.5" });
    expect(saved.status).toBe(200);
    expect(ctx.db.select().from(businesses).where(eq(businesses.id, bravo.business.id)).get()).toMatchObject({ maxAgents: 3, maxStorageBytes: 1572864 });
    expect(await saved.text()).toContain("/ 1.5 MB");
    await alpha.ownerClient.post(path, { maxAgents: "", maxStorageMegabytes: "" });
    expect(ctx.db.select().from(businesses).where(eq(businesses.id, bravo.business.id)).get()).toMatchObject({ maxAgents: null, maxStorageBytes: null });
    expect(ctx.db.select().from(auditLog).where(eq(auditLog.action, "platform.shop_limits_changed")).all()).toHaveLength(2);
  });
});

describe("a shop's limits", () => {
  it("refuse a team member past the most active members, on the Team page, from the command line and when enabling one", async () => {
    const { ctx, alpha, bravo } = await platform();
    await alpha.ownerClient.post(`/console/platform/shops/${bravo.business.id}/limits`, { maxAgents: "3", maxStorageMegabytes: "" });
    const refused = await bravo.ownerClient.post("/console/team", { name: "Fourth", email: "fourth@bravo.test", role: "agent" });
    expect(refused.status).toBe(409);
    const form = await refused.text();
    expect(form).toContain("This shop may have at most 3 active team members.");
    expect(form).toContain('value="fourth@bravo.test"');
    await expect(addAgent(ctx.db, { businessId: bravo.business.id, email: "cli@bravo.test", name: "Cli", role: "agent" })).rejects.toBeInstanceOf(RuleError);
    // Disabling one makes room; enabling them again past the limit is refused.
    await bravo.ownerClient.post(`/console/team/${bravo.agent.id}/disable`);
    expect((await bravo.ownerClient.post("/console/team", { name: "Fourth", email: "fourth@bravo.test", role: "agent" })).status).toBe(200);
    const enable = await bravo.ownerClient.post(`/console/team/${bravo.agent.id}/enable`);
    expect(enable.status).toBe(409);
    expect(await enable.text()).toContain("at most 3 active team members");
    // The other shop has no limit.
    expect((await alpha.ownerClient.post("/console/team", { name: "More", email: "more@alpha.test", role: "agent" })).status).toBe(200);
  });

  it("refuse a file past the shop's storage, to its visitors and agents alike, and show the owner the limit", async () => {
    const { ctx, alpha, bravo } = await platform();
    // 67 bytes are stored; one more megabyte is past a 1 MB limit.
    await alpha.ownerClient.post(`/console/platform/shops/${bravo.business.id}/limits`, { maxAgents: "", maxStorageMegabytes: "1" });
    const big = files.textOfSize(1024 * 1024);
    const visitor = await bravo.visitorBrowser.post(`/chat/${bravo.business.widgetKey}/attachments`, upload(big, "big.txt"));
    expect(visitor.status).toBe(413);
    expect(await visitor.text()).toBe("The shop's file storage is full (its limit is 1 MB), so this file cannot be sent.");
    const agent = await bravo.agentClient.post(`/console/conversations/${bravo.conversationId}/attachments`, upload(big, "big.txt"));
    expect(agent.status).toBe(413);
    expect(await agent.text()).toContain("file storage is full");
    // Small files still fit.
    expect((await bravo.visitorBrowser.post(`/chat/${bravo.business.widgetKey}/attachments`, upload(files.pdf, "small.pdf"))).status).toBe(200);
    expect(await (await bravo.ownerClient.get("/console/settings")).text()).toContain("take 0 MB of the 1 MB the platform&#39;s administrator allows");
    expect(await (await alpha.ownerClient.get("/console/settings")).text()).not.toContain('id="storage-limit"');
    expect(ctx.db.select().from(businesses).where(eq(businesses.id, alpha.business.id)).get()!.maxStorageBytes).toBeNull();
  });
});

describe("kefu platform-admin", () => {
  it("grants and revokes the role by email, and says when nobody signs in with it", async () => {
    const ctx = listeningApp();
    running = ctx;
    const { agent } = await addAgent(ctx.db, { businessId: ctx.business.id, email: "root@example.com", name: "Root", role: "agent", password: "correct horse" });
    expect(setPlatformAdmin(ctx.db, " ROOT@example.com ", true)).toMatchObject({ id: agent.id, platformAdmin: true, role: "agent" });
    expect(setPlatformAdmin(ctx.db, "root@example.com", false)).toMatchObject({ platformAdmin: false });
    expect(setPlatformAdmin(ctx.db, "nobody@example.com", true)).toBeNull();
  });
});
