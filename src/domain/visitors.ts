// Visitors need no account: the chat page gives each browser a random token (kept in a cookie)
// and we store only its keyed hash. Every lookup is scoped to one business.
import { and, eq, getTableColumns, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { visitors } from "../db/schema";
import { keyedHash, randomToken } from "./tokens";

type VisitorRow = typeof visitors.$inferSelect;
export type Visitor = Omit<VisitorRow, "tokenHash">;

const { tokenHash: _hash, ...publicColumns } = getTableColumns(visitors);

export interface VisitContext {
  ip: string | null;
  userAgent: string | null;
  page: string | null;
}

const clip = (value: string | null, length: number) => (value ? value.slice(0, length) : null);

export function createAnonymousVisitor(
  db: Database,
  secret: string,
  businessId: number,
  visit: VisitContext,
): { visitor: Visitor; token: string } {
  const token = randomToken();
  const row = db
    .insert(visitors)
    .values({
      businessId,
      externalId: `anon-${randomToken(12)}`,
      tokenHash: keyedHash(secret, token),
      lastIp: visit.ip,
      userAgent: clip(visit.userAgent, 300),
      currentPage: clip(visit.page, 1000),
    })
    .returning(publicColumns)
    .get();
  return { visitor: row, token };
}

export function findVisitorByToken(db: Database, secret: string, businessId: number, token: string): Visitor | undefined {
  return db
    .select(publicColumns)
    .from(visitors)
    .where(and(eq(visitors.businessId, businessId), eq(visitors.tokenHash, keyedHash(secret, token))))
    .get();
}

export function findVisitor(db: Database, businessId: number, visitorId: number): Visitor | undefined {
  return db
    .select(publicColumns)
    .from(visitors)
    .where(and(eq(visitors.businessId, businessId), eq(visitors.id, visitorId)))
    .get();
}

/** A returning visitor: count the visit and remember where they are now. */
export function recordVisit(db: Database, visitorId: number, visit: VisitContext): void {
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
}
