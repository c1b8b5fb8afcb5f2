// Blocked IP addresses (黑名单 by address): a blocked visitor who drops their cookie comes back
// as a new visitor, usually from the same address. Nobody on a blocked address of a business
// can chat with it; other businesses on this server are not affected (every query is scoped).
import { isIP } from "node:net";
import { and, desc, eq, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { prepared } from "../db/prepared";
import { agents, blockedIps, visitors } from "../db/schema";
import { recordAudit } from "./audit";
import { NotFoundError, ValidationError } from "./errors";
import type { DomainEvents } from "./events";
import { limits } from "./limits";
import { blockVisitor, checkBlockReason, type Visitor } from "./visitors";

export type BlockedIp = typeof blockedIps.$inferSelect;
type Actor = { id: number; businessId: number };

/**
 * The one spelling of an address that we store and compare, or null when the text is not an
 * IP address: IPv6 compressed and lower-case, an IPv4-mapped IPv6 address as plain IPv4
 * (a dual-stack server may see either for the same client).
 */
export function canonicalIp(text: string): string | null {
  const ip = text.trim();
  if (ip.length > limits.ipLength) return null;
  const version = isIP(ip);
  if (version === 4) return ip;
  // A zone id (fe80::1%eth0) names a network interface of the client's machine, not an address.
  if (version !== 6 || ip.includes("%")) return null;
  const compressed = new URL(`http://[${ip}]`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!mapped) return compressed;
  const [high, low] = [Number.parseInt(mapped[1]!, 16), Number.parseInt(mapped[2]!, 16)];
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/**
 * Loopback, private and link-local addresses: what a visitor's address looks like when Kefu runs
 * behind a proxy it does not trust (KEFU_TRUST_PROXY), so blocking one would block everyone.
 */
function isLocalAddress(ip: string): boolean {
  if (isIP(ip) === 4) {
    const [a, b] = ip.split(".").map(Number) as [number, number];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  return ip === "::" || ip === "::1" || /^f[cd]/.test(ip) || /^fe[89ab]/.test(ip);
}

/** Blocks an address for the actor's business. Blocking it again only changes the reason. */
export function blockIp(db: Database, events: DomainEvents, actor: Actor, ip: string, reason: string): BlockedIp {
  const blocked = addBlockedIp(db, actor, ip, reason);
  events.ipBlocked(actor.businessId, blocked.ip);
  return blocked;
}

/** Blocks an address inside the caller's transaction, which announces it once committed. */
function addBlockedIp(db: Queryable, actor: Actor, ip: string, reason: string): BlockedIp {
  const address = canonicalIp(ip);
  if (!address) throw new ValidationError({ ip: { key: "blocked.ipInvalid" } });
  if (isLocalAddress(address)) throw new ValidationError({ ip: { key: "blocked.ipLocal" } });
  const why = checkBlockReason(reason);
  return db.transaction((tx) => {
    const row = tx
      .insert(blockedIps)
      .values({ businessId: actor.businessId, ip: address, reason: why, blockedBy: actor.id })
      .onConflictDoUpdate({ target: [blockedIps.businessId, blockedIps.ip], set: { reason: why, blockedBy: actor.id } })
      .returning()
      .get();
    recordAudit(tx, actor, "ip.blocked", `ip:${address}`, why ? { reason: why } : undefined);
    return row;
  }, { behavior: "immediate" });
}

/**
 * Blocks a visitor and the address they last came from, both or neither, inside the caller's
 * transaction (see blockAndClose). Returns the IP block, or null when we never saw the visitor's
 * address.
 */
export function blockVisitorAndIp(
  db: Queryable,
  actor: Actor,
  visitorId: number,
  reason: string,
): { visitor: Visitor; blockedIp: BlockedIp | null } {
  return db.transaction((tx) => {
    const visitor = blockVisitor(tx, actor, visitorId, reason);
    return { visitor, blockedIp: visitor.lastIp ? addBlockedIp(tx, actor, visitor.lastIp, reason) : null };
  }, { behavior: "immediate" });
}

export function unblockIp(db: Database, actor: Actor, blockedIpId: number): BlockedIp {
  return db.transaction((tx) => {
    const removed = tx
      .delete(blockedIps)
      .where(and(eq(blockedIps.businessId, actor.businessId), eq(blockedIps.id, blockedIpId)))
      .returning()
      .get();
    if (!removed) throw new NotFoundError("blocked IP");
    recordAudit(tx, actor, "ip.unblocked", `ip:${removed.ip}`);
    return removed;
  }, { behavior: "immediate" });
}

/** Asked on every chat page, socket and visitor message, hence prepared once. */
export function isIpBlocked(db: Queryable, businessId: number, ip: string | null): boolean {
  const address = ip === null ? null : canonicalIp(ip);
  if (!address) return false;
  const found = prepared(db, "ipBlocked", (db) =>
    db
      .select({ id: blockedIps.id })
      .from(blockedIps)
      .where(and(eq(blockedIps.businessId, sql.placeholder("businessId")), eq(blockedIps.ip, sql.placeholder("ip"))))
      .prepare(),
  ).get({ businessId, ip: address });
  return found !== undefined;
}

/** The business's blocked addresses, newest first, with who blocked them. */
export function listBlockedIps(db: Queryable, businessId: number) {
  return db
    .select({ blockedIp: blockedIps, blockedByName: agents.displayName })
    .from(blockedIps)
    .leftJoin(agents, eq(agents.id, blockedIps.blockedBy))
    .where(eq(blockedIps.businessId, businessId))
    .orderBy(desc(blockedIps.id))
    .limit(500)
    .all();
}

/** Which of `visitorIds` (say, those online now) belong to the business and last came from `ip`. */
export function visitorsOnIp(db: Queryable, businessId: number, ip: string, visitorIds: readonly number[]): number[] {
  const address = canonicalIp(ip);
  if (!address || visitorIds.length === 0) return [];
  // One JSON parameter instead of one per id: thousands of visitors can be online.
  const among = sql`(SELECT value FROM json_each(${JSON.stringify(visitorIds)}))`;
  return db
    .select({ id: visitors.id, lastIp: visitors.lastIp })
    .from(visitors)
    .where(and(eq(visitors.businessId, businessId), sql`${visitors.id} IN ${among}`))
    .all()
    .filter((visitor) => visitor.lastIp !== null && canonicalIp(visitor.lastIp) === address)
    .map((visitor) => visitor.id);
}
