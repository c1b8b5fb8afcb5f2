// The conversation lists beyond the workspace's sidebar: mine, waiting, every open one (owners
// and admins), and the closed ones with filters. Each is read one page at a time by keyset, in
// the order of an index (migration 0007), so a page costs the same with 100 conversations or
// 100,000: no OFFSET, no COUNT(*).
import { isCalendarDate } from "./hours";
import { and, desc, eq, gte, isNotNull, isNull, lt, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Queryable } from "../db/client";
import { agents, conversations, messages, visitors } from "../db/schema";
import type { Actor } from "./agents";
import { waitingFor } from "./assignment";
import type { Conversation } from "./conversations";
import { ValidationError } from "./errors";
import { limits } from "./limits";
import type { Message } from "./messages";
import { maySeeAllConversations } from "./permissions";

export const conversationLists = ["closed", "open", "mine", "waiting"] as const;
export type ConversationListName = (typeof conversationLists)[number];

/** "All open" shows every agent's conversations: owners and admins only. */
export function mayViewList(viewer: Pick<Actor, "role">, list: ConversationListName): boolean {
  return list !== "open" || maySeeAllConversations(viewer);
}

export type RatingFilter = 1 | 2 | 3 | 4 | 5 | "rated" | "unrated";

/** The closed list's filters, as typed in its form; dates are days on the shop's calendar. */
export interface ClosedFilters {
  agentId?: number;
  /** "2026-03-01": closed on or after the start of that day, in the business's time zone. */
  from?: string;
  /** "2026-03-31": closed before the end of that day, in the business's time zone. */
  to?: string;
  rating?: RatingFilter;
}

export interface ConversationListItem {
  conversation: Conversation;
  visitorName: string | null;
  agentName: string | null;
  lastBody: string | null;
  lastSender: Message["sender"] | null;
  lastMeta: Message["meta"];
  lastAt: number | null;
  /** The last thing the visitor or an agent wrote (a closed conversation's last message is "closed"). */
  lastWords: string | null;
}

export interface ConversationListPage {
  items: ConversationListItem[];
  /** The cursor of the next page, or null on the last one. */
  next: string | null;
}

const dayPattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight at the start of `day` on the wall clock of `timezone`, as epoch milliseconds. */
export function startOfDay(day: string, timezone: string): number {
  const [, year, month, date] = dayPattern.exec(day)!.map(Number) as [number, number, number, number];
  const wall = Date.UTC(year, month - 1, date);
  const offsetAt = (instant: number) => {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).formatToParts(instant);
    const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
    return Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second")) - instant;
  };
  // The offset at the guess, then at the corrected instant: right across a DST change too.
  const first = wall - offsetAt(wall);
  return wall - offsetAt(first);
}

/** A real day, in years a shop's history can hold. */
function isCalendarDay(day: string): boolean {
  return isCalendarDate(day) && Number(day.slice(0, 4)) >= 2000;
}

/** Checks the closed list's date range; throws ValidationError naming `from` or `to`. */
export function checkClosedFilters(filters: ClosedFilters): void {
  for (const field of ["from", "to"] as const) {
    const day = filters[field];
    if (day !== undefined && !isCalendarDay(day)) throw new ValidationError({ [field]: { key: "lists.badDate" } });
  }
  if (filters.from && filters.to && filters.from > filters.to) throw new ValidationError({ to: { key: "lists.badRange" } });
}

function nextDay(day: string): string {
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date + 1)).toISOString().slice(0, 10);
}

/** Open lists page on the last message id; the closed list on (closed at, id). */
export function parseCursor(list: ConversationListName, cursor: string): { lastMessageId: number } | { closedAt: number; id: number } | null {
  const match = list === "closed" ? /^(\d{1,15})\.(\d{1,15})$/.exec(cursor) : /^(\d{1,15})$/.exec(cursor);
  if (!match) return null;
  return list === "closed" ? { closedAt: Number(match[1]), id: Number(match[2]) } : { lastMessageId: Number(match[1]) };
}

const assignedAgent = alias(agents, "assigned_agent");

