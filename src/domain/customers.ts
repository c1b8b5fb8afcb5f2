// Customers (客户): the visitors who told us who they are, or whom the host site named, with what
// the team needs to find one (name, email, phone, external id), filter them (tag, last seen) and
// order them (last seen, conversations). A page is read by keyset in the order of a partial index
// on customers only (migration 0010), so it costs the same with 100 customers or 100,000: no
// OFFSET, no COUNT(*). Every read starts from the agent's business (invariant 4).
import { type SQL, sql } from "drizzle-orm";
import type { Queryable } from "../db/client";
import { isCustomer } from "../db/schema";
import { startOfDay } from "./conversation-lists";
import { ValidationError } from "./errors";
import { limits } from "./limits";
import { normalizeTag } from "./visitor-profile";
import { likeAll, type SearchQuery, visitorText } from "./search";

export const customerOrders = ["seen", "conversations"] as const;
export type CustomerOrder = (typeof customerOrders)[number];

export const lastSeenRanges = ["today", "week", "month", "older"] as const;
export type LastSeenRange = (typeof lastSeenRanges)[number];

export interface CustomerFilters {
  /** Words that must all be in the name, email, phone or external id. */
  search?: SearchQuery;
  tag?: string;
  seen?: LastSeenRange;
}

export interface CustomerListItem {
  id: number;
  name: string | null;
  email: string | null;
  phone: string | null;
  /** The host site's id for them; null for the ids Kefu made up. */
  externalId: string | null;
  verified: boolean;
  blocked: boolean;
  lastSeenAt: number;
  conversationCount: number;
  tags: string[];
}

export interface CustomerPage {
  items: CustomerListItem[];
  /** The cursor of the next page, or null on the last one. */
  next: string | null;
}

const day = 24 * 60 * 60 * 1000;

/** Today's date on the wall clock of `timezone`, as "2026-03-01". */
function today(timezone: string, now: number): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

/** The last-seen range as a condition; "today" is the shop's day, the others count back from now. */
function seenCondition(range: LastSeenRange | undefined, timezone: string, now: number): SQL | undefined {
  switch (range) {
    case "today":
      return sql`v.last_seen_at >= ${startOfDay(today(timezone, now), timezone)}`;
    case "week":
      return sql`v.last_seen_at >= ${now - 7 * day}`;
    case "month":
      return sql`v.last_seen_at >= ${now - 30 * day}`;
    case "older":
      return sql`v.last_seen_at < ${now - 30 * day}`;
    default:
      return undefined;
  }
}

function searchCondition(search: SearchQuery | undefined): SQL | undefined {
  if (!search || search.terms.length === 0) return undefined;
  const indexed = search.match === null ? sql`` : sql` AND v.id IN (SELECT rowid FROM visitors_fts WHERE visitors_fts MATCH ${search.match})`;
  // A short word (under 3 characters) cannot use the trigram index: it is looked for in the
  // same columns, as the search page does.
  return sql`1${indexed}${likeAll(visitorText, search.shortPatterns)}`;
}

/** Keyset cursors: "seen" pages on (last seen, id), "conversations" on (count, last seen, id). */
function parseCursor(order: CustomerOrder, cursor: string): number[] | null {
  const pattern = order === "seen" ? /^(\d{1,15})\.(\d{1,15})$/ : /^(\d{1,15})\.(\d{1,15})\.(\d{1,15})$/;
  const match = pattern.exec(cursor);
  return match ? match.slice(1).map(Number) : null;
}

/** Whether a cursor is well-formed for the order (the route answers 400 otherwise). */
export function isCustomerCursor(order: CustomerOrder, cursor: string): boolean {
  return parseCursor(order, cursor) !== null;
}

/** A tag to filter by, as tags are stored; throws ValidationError (field `tag`) when it cannot be one. */
export function customerTagFilter(tag: string): string | undefined {
  if (!tag.trim()) return undefined;
  const { tag: normalized, problem } = normalizeTag(tag);
  if (problem) throw new ValidationError({ tag: problem });
  return normalized;
}

interface Row extends Omit<CustomerListItem, "tags" | "verified" | "blocked"> {
  verified: number;
  blocked: number;
}

/**
 * One page of the business's customers, most recently seen (or most conversations) first.
 * `timezone` is the business's, in which "today" is a day.
 */
