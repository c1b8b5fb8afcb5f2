// Who a visitor is, as the host site tells the widget (window.kefuSettings.visitor or
// Kefu.setUser). Anyone can type anything into a browser console, so an id links a visitor to a
// customer's record and history only when the business verifies identities and the id comes
// with its HMAC under the business's identity secret (userHash), computed by the shop's server.
import { createHmac, timingSafeEqual } from "node:crypto";
import { and, desc, eq, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { visitors } from "../db/schema";
import type { Business } from "./businesses";
import { type FieldProblem, ValidationError } from "./errors";
import type { DomainEvents } from "./events";
import { optionalText, webUrl } from "./fields";
import { limits } from "./limits";
import { randomToken, keyedHash } from "./tokens";
import { findVisitor, type Visitor } from "./visitors";

export interface IdentityClaim {
  id?: string;
  userHash?: string;
  name?: string;
  avatar?: string;
  email?: string;
  phone?: string;
  attributes?: Record<string, string | number | boolean>;
}

export interface Identified {
  visitor: Visitor;
  /** A new cookie token when this browser now stands for another visitor record. */
  token: string | null;
}

/** What the shop's server computes: HMAC-SHA256 of the id under the identity secret, in hex. */
export function identityHash(secret: string, id: string): string {
  return createHmac("sha256", secret).update(id).digest("hex");
}

function hashMatches(secret: string, id: string, userHash: string | undefined): boolean {
  if (!userHash || !/^[0-9a-f]{64}$/i.test(userHash)) return false;
  return timingSafeEqual(Buffer.from(identityHash(secret, id), "hex"), Buffer.from(userHash, "hex"));
}

/** A verified customer's record is keyed by the host site's id under this name. */
const customerExternalId = (id: string) => `user:${id}`;

/**
 * The business's visitor the host site identified by this id: the verified customer's record, or
 * else (a shop that does not verify ids) the most recent visitor whose page said so, kept in
 * their attributes, which no index serves.
 */
export function findIdentifiedVisitor(db: Queryable, businessId: number, id: string): Visitor | undefined {
  const verified = db
    .select({ id: visitors.id })
    .from(visitors)
    .where(and(eq(visitors.businessId, businessId), eq(visitors.externalId, customerExternalId(id))))
    .get();
  const found =
    verified ??
    db
      .select({ id: visitors.id })
      .from(visitors)
      .where(and(eq(visitors.businessId, businessId), sql`json_extract(${visitors.attributes}, '$.id') = ${id}`))
      .orderBy(desc(visitors.lastSeenAt))
      .limit(1)
      .get();
  return found ? findVisitor(db, businessId, found.id) : undefined;
}

/** Custom attributes as stored (trimmed keys, text values), or why they cannot be: the host page's and the API's rule. */
export function checkAttributes(given: Record<string, string | number | boolean>): { attributes: Record<string, string>; problem: FieldProblem | null } {
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(given)) {
    if (!key.trim() || key.length > limits.attributeKeyLength || String(value).length > limits.attributeValueLength) {
      return { attributes, problem: { key: "identity.attribute", params: { key: key.slice(0, limits.attributeKeyLength) } } };
    }
    attributes[key.trim()] = String(value);
  }
  const tooMany = Object.keys(attributes).length > limits.attributesPerVisitor;
  return { attributes, problem: tooMany ? { key: "identity.attributes", params: { max: limits.attributesPerVisitor } } : null };
}

/** The claim's details, checked: what a visitor record may hold. Nothing is stored on a problem. */
export function checkClaim(claim: IdentityClaim) {
  const problems: ValidationError["fields"] = {};
  const text = (field: "name" | "email" | "phone", max: number) => {
    const checked = optionalText(claim[field], max);
    if (checked.problem) problems[field] = checked.problem;
    return checked.text;
  };
  const name = text("name", limits.nameLength);
  const email = text("email", limits.emailLength);
  const phone = text("phone", limits.phoneLength);
  if (email && !/^[^\s@]+@[^\s@]+$/.test(email)) problems.email = { key: "identity.email" };
  const avatar = claim.avatar?.trim() || undefined;
  if (avatar && !webUrl(avatar, ["https:"])) problems.avatar = { key: "identity.avatar" };
  const id = claim.id?.trim() || undefined;
  if (id && id.length > limits.identityIdLength) problems.id = { key: "identity.tooLong", params: { max: limits.identityIdLength } };
  const { attributes, problem } = checkAttributes(claim.attributes ?? {});
  if (problem) problems.attributes = problem;
  if (Object.keys(problems).length > 0) throw new ValidationError(problems);
  return { id, name, email, phone, avatar, attributes };
}

