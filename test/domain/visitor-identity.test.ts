import { describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { businesses, conversations, visitors } from "../../src/db/schema";
import { type Business, findBusiness } from "../../src/domain/businesses";
import { currentConversation } from "../../src/domain/conversations";
import { ValidationError } from "../../src/domain/errors";
import { type DomainEvents, ignoreEvents } from "../../src/domain/events";
import { limits } from "../../src/domain/limits";
import { sendVisitorMessage } from "../../src/domain/messages";
import { checkClaim, identifyVisitor, identityHash } from "../../src/domain/visitor-identity";
import { createAnonymousVisitor, findVisitorByToken } from "../../src/domain/visitors";
import { testApp } from "../support";

const secret = "0".repeat(64);
const visit = { ip: "203.0.113.7", userAgent: "Test browser", page: null };

function setup({ verification }: { verification: boolean }) {
  const ctx = testApp();
  ctx.db.update(businesses).set({ identityVerification: verification, identitySecret: "shop-identity-secret" }).run();
  const business = findBusiness(ctx.db, ctx.business.id)!;
  /** A browser that opened the chat page: its anonymous visitor and the token in its cookie. */
  const browser = () => createAnonymousVisitor(ctx.db, secret, business.id, visit);
  /** The stored row, token hash included. */
  const row = (id: number) => ctx.db.select().from(visitors).where(eq(visitors.id, id)).get();
  const customers = (id: string) => ctx.db.select().from(visitors).where(eq(visitors.externalId, `user:${id}`)).all();
  const identify = (visitor: Parameters<typeof identifyVisitor>[4], claim: Parameters<typeof identifyVisitor>[5]) =>
    identifyVisitor(ctx.db, ignoreEvents, secret, business, visitor, claim);
  return { ...ctx, business, browser, row, customers, identify };
}

/** What the shop's server puts on the page for its signed-in customer. */
const signedInAs = (business: Business, id: string) => ({ id, userHash: identityHash(business.identitySecret, id) });

describe("the identity hash", () => {
  it("is the HMAC-SHA256 of the id under the identity secret, in lowercase hex", () => {
    // RFC 4231-style known answer, so a shop's server in any language computes the same value.
    expect(identityHash("key", "The quick brown fox jumps over the lazy dog")).toBe("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  });
});

describe("identifying a visitor without identity verification", () => {
  it("stores the details on the current visitor, with the id as an attribute, and leaves them unverified", () => {
    const ctx = setup({ verification: false });
    const { visitor, token } = ctx.browser();
    const identified = ctx.identify(visitor, {
      id: " 42 ",
      name: " Li Lei ",
      email: "li@example.com",
      phone: "+86 138 0000 0000",
      avatar: "https://shop.example.com/li.png",
      attributes: { plan: "gold", orders: 3, vip: true },
    });
    expect(identified.token).toBeNull();
    expect(identified.visitor).toMatchObject({
      id: visitor.id,
      externalId: visitor.externalId,
      verified: false,
      name: "Li Lei",
      email: "li@example.com",
      phone: "+86 138 0000 0000",
      avatar: "https://shop.example.com/li.png",
      attributes: { plan: "gold", orders: "3", vip: "true", id: "42" },
    });
    expect(findVisitorByToken(ctx.db, secret, ctx.business.id, token)?.id).toBe(visitor.id);
  });

  it("never links two browsers claiming the same id, even with a valid hash", () => {
    const ctx = setup({ verification: false });
    const first = ctx.browser();
    const second = ctx.browser();
    const a = ctx.identify(first.visitor, { ...signedInAs(ctx.business, "42"), name: "Li Lei" });
    const b = ctx.identify(second.visitor, { ...signedInAs(ctx.business, "42"), name: "Not Li Lei" });
    expect([a.visitor.id, b.visitor.id]).toEqual([first.visitor.id, second.visitor.id]);
    expect([a.token, b.token]).toEqual([null, null]);
    expect([a.visitor.verified, b.visitor.verified]).toEqual([false, false]);
    expect(ctx.customers("42")).toEqual([]);
    expect(ctx.row(first.visitor.id)!.name).toBe("Li Lei");
    expect(findVisitorByToken(ctx.db, secret, ctx.business.id, first.token)?.id).toBe(first.visitor.id);
  });

  it("announces a change, saying when the name changed, and nothing for a page that says nothing new", () => {
    const ctx = setup({ verification: false });
    const { visitor } = ctx.browser();
    const announced: string[] = [];
    const events: DomainEvents = { ...ignoreEvents, visitorChanged: (changed, { renamed }) => announced.push(`${changed.name}:${renamed}`) };
    const named = identifyVisitor(ctx.db, events, secret, ctx.business, visitor, { name: "Li Lei" }).visitor;
    const emailed = identifyVisitor(ctx.db, events, secret, ctx.business, named, { name: "Li Lei", email: "li@example.com" }).visitor;
    identifyVisitor(ctx.db, events, secret, ctx.business, emailed, { name: "Li Lei", email: "li@example.com" });
    expect(announced).toEqual(["Li Lei:true", "Li Lei:false"]);
  });

  it("adds new attributes to those already stored", () => {
    const ctx = setup({ verification: false });
    const { visitor } = ctx.browser();
    const once = ctx.identify(visitor, { attributes: { plan: "gold" } }).visitor;
    const twice = ctx.identify(once, { attributes: { cart: "2 items" } }).visitor;
    expect(twice.attributes).toEqual({ plan: "gold", cart: "2 items" });
  });

  it("refuses attributes that would take the visitor past the limit, counting those stored, and changes nothing", () => {
    const ctx = setup({ verification: false });
    const { visitor } = ctx.browser();
    const full = Object.fromEntries(Array.from({ length: limits.attributesPerVisitor }, (_, i) => [`key${i}`, "v"]));
    const stored = ctx.identify(visitor, { attributes: full }).visitor;
    const before = ctx.row(visitor.id);
    expect(() => ctx.identify(stored, { name: "Li Lei", attributes: { one: "more" } })).toThrow(ValidationError);
    expect(() => ctx.identify(stored, { id: "42" })).toThrow(ValidationError);
    expect(ctx.row(visitor.id)).toEqual(before);
  });
});

describe("identifying a visitor with identity verification", () => {
  it("ignores an id without a valid hash, and everything else the page claims with it", () => {
    const ctx = setup({ verification: true });
    const { visitor, token } = ctx.browser();
    const before = ctx.row(visitor.id);
    const details = { name: "Mallory", email: "mallory@example.com", attributes: { plan: "gold" } };
    const forgeries = [
      { id: "42", ...details },
      { id: "42", userHash: "0".repeat(64), ...details },
      { id: "42", userHash: identityHash("another secret", "42"), ...details },
      { id: "42", userHash: identityHash(ctx.business.identitySecret, "43"), ...details },
      { id: "42", userHash: identityHash(ctx.business.identitySecret, "42").slice(0, 63), ...details },
      { id: "42", userHash: `${identityHash(ctx.business.identitySecret, "42")}00`, ...details },
      { id: "42", userHash: "z".repeat(64), ...details },
      details,
    ];
    for (const claim of forgeries) {
      const identified = ctx.identify(visitor, claim);
      expect(identified).toEqual({ visitor, token: null });
    }
    expect(ctx.row(visitor.id)).toEqual(before);
    expect(ctx.row(visitor.id)).toMatchObject({ verified: false, name: null, email: null, attributes: {} });
    expect(ctx.customers("42")).toEqual([]);
    expect(ctx.db.select().from(visitors).all()).toHaveLength(1);
    expect(findVisitorByToken(ctx.db, secret, ctx.business.id, token)?.id).toBe(visitor.id);
  });

  it("turns the anonymous visitor into the customer's record the first time, keeping its conversation and cookie", () => {
    const ctx = setup({ verification: true });
    const { visitor, token } = ctx.browser();
    const { conversation } = sendVisitorMessage(ctx.db, ignoreEvents, visitor, { clientId: "before-sign-in", body: "hello" }, []);
    const identified = ctx.identify(visitor, { ...signedInAs(ctx.business, "42"), name: "Li Lei", attributes: { plan: "gold" } });
    expect(identified.token).toBeNull();
    expect(identified.visitor).toMatchObject({ id: visitor.id, verified: true, externalId: "user:42", name: "Li Lei", attributes: { plan: "gold" } });
    expect(currentConversation(ctx.db, visitor.id)?.id).toBe(conversation.id);
    expect(findVisitorByToken(ctx.db, secret, ctx.business.id, token)?.id).toBe(visitor.id);
    expect(ctx.db.select().from(visitors).all()).toHaveLength(1);
  });

  it("updates the customer's record when the page vouches for it again, adding to its attributes", () => {
    const ctx = setup({ verification: true });
    const { visitor, token } = ctx.browser();
    const signedIn = ctx.identify(visitor, { ...signedInAs(ctx.business, "42"), name: "Li Lei", attributes: { plan: "gold" } }).visitor;
    const again = ctx.identify(signedIn, { ...signedInAs(ctx.business, "42"), email: "li@example.com", attributes: { cart: "2 items" } });
    expect(again.token).toBeNull();
    expect(again.visitor).toMatchObject({
      id: visitor.id,
      verified: true,
      name: "Li Lei",
      email: "li@example.com",
      attributes: { plan: "gold", cart: "2 items" },
    });
    expect(findVisitorByToken(ctx.db, secret, ctx.business.id, token)?.id).toBe(visitor.id);
  });

  it("takes a second browser of the same customer to their record, which the first browser's cookie no longer finds", () => {
    const ctx = setup({ verification: true });
    const laptop = ctx.browser();
    const customer = ctx.identify(laptop.visitor, { ...signedInAs(ctx.business, "42"), name: "Li Lei" }).visitor;
    sendVisitorMessage(ctx.db, ignoreEvents, customer, { clientId: "from-the-laptop", body: "where is my order?" }, []);
    const phone = ctx.browser();
    const identified = ctx.identify(phone.visitor, { ...signedInAs(ctx.business, "42"), phone: "+86 138 0000 0000" });
    expect(identified.token).not.toBeNull();
    expect(identified.visitor).toMatchObject({ id: customer.id, verified: true, name: "Li Lei", phone: "+86 138 0000 0000" });
    expect(findVisitorByToken(ctx.db, secret, ctx.business.id, identified.token!)?.id).toBe(customer.id);
    expect(findVisitorByToken(ctx.db, secret, ctx.business.id, laptop.token)).toBeUndefined();
    // The phone's own anonymous record stays as it was, and the conversation stays the customer's.
    expect(ctx.row(phone.visitor.id)).toMatchObject({ verified: false, externalId: phone.visitor.externalId, phone: null });
    expect(ctx.customers("42")).toHaveLength(1);
    expect(ctx.db.select({ visitorId: conversations.visitorId }).from(conversations).all()).toEqual([{ visitorId: customer.id }]);
  });

  it("moves a verified visitor whose page no longer vouches for them to a fresh anonymous visitor (a shared computer)", () => {
    const ctx = setup({ verification: true });
    const { visitor, token } = ctx.browser();
    const customer = ctx.identify(visitor, { ...signedInAs(ctx.business, "42"), name: "Li Lei", email: "li@example.com" }).visitor;
    const before = ctx.row(customer.id);
    for (const claim of [{}, { name: "Next person" }, { id: "42", userHash: "0".repeat(64) }]) {
      const identified = ctx.identify(customer, claim);
      expect(identified.token).not.toBeNull();
      expect(identified.visitor.id).not.toBe(customer.id);
      expect(identified.visitor).toMatchObject({ verified: false, name: null, email: null, attributes: {}, lastIp: visit.ip, userAgent: visit.userAgent });
      expect(identified.visitor.externalId).toStartWith("anon-");
      expect(findVisitorByToken(ctx.db, secret, ctx.business.id, identified.token!)?.id).toBe(identified.visitor.id);
    }
    expect(ctx.row(customer.id)).toEqual(before);
    expect(findVisitorByToken(ctx.db, secret, ctx.business.id, token)?.id).toBe(customer.id);
  });

  it("gives a verified visitor who signs in as another customer that customer's own record, leaving the first as it was", () => {
    const ctx = setup({ verification: true });
    const { visitor } = ctx.browser();
    const li = ctx.identify(visitor, { ...signedInAs(ctx.business, "42"), name: "Li Lei" }).visitor;
    const before = ctx.row(li.id);
    const han = ctx.identify(li, { ...signedInAs(ctx.business, "43"), name: "Han Meimei" });
    expect(han.token).not.toBeNull();
    expect(han.visitor).toMatchObject({ verified: true, externalId: "user:43", name: "Han Meimei" });
    expect(han.visitor.id).not.toBe(li.id);
    expect(ctx.row(li.id)).toEqual(before);
  });

  it("changes nothing when the claim is invalid, even with a valid hash", () => {
    const ctx = setup({ verification: true });
    const { visitor } = ctx.browser();
    const before = ctx.row(visitor.id);
    expect(() => ctx.identify(visitor, { ...signedInAs(ctx.business, "42"), email: "not an email" })).toThrow(ValidationError);
    expect(() => ctx.identify(visitor, { ...signedInAs(ctx.business, "42"), avatar: "http://shop.example.com/li.png" })).toThrow(ValidationError);
    expect(ctx.row(visitor.id)).toEqual(before);
    expect(ctx.customers("42")).toEqual([]);
  });
});

describe("checking a claim", () => {
  const fieldOf = (claim: Parameters<typeof checkClaim>[0]) => {
    try {
      checkClaim(claim);
    } catch (error) {
      if (error instanceof ValidationError) return Object.keys(error.fields);
      throw error;
    }
    return [];
  };
  const many = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`key${i}`, i]));

  it("trims the details and drops empty ones", () => {
    expect(checkClaim({ id: "  ", name: " Li Lei ", email: "", phone: "  ", avatar: " https://shop.example.com/a.png ", attributes: { " plan ": "gold" } })).toEqual({
      id: undefined,
      name: "Li Lei",
      email: undefined,
      phone: undefined,
      avatar: "https://shop.example.com/a.png",
      attributes: { plan: "gold" },
    });
  });

  it("refuses an email that does not look like one", () => {
    expect(fieldOf({ email: "li.example.com" })).toEqual(["email"]);
    expect(fieldOf({ email: "li @example.com" })).toEqual(["email"]);
    expect(fieldOf({ email: "li@example.com" })).toEqual([]);
  });

  it("takes an avatar from https only", () => {
    expect(fieldOf({ avatar: "http://shop.example.com/a.png" })).toEqual(["avatar"]);
    expect(fieldOf({ avatar: "javascript:alert(1)" })).toEqual(["avatar"]);
    expect(fieldOf({ avatar: "data:image/png;base64,AAAA" })).toEqual(["avatar"]);
    expect(fieldOf({ avatar: "a.png" })).toEqual(["avatar"]);
    expect(fieldOf({ avatar: `https://shop.example.com/${"a".repeat(limits.urlLength)}` })).toEqual(["avatar"]);
    expect(fieldOf({ avatar: "https://shop.example.com/a.png" })).toEqual([]);
  });

  it("bounds each field, counting characters as people do", () => {
    expect(fieldOf({ name: "李".repeat(limits.nameLength) })).toEqual([]);
    expect(fieldOf({ name: "😀".repeat(limits.nameLength) })).toEqual([]);
    expect(fieldOf({ name: "李".repeat(limits.nameLength + 1) })).toEqual(["name"]);
    expect(fieldOf({ email: `${"a".repeat(limits.emailLength)}@example.com` })).toEqual(["email"]);
    expect(fieldOf({ phone: "1".repeat(limits.phoneLength + 1) })).toEqual(["phone"]);
    expect(fieldOf({ id: "x".repeat(limits.identityIdLength) })).toEqual([]);
    expect(fieldOf({ id: "x".repeat(limits.identityIdLength + 1) })).toEqual(["id"]);
    expect(fieldOf({ attributes: { ["k".repeat(limits.attributeKeyLength + 1)]: "v" } })).toEqual(["attributes"]);
    expect(fieldOf({ attributes: { key: "v".repeat(limits.attributeValueLength + 1) } })).toEqual(["attributes"]);
    expect(fieldOf({ attributes: { "  ": "v" } })).toEqual(["attributes"]);
  });

  it("refuses more attributes than a visitor may hold", () => {
    expect(fieldOf({ attributes: many(limits.attributesPerVisitor) })).toEqual([]);
    expect(fieldOf({ attributes: many(limits.attributesPerVisitor + 1) })).toEqual(["attributes"]);
  });
});