export function customerPage(
  db: Queryable,
  businessId: number,
  options: { order?: CustomerOrder; filters?: CustomerFilters; cursor?: string; timezone?: string; now?: number } = {},
  limit: number = limits.customerPage,
): CustomerPage {
  const order = options.order ?? "seen";
  const filters = options.filters ?? {};
  const after = options.cursor === undefined ? null : parseCursor(order, options.cursor);
  const keys = order === "seen" ? sql`v.last_seen_at, v.id` : sql`v.conversation_count, v.last_seen_at, v.id`;
  const conditions = [
    sql`v.business_id = ${businessId}`,
    // The same text as the partial indexes' WHERE (only then does SQLite use them); its columns
    // are v's, the only table at this level.
    sql.raw(isCustomer),
    seenCondition(filters.seen, options.timezone ?? "UTC", options.now ?? Date.now()),
    filters.tag === undefined ? undefined : sql`v.id IN (SELECT t.visitor_id FROM visitor_tags t WHERE t.business_id = ${businessId} AND t.tag = ${filters.tag})`,
    searchCondition(filters.search),
    // A row value, so the index range starts at the cursor instead of filtering up to it.
    after ? sql`(${keys}) < (${sql.join(after.map((value) => sql`${value}`), sql`, `)})` : undefined,
  ].filter((condition): condition is SQL => condition !== undefined);
  const descending = order === "seen" ? sql`v.last_seen_at DESC, v.id DESC` : sql`v.conversation_count DESC, v.last_seen_at DESC, v.id DESC`;
  const rows = db.all<Row>(sql`SELECT v.id AS id, v.name AS name, v.email AS email, v.phone AS phone,
      CASE WHEN v.external_id LIKE 'anon-%' THEN NULL ELSE v.external_id END AS externalId,
      v.verified AS verified, v.blocked AS blocked, v.last_seen_at AS lastSeenAt, v.conversation_count AS conversationCount
    FROM visitors v
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY ${descending}
    LIMIT ${limit + 1}`);
  const shown = rows.slice(0, limit);
  const tags = tagsOf(db, businessId, shown.map((row) => row.id));
  const items = shown.map((row) => ({ ...row, verified: Boolean(row.verified), blocked: Boolean(row.blocked), tags: tags.get(row.id) ?? [] }));
  const last = items.at(-1);
  const next = rows.length > limit && last ? (order === "seen" ? `${last.lastSeenAt}.${last.id}` : `${last.conversationCount}.${last.lastSeenAt}.${last.id}`) : null;
  return { items, next };
}

/** The tags of the visitors on one page, in one query. */
function tagsOf(db: Queryable, businessId: number, visitorIds: number[]): Map<number, string[]> {
  const byVisitor = new Map<number, string[]>();
  if (visitorIds.length === 0) return byVisitor;
  const rows = db.all<{ visitorId: number; tag: string }>(sql`SELECT visitor_id AS visitorId, tag FROM visitor_tags
    WHERE business_id = ${businessId} AND visitor_id IN (${sql.join(visitorIds.map((id) => sql`${id}`), sql`, `)}) ORDER BY tag`);
  for (const { visitorId, tag } of rows) {
    let tags = byVisitor.get(visitorId);
    if (!tags) byVisitor.set(visitorId, (tags = []));
    tags.push(tag);
  }
  return byVisitor;
}

export interface CustomerConversation {
  id: number;
  status: "queued" | "open" | "closed";
  openedAt: number;
  closedAt: number | null;
  rating: number | null;
  agentName: string | null;
  /** What the visitor (or, failing that, an agent) said first; null for a thread of events only. */
  firstLine: string | null;
}

export interface CustomerConversationPage {
  items: CustomerConversation[];
  /** The id to read on from (`before`), or null on the last page. */
  next: number | null;
}

/** One page of the visitor's conversations, newest first; the caller has found the visitor in its business. */
export function customerConversations(
  db: Queryable,
  businessId: number,
  visitorId: number,
  before?: number,
  limit: number = limits.customerConversationsPage,
): CustomerConversationPage {
  const rows = db.all<CustomerConversation>(sql`SELECT c.id AS id, c.status AS status, c.created_at AS openedAt, c.closed_at AS closedAt,
      c.rating AS rating, a.display_name AS agentName,
      (SELECT m.body FROM messages m WHERE m.conversation_id = c.id AND m.sender <> 'system' ORDER BY m.id LIMIT 1) AS firstLine
    FROM conversations c LEFT JOIN agents a ON a.id = c.agent_id
    WHERE c.business_id = ${businessId} AND c.visitor_id = ${visitorId} AND c.id < ${before ?? Number.MAX_SAFE_INTEGER}
    ORDER BY c.id DESC LIMIT ${limit + 1}`);
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? items.at(-1)!.id : null };
}