/**
 * Applies what the host site says about the visitor behind this browser. With verification on, a
 * valid id takes this browser to that customer's record (made from the current one if there is
 * none yet); an id without a valid hash is ignored, with everything else the page claims, and a
 * verified record is left for a fresh anonymous one when the page no longer vouches for it (a
 * shared computer after sign-out). Without verification, the details are stored on the current
 * visitor as they say about themselves, never linking to anyone else's record.
 */
export function identifyVisitor(db: Database, events: DomainEvents, secret: string, business: Business, visitor: Visitor, claim: IdentityClaim): Identified {
  const identified = identify(db, secret, business, visitor, claim);
  // Agents' panels follow only a change: the widget reports on every page load. Another record
  // may go by another name than this one did.
  if (identified.visitor !== visitor) {
    events.visitorChanged(identified.visitor, { renamed: identified.visitor.id !== visitor.id || identified.visitor.name !== visitor.name });
  }
  return identified;
}

function identify(db: Database, secret: string, business: Business, visitor: Visitor, claim: IdentityClaim): Identified {
  const checked = checkClaim(claim);
  const { id, attributes, ...details } = checked;
  const profile = Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined)) as Partial<
    Pick<Visitor, "name" | "email" | "phone" | "avatar">
  >;
  const vouched = business.identityVerification && id !== undefined && hashMatches(business.identitySecret, id, claim.userHash);

  if (!business.identityVerification) {
    const merged = { ...visitor.attributes, ...attributes, ...(id ? { id } : {}) };
    if (Object.keys(merged).length > limits.attributesPerVisitor) {
      throw new ValidationError({ attributes: { key: "identity.attributes", params: { max: limits.attributesPerVisitor } } });
    }
    return { visitor: update(db, visitor, { ...profile, attributes: merged }), token: null };
  }
  if (!vouched) {
    if (!visitor.verified) return { visitor, token: null };
    return anonymousAgain(db, secret, visitor);
  }
  const externalId = customerExternalId(id);
  const change = { ...profile, attributes, verified: true, externalId };
  if (visitor.externalId === externalId) return { visitor: update(db, visitor, { ...change, attributes: { ...visitor.attributes, ...attributes } }), token: null };
  return db.transaction((tx) => {
    const customer = tx
      .select({ id: visitors.id, attributes: visitors.attributes })
      .from(visitors)
      .where(and(eq(visitors.businessId, business.id), eq(visitors.externalId, externalId)))
      .get();
    if (!customer && !visitor.verified) return { visitor: update(tx, visitor, change), token: null };
    // This browser now stands for the customer's record: it gets a token of its own for it.
    const token = randomToken();
    const row = customer
      ? tx
          .update(visitors)
          .set({ ...change, attributes: { ...customer.attributes, ...attributes }, tokenHash: keyedHash(secret, token), lastSeenAt: Date.now() })
          .where(eq(visitors.id, customer.id))
          .returning({ id: visitors.id })
          .get()!
      : tx.insert(visitors).values({ businessId: business.id, ...change, tokenHash: keyedHash(secret, token) }).returning({ id: visitors.id }).get();
    return { visitor: findVisitor(tx, business.id, row.id)!, token };
  }, { behavior: "immediate" });
}

function anonymousAgain(db: Database, secret: string, visitor: Visitor): Identified {
  const token = randomToken();
  const row = db
    .insert(visitors)
    .values({
      businessId: visitor.businessId,
      externalId: `anon-${randomToken(12)}`,
      tokenHash: keyedHash(secret, token),
      lastIp: visitor.lastIp,
      userAgent: visitor.userAgent,
    })
    .returning({ id: visitors.id })
    .get();
  return { visitor: findVisitor(db, visitor.businessId, row.id)!, token };
}

/** The visitor as changed; the same object, untouched, when the claim says nothing new (every page load sends it). */
function update(db: Queryable, visitor: Visitor, change: Partial<typeof visitors.$inferInsert>): Visitor {
  const same = Object.entries(change).every(([key, value]) => JSON.stringify(visitor[key as keyof Visitor]) === JSON.stringify(value));
  if (same) return visitor;
  db.update(visitors).set(change).where(eq(visitors.id, visitor.id)).run();
  return findVisitor(db, visitor.businessId, visitor.id)!;
}
