import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { auditLog, businesses, visitors } from "../../../src/db/schema";
import { closeConversation } from "../../../src/domain/conversations";
import { ignoreEvents } from "../../../src/domain/events";
import { limits } from "../../../src/domain/limits";
import { identityHash, identifyVisitor } from "../../../src/domain/visitor-identity";
import { sendVisitorMessage } from "../../../src/domain/messages";
import { clientId, type Ctx, errorOf, openConversation, otherShop, secret, setup } from "./support";

const visitorRow = (ctx: Ctx, id: number) => ctx.db.select().from(visitors).where(eq(visitors.id, id)).get()!;

describe("reading a visitor", () => {
  it("answers the visitor's details, and 404 for another shop's", async () => {
    const ctx = await setup();
    const { visitor } = openConversation(ctx, ctx.agent.id);
    const response = await ctx.api(`/visitors/${visitor.id}`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ id: visitor.id, externalId: visitor.externalId, name: null, attributes: {}, verified: false, blocked: false });
    expect(body).not.toHaveProperty("tokenHash");
    const other = await otherShop(ctx);
    const theirs = openConversation(ctx, other.agent.id, other.business.id);
    const refused = await ctx.api(`/visitors/${theirs.visitor.id}`);
    expect(refused.status).toBe(404);
    expect(await errorOf(refused)).toBe("There is no such visitor in your shop.");
    expect((await ctx.api("/visitors/abc")).status).toBe(400);
  });
});

describe("finding a visitor by the site's id", () => {
  it("finds a verified customer by their id, and a visitor whose page gave it in a shop that does not verify", async () => {
    const ctx = await setup();
    const business = ctx.db.select().from(businesses).where(eq(businesses.id, ctx.business.id)).get()!;
    const plain = openConversation(ctx, ctx.agent.id);
    identifyVisitor(ctx.db, ignoreEvents, secret, business, plain.visitor, { id: "customer-7", name: "Ana" });
    const found = await ctx.api("/visitors?externalId=customer-7");
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ id: plain.visitor.id, name: "Ana" });

    ctx.db.update(businesses).set({ identityVerification: true }).where(eq(businesses.id, business.id)).run();
    const verifying = { ...business, identityVerification: true };
    const customer = openConversation(ctx, ctx.agent.id);
    identifyVisitor(ctx.db, ignoreEvents, secret, verifying, customer.visitor, { id: "42", userHash: identityHash(business.identitySecret, "42") });
    const verified = await (await ctx.api("/visitors?externalId=42")).json();
    expect(verified).toMatchObject({ id: customer.visitor.id, externalId: "user:42", verified: true });
  });

  it("answers 404 for an unknown id and another shop's customer, and 400 without one", async () => {
    const ctx = await setup();
    const other = await otherShop(ctx);
    const theirs = openConversation(ctx, other.agent.id, other.business.id);
    const business = ctx.db.select().from(businesses).where(eq(businesses.id, other.business.id)).get()!;
    identifyVisitor(ctx.db, ignoreEvents, secret, business, theirs.visitor, { id: "customer-7" });
    expect((await ctx.api("/visitors?externalId=customer-7")).status).toBe(404);
    expect((await ctx.api("/visitors?externalId=nobody")).status).toBe(404);
    expect((await ctx.api("/visitors")).status).toBe(400);
    expect((await ctx.api(`/visitors?externalId=${"x".repeat(limits.identityIdLength + 1)}`)).status).toBe(400);
  });
});

