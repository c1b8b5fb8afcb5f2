// What Kefu sends out (webhook calls, emails and pushes), kept as rows so a restart loses none: each is
// tried at once, then again with growing pauses for a day, then marked failed. The console shows
// the recent ones with the last answer the other side gave.
import { and, desc, eq, inArray, lt, lte, ne } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { deliveries } from "../db/schema";

export type Delivery = typeof deliveries.$inferSelect;
export type DeliveryChannel = Delivery["channel"];

/** How long a delivery is tried before it is marked failed. */
export const giveUpAfterMs = 24 * 60 * 60 * 1000;
/** How long delivered and failed ones stay in the logs. */
export const keptForMs = 14 * 24 * 60 * 60 * 1000;
/** A delivery being sent is not picked again for this long (a crash mid-send retries after it). */
export const sendingLeaseMs = 60_000;
const firstRetryMs = 5_000;
const longestPauseMs = 2 * 60 * 60 * 1000;
/** How much of the other side's answer is kept for the console. */
export const responseExcerptLength = 300;

/** The pause after the `attempt`-th failed try: 5 s, 10 s, 20 s ... doubling up to 2 h. */
export function retryDelayMs(attempt: number): number {
  return Math.min(firstRetryMs * 2 ** Math.max(0, attempt - 1), longestPauseMs);
}

export interface NewDelivery {
  businessId: number;
  channel: DeliveryChannel;
  endpointId?: number | null;
  event: string;
  payload: string;
  recipient?: string | null;
}

export function enqueueDeliveries(db: Queryable, items: NewDelivery[], now = Date.now()): Delivery[] {
  if (!items.length) return [];
  return db
    .insert(deliveries)
    .values(items.map((item) => ({ ...item, nextAttemptAt: now, createdAt: now })))
    .returning()
    .all();
}

/**
 * The deliveries whose time has come, each claimed by one statement and leased so a slow send is
 * not started twice, by this runner or another process's. The claim's token is theirs to record with.
 */
export function takeDueDeliveries(db: Database, now: number, limit: number): Delivery[] {
  const isDue = and(eq(deliveries.status, "pending"), lte(deliveries.nextAttemptAt, now));
  // Read first: most rounds find nothing, and a write would wait for the write lock of every other
  // process. The claim takes only what is still due, so of two processes one gets each; when
  // another took all of these, the next due ones are read (each pass, somebody claimed some).
  for (;;) {
    const due = db.select({ id: deliveries.id }).from(deliveries).where(isDue).orderBy(deliveries.nextAttemptAt).limit(limit).all();
    if (due.length === 0) return [];
    const claimed = db
      .update(deliveries)
      .set({ nextAttemptAt: now + sendingLeaseMs, claimedBy: crypto.randomUUID() })
      .where(and(isDue, inArray(deliveries.id, due.map((row) => row.id))))
      .returning()
      .all();
    if (claimed.length > 0) return claimed;
  }
}

export interface AttemptOutcome {
  ok: boolean;
  /** HTTP status or SMTP reply code; null when nothing answered (network error, timeout). */
  code: number | null;
  response: string;
  /** Trying again cannot help (a push to a device that is gone): failed now. */
  final?: boolean;
}

/**
 * Notes one try: delivered, another try later, or failed once a day has gone by. Undefined when the
 * claim was lost (the lease ran out and the delivery was taken again): the newer try's outcome stands.
 */
export function recordAttempt(
  db: Queryable,
  delivery: Pick<Delivery, "id" | "attempts" | "createdAt" | "claimedBy">,
  outcome: AttemptOutcome,
  now = Date.now(),
): Delivery | undefined {
  const attempts = delivery.attempts + 1;
  const retryAt = now + retryDelayMs(attempts);
  const status = outcome.ok ? "delivered" : outcome.final || retryAt - delivery.createdAt > giveUpAfterMs ? "failed" : "pending";
  return db
    .update(deliveries)
    .set({
      status,
      attempts,
      nextAttemptAt: status === "pending" ? retryAt : null,
      lastCode: outcome.code,
      lastResponse: outcome.response.slice(0, responseExcerptLength),
      claimedBy: null,
    })
    .where(and(eq(deliveries.id, delivery.id), eq(deliveries.claimedBy, delivery.claimedBy ?? "")))
    .returning()
    .get();
}

/** The newest deliveries of one webhook endpoint, or of the business's emails; with `before`, those older than that id. */
export function recentDeliveries(
  db: Queryable,
  businessId: number,
  where: { endpointId: number } | { channel: DeliveryChannel },
  { limit = 20, before }: { limit?: number; before?: number } = {},
): Delivery[] {
  return db
    .select()
    .from(deliveries)
    .where(
      and(
        eq(deliveries.businessId, businessId),
        "endpointId" in where ? eq(deliveries.endpointId, where.endpointId) : eq(deliveries.channel, where.channel),
        before === undefined ? undefined : lt(deliveries.id, before),
      ),
    )
    .orderBy(desc(deliveries.id))
    .limit(limit)
    .all();
}

/** Forgets delivered and failed deliveries older than the logs keep; says how many went. */
export function pruneDeliveries(db: Queryable, now = Date.now()): number {
  return db
    .delete(deliveries)
    .where(and(lt(deliveries.createdAt, now - keptForMs), ne(deliveries.status, "pending")))
    .returning({ id: deliveries.id })
    .all().length;
}