function itemQuery(db: Queryable) {
  return db
    .select({
      conversation: conversations,
      visitorName: visitors.name,
      agentName: assignedAgent.displayName,
      lastBody: messages.body,
      lastSender: messages.sender,
      lastMeta: messages.meta,
      lastAt: messages.createdAt,
      // Walks the (conversation, id) index back from the end past the system events.
      lastWords: sql<string | null>`(SELECT p.body FROM messages p WHERE p.conversation_id = ${conversations.id} AND p.sender <> 'system' ORDER BY p.id DESC LIMIT 1)`,
    })
    .from(conversations)
    .innerJoin(visitors, eq(visitors.id, conversations.visitorId))
    .leftJoin(assignedAgent, eq(assignedAgent.id, conversations.agentId))
    .leftJoin(messages, eq(messages.id, conversations.lastMessageId));
}

function ratingCondition(rating: RatingFilter | undefined): SQL | undefined {
  if (rating === undefined) return undefined;
  if (rating === "rated") return isNotNull(conversations.rating);
  if (rating === "unrated") return isNull(conversations.rating);
  return eq(conversations.rating, rating);
}

/**
 * One page of a list for `viewer`, newest activity first (the closed list: most recently closed
 * first). The caller checks `mayViewList` and, for the closed list, `checkClosedFilters`;
 * `timezone` is the business's, in which the date filters are days.
 */
export function conversationListPage(
  db: Queryable,
  viewer: Pick<Actor, "id" | "businessId">,
  list: ConversationListName,
  options: { cursor?: string; filters?: ClosedFilters; timezone?: string } = {},
  limit: number = limits.conversationListPage,
): ConversationListPage {
  const cursor = options.cursor === undefined ? null : parseCursor(list, options.cursor);
  const inBusiness = eq(conversations.businessId, viewer.businessId);
  if (list === "closed") {
    const filters = options.filters ?? {};
    const timezone = options.timezone ?? "UTC";
    const after = cursor && "closedAt" in cursor ? cursor : null;
    const rows = itemQuery(db)
      .where(
        and(
          inBusiness,
          eq(conversations.status, "closed"),
          filters.agentId === undefined ? undefined : eq(conversations.agentId, filters.agentId),
          ratingCondition(filters.rating),
          filters.from ? gte(conversations.closedAt, startOfDay(filters.from, timezone)) : undefined,
          filters.to ? lt(conversations.closedAt, startOfDay(nextDay(filters.to), timezone)) : undefined,
          // A row value, so the index range starts at the cursor instead of filtering up to it.
          after ? sql`(${conversations.closedAt}, ${conversations.id}) < (${after.closedAt}, ${after.id})` : undefined,
        ),
      )
      .orderBy(desc(conversations.closedAt), desc(conversations.id))
      .limit(limit + 1)
      .all();
    const items = rows.slice(0, limit);
    const last = items.at(-1)?.conversation;
    return { items, next: rows.length > limit && last ? `${last.closedAt ?? 0}.${last.id}` : null };
  }
  const before = cursor && "lastMessageId" in cursor ? lt(conversations.lastMessageId, cursor.lastMessageId) : undefined;
  const which: Record<Exclude<ConversationListName, "closed">, SQL | undefined> = {
    mine: and(eq(conversations.agentId, viewer.id), eq(conversations.status, "open")),
    waiting: and(eq(conversations.status, "queued"), waitingFor(viewer.id)),
    open: eq(conversations.status, "open"),
  };
  const rows = itemQuery(db)
    .where(and(inBusiness, which[list], before))
    .orderBy(desc(conversations.lastMessageId))
    .limit(limit + 1)
    .all();
  const items = rows.slice(0, limit);
  const last = items.at(-1)?.conversation;
  return { items, next: rows.length > limit && last?.lastMessageId ? String(last.lastMessageId) : null };
}

/** Whether a cursor is well-formed for the list (the route answers 400 otherwise). */
export function isCursor(list: ConversationListName, cursor: string): boolean {
  return parseCursor(list, cursor) !== null;
}