describe("updating a visitor", () => {
  it("changes only the contact fields given, audited, and sets and removes attributes", async () => {
    const ctx = await setup();
    const { visitor } = openConversation(ctx, ctx.agent.id);
    ctx.db.update(visitors).set({ phone: "+86 138 0000 0000", attributes: { plan: "free", source: "ad" } }).where(eq(visitors.id, visitor.id)).run();
    const response = await ctx.api(`/visitors/${visitor.id}`, {
      method: "PATCH",
      json: { name: "  Li Wei ", email: "li.wei@example.com", attributes: { plan: "pro", orders: 3, vip: true, source: null } },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      name: "Li Wei",
      email: "li.wei@example.com",
      phone: "+86 138 0000 0000",
      attributes: { plan: "pro", orders: "3", vip: "true" },
    });
    expect(visitorRow(ctx, visitor.id).attributes).toEqual({ plan: "pro", orders: "3", vip: "true" });
    const audited = ctx.db.select().from(auditLog).all().map((row) => row.detail);
    expect(audited).toEqual([{ fields: ["name", "email", "attributes"] }]);
    const emptied = await ctx.api(`/visitors/${visitor.id}`, { method: "PATCH", json: { phone: "" } });
    expect((await emptied.json()).phone).toBeNull();
  });

  it("refuses a malformed email, too many or too long attributes with 422, changing nothing", async () => {
    const ctx = await setup();
    const { visitor } = openConversation(ctx, ctx.agent.id);
    const before = visitorRow(ctx, visitor.id);
    const tooMany = Object.fromEntries(Array.from({ length: limits.attributesPerVisitor + 1 }, (_, i) => [`key${i}`, i]));
    const cases: [unknown, string][] = [
      [{ email: "not an email", name: "Ana" }, "email"],
      [{ attributes: tooMany }, "attributes"],
      [{ attributes: { plan: "x".repeat(limits.attributeValueLength + 1) } }, "attributes"],
      [{ attributes: { " ": "blank key" } }, "attributes"],
      // One change, all or nothing: the good name is not kept when the attributes are refused.
      [{ name: "Ana", attributes: tooMany }, "attributes"],
    ];
    for (const [json, field] of cases) {
      const response = await ctx.api(`/visitors/${visitor.id}`, { method: "PATCH", json });
      expect(response.status).toBe(422);
      expect(((await response.json()) as { field: string }).field).toBe(field);
    }
    expect((await ctx.api(`/visitors/${visitor.id}`, { method: "PATCH", json: { attributes: { nested: { no: 1 } } } })).status).toBe(400);
    expect(visitorRow(ctx, visitor.id)).toEqual(before);
  });

  it("is not found for another shop's visitor, and forbidden to a read-only token", async () => {
    const ctx = await setup();
    const other = await otherShop(ctx);
    const theirs = openConversation(ctx, other.agent.id, other.business.id);
    const refused = await ctx.api(`/visitors/${theirs.visitor.id}`, { method: "PATCH", json: { name: "Mallory" } });
    expect(refused.status).toBe(404);
    expect(visitorRow(ctx, theirs.visitor.id).name).toBeNull();
    const reader = await setup(ctx, "admin", { scope: "read" });
    const { visitor } = openConversation(ctx, ctx.agent.id);
    const forbidden = await reader.api(`/visitors/${visitor.id}`, { method: "PATCH", json: { name: "Ana" } });
    expect(forbidden.status).toBe(403);
    expect(visitorRow(ctx, visitor.id).name).toBeNull();
  });
});

describe("a visitor's conversations", () => {
  it("lists every conversation of the visitor, newest first, paged and filtered, and 404 for another shop's visitor", async () => {
    const ctx = await setup();
    const first = openConversation(ctx, ctx.agent.id);
    closeConversation(ctx.db, ignoreEvents, ctx.agent, first.conversation.id);
    const second = sendVisitorMessage(ctx.db, ignoreEvents, first.visitor, { clientId: clientId(), body: "Back again" }, [ctx.agent.id]);
    openConversation(ctx, ctx.agent.id);
    const all = await (await ctx.api(`/visitors/${first.visitor.id}/conversations`)).json();
    expect(all.conversations.map((c: { id: number }) => c.id)).toEqual([second.conversation.id, first.conversation.id]);
    const page = await (await ctx.api(`/visitors/${first.visitor.id}/conversations?limit=1`)).json();
    expect(page.next).toBe(second.conversation.id);
    const closed = await (await ctx.api(`/visitors/${first.visitor.id}/conversations?status=closed`)).json();
    expect(closed.conversations.map((c: { id: number }) => c.id)).toEqual([first.conversation.id]);
    const other = await otherShop(ctx);
    const theirs = openConversation(ctx, other.agent.id, other.business.id);
    expect((await ctx.api(`/visitors/${theirs.visitor.id}/conversations`)).status).toBe(404);
  });
});
