// Visitors need no account: the chat page gives each browser a random token (kept in a cookie)
// and we store only its keyed hash. Every lookup is scoped to one business. The token is signed
// for its business, so that a browser can hold one before any row exists: the visitor is stored
// when they first connect or write, never because a page was fetched (a script fetching the chat
// page without a cookie made 31,000 visitors a minute).
import { and, desc, eq, getTableColumns, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { agents, visitors } from "../db/schema";
import { recordAudit } from "./audit";
import { isStorageFull, NotFoundError, ValidationError } from "./errors";
import { limits } from "./limits";
import { keyedHash, randomToken } from "./tokens";

type VisitorRow = typeof visitors.$inferSelect;
export type Visitor = Omit<VisitorRow, "tokenHash">;

const { tokenHash: _hash, ...columns } = getTableColumns(visitors);
/** Every column but the token's keyed hash: what a query of visitors may hand on. */
export const publicColumns = columns;

export interface VisitContext {
  ip: string | null;
  userAgent: string | null;
  page: string | null;
}

const clip = (value: string | null, length: number) => (value ? value.slice(0, length) : null);

/** A new visitor token for a business: random, with a signature that says Kefu made it for that business. */
export function newVisitorToken(secret: string, businessId: number): string {
  const random = randomToken(24);
  return `${random}.${signature(secret, businessId, random)}`;
}

function signature(secret: string, businessId: number, random: string): string {
  return keyedHash(secret, `visitor:${businessId}:${random}`).slice(0, 32);
}

/** Whether Kefu made this token for this business (newVisitorToken), row or no row. */
export function isVisitorToken(secret: string, businessId: number, token: string): boolean {
  const [random, signed, extra] = token.split(".");
  return extra === undefined && !!random && signed === signature(secret, businessId, random);
}

/** Stores the visitor a signed token stands for; the one stored already if another request won the race. */
export function storeVisitor(db: Database, secret: string, businessId: number, token: string, visit: VisitContext): Visitor {
  const tokenHash = keyedHash(secret, token);
  const row = db
    .insert(visitors)
    .values({
      businessId,
      externalId: `anon-${randomToken(12)}`,
      tokenHash,
      lastIp: visit.ip,
      userAgent: clip(visit.userAgent, 300),
      currentPage: clip(visit.page, 1000),
    })
    .onConflictDoNothing()
    .returning(publicColumns)
    .get();
  return row ?? findVisitorByToken(db, secret, businessId, token)!;
}

/** A new visitor with its token, stored at once (the CLI's and the tests' way to make one). */
export function createAnonymousVisitor(db: Database, secret: string, businessId: number, visit: VisitContext): { visitor: Visitor; token: string } {
  const token = newVisitorToken(secret, businessId);
  return { visitor: storeVisitor(db, secret, businessId, token, visit), token };
}

export function findVisitorByToken(db: Database, secret: string, businessId: number, token: string): Visitor | undefined {
  return db
    .select(publicColumns)
    .from(visitors)
    .where(and(eq(visitors.businessId, businessId), eq(visitors.tokenHash, keyedHash(secret, token))))
    .get();
}

export function findVisitor(db: Queryable, businessId: number, visitorId: number): Visitor | undefined {
  return db
    .select(publicColumns)
    .from(visitors)
    .where(and(eq(visitors.businessId, businessId), eq(visitors.id, visitorId)))
    .get();
}

/** A returning visitor: count the visit and remember where they are now. */
export function recordVisit(db: Database, visitorId: number, visit: VisitContext): void {
  try {
    db.update(visitors)
      .set({
        lastSeenAt: Date.now(),
        visitCount: sql`${visitors.visitCount} + 1`,
        lastIp: visit.ip,
        userAgent: clip(visit.userAgent, 300),
        currentPage: clip(visit.page, 1000),
      })
      .where(eq(visitors.id, visitorId))
      .run();
  } catch (error) {
    // A page view is worth a row only when there is room for it: on a full disk the visitor
    // still reads their conversation.
    if (!isStorageFull(error)) throw error;
  }
}

/**
 * Blocks a visitor of the actor's business (黑名单): their page says only that chat is
 * unavailable and their messages are refused. The reason is for the team, never shown to them.
 */
export function blockVisitor(db: Queryable, actor: { id: number; businessId: number }, visitorId: number, reason: string): Visitor {
  return setBlocked(db, actor, visitorId, { blocked: true, blockedReason: checkBlockReason(reason), blockedBy: actor.id }, "visitor.blocked");
}

/** A block's reason, trimmed (null when empty); one rule for blocked visitors and blocked IPs. */
export function checkBlockReason(reason: string): string | null {
  const trimmed = reason.trim();
  if (Array.from(trimmed).length > limits.blockReasonLength) {
    throw new ValidationError({ reason: { key: "error.reason.tooLong", params: { max: limits.blockReasonLength } } });
  }
  return trimmed || null;
}

export function unblockVisitor(db: Database, actor: { id: number; businessId: number }, visitorId: number): Visitor {
  return setBlocked(db, actor, visitorId, { blocked: false, blockedReason: null, blockedBy: null }, "visitor.unblocked");
}

function setBlocked(
  db: Queryable,
  actor: { id: number; businessId: number },
  visitorId: number,
  change: Pick<VisitorRow, "blocked" | "blockedReason" | "blockedBy">,
  action: string,
): Visitor {
  return db.transaction((tx) => {
    const updated = tx
      .update(visitors)
      .set(change)
      .where(and(eq(visitors.businessId, actor.businessId), eq(visitors.id, visitorId)))
      .returning(publicColumns)
      .get();
    if (!updated) throw new NotFoundError("visitor");
    recordAudit(tx, actor, action, `visitor:${visitorId}`, change.blockedReason ? { reason: change.blockedReason } : undefined);
    return updated;
  }, { behavior: "immediate" });
}

/** The business's blocked visitors, most recently seen first, with who blocked them. */
export function listBlocked(db: Database, businessId: number) {
  return db
    .select({ visitor: publicColumns, blockedByName: agents.displayName })
    .from(visitors)
    .leftJoin(agents, eq(agents.id, visitors.blockedBy))
    .where(and(eq(visitors.businessId, businessId), eq(visitors.blocked, true)))
    .orderBy(desc(visitors.lastSeenAt))
    .limit(500)
    .all();
}
