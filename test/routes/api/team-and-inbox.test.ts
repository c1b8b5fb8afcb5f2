import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { businesses, offlineMessages } from "../../../src/db/schema";
import { setAvailability } from "../../../src/domain/agents";
import { ignoreEvents } from "../../../src/domain/events";
import { leaveMessage } from "../../../src/domain/offline-messages";
import { listeningApps, signedIn, TestSocket, wsUrl } from "../../support";
import { type Ctx, errorOf, otherShop, setup } from "./support";

const listening = listeningApps();

function leave(ctx: Ctx, businessId: number, message: string) {
  const business = ctx.db.select().from(businesses).where(eq(businesses.id, businessId)).get()!;
  return leaveMessage(ctx.db, ignoreEvents, business, null, { name: "Ana", phone: "", email: "ana@example.com", message });
}

describe("listing agents", () => {
  it("lists the shop's team with availability and whether a console is connected, never another shop's", async () => {
    const ctx = listening();
    const api = await setup(ctx);
    const { agent: colleague, client } = await signedIn(ctx, "admin", "colleague@example.com");
    const console = new TestSocket(wsUrl(ctx, "/ws/agent"), { cookie: client.cookie!, origin: ctx.base });
    await console.opened;
    setAvailability(ctx.db, ctx.app.hub, colleague.id, "online");
    setAvailability(ctx.db, ctx.app.hub, api.agent.id, "away");
    await otherShop(ctx);
    const response = await api.api("/agents");
    expect(response.status).toBe(200);
    const { agents } = await response.json();
    expect(agents).toEqual([
      { id: api.agent.id, displayName: "agent", role: "agent", availability: "away", online: false, maxConcurrentChats: null, disabled: false },
      { id: colleague.id, displayName: "colleague", role: "admin", availability: "online", online: true, maxConcurrentChats: null, disabled: false },
    ]);
    expect(JSON.stringify(agents)).not.toContain("@example.com");
  });
});

describe("offline messages", () => {
  it("lists those still waiting, newest first, a page at a time, and those handled on asking", async () => {
    const ctx = await setup();
    const left = ["first", "second", "third"].map((text) => leave(ctx, ctx.business.id, text));
    const other = await otherShop(ctx);
    leave(ctx, other.business.id, "theirs");
    const first = await (await ctx.api("/offline-messages?limit=2")).json();
    expect(first.offlineMessages.map((m: { body: string }) => m.body)).toEqual(["third", "second"]);
    expect(first.offlineMessages[0]).toMatchObject({ name: "Ana", email: "ana@example.com", phone: null, handled: false, handledBy: null });
    expect(first.next).toBe(left[1]!.id);
    const second = await (await ctx.api(`/offline-messages?limit=2&before=${first.next}`)).json();
    expect(second.offlineMessages.map((m: { body: string }) => m.body)).toEqual(["first"]);
    expect(second.next).toBeNull();
    expect((await (await ctx.api("/offline-messages?handled=true")).json()).offlineMessages).toEqual([]);
    expect((await ctx.api("/offline-messages?handled=maybe")).status).toBe(400);
  });

  it("marks one handled by the token's agent, once, and not another shop's", async () => {
    const ctx = await setup();
    const mine = leave(ctx, ctx.business.id, "call me");
    const response = await ctx.api(`/offline-messages/${mine.id}/handled`, { method: "POST" });
    expect(response.status).toBe(200);
    const handled = await response.json();
    expect(handled).toMatchObject({ id: mine.id, handled: true, handledBy: ctx.agent.id });
    const again = await (await ctx.api(`/offline-messages/${mine.id}/handled`, { method: "POST" })).json();
    expect(again.handledAt).toBe(handled.handledAt);
    const listed = await (await ctx.api("/offline-messages?handled=true")).json();
    expect(listed.offlineMessages.map((m: { id: number }) => m.id)).toEqual([mine.id]);
    const other = await otherShop(ctx);
    const theirs = leave(ctx, other.business.id, "theirs");
    const refused = await ctx.api(`/offline-messages/${theirs.id}/handled`, { method: "POST" });
    expect(refused.status).toBe(404);
    expect(await errorOf(refused)).toBe("There is no such offline message in your shop.");
    expect(ctx.db.select().from(offlineMessages).where(eq(offlineMessages.id, theirs.id)).get()!.handled).toBe(false);
  });

  it("is read by a read-only token but not marked by it", async () => {
    const ctx = await setup(undefined, "agent", { scope: "read" });
    const mine = leave(ctx, ctx.business.id, "call me");
    expect((await ctx.api("/offline-messages")).status).toBe(200);
    expect((await ctx.api(`/offline-messages/${mine.id}/handled`, { method: "POST" })).status).toBe(403);
    expect(ctx.db.select().from(offlineMessages).where(eq(offlineMessages.id, mine.id)).get()!.handled).toBe(false);
  });
});
