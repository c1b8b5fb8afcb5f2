// Reports (报表): what a shop's conversations in a range of local days add up to, in total, by
// agent and by group, per day and by hour of the week. One read of the range's conversations
// (by the index on when they started) and their tallies; everything else is counted here.
//
// How each figure is counted (the page says the same in words):
// - started: conversations opened in the range; a conversation belongs to the day it opened.
// - answered: an agent replied at least once. missed: closed with no agent reply (the visitor
//   left while waiting, or it was closed unanswered) and no answer of the shop's own (its bot's,
//   a picked FAQ's). One still waiting is neither yet.
// - first response: first agent reply − opened; queue wait: first agent joined − opened;
//   duration: closed − opened.
// - by agent: the agent who has (or last had) the conversation; a transferred one counts for
//   the agent it went to. By group: the group it was (last) routed to.
// - automatic answers: the answers the shop gave by itself (its bot's, a picked FAQ's); asked for a person: conversations in which the
//   visitor pressed "Talk to a person" (most often one opened by it, after answers in an earlier one).
// - ratings: 1 to 5 stars (ratings.ts); CSAT is the share of 4 and 5 stars among rated ones.
// - to compare: the totals of as many days just before the range, with the same filter.
// - triggers: the whole shop's, shown and answered both counted on the day the message was shown.
import { and, eq, gte, lt, sql } from "drizzle-orm";
import type { Queryable } from "../db/client";
import { agents, groups, offlineMessages } from "../db/schema";
import { type Tally, tallyProgress, tallyTail } from "./conversation-tallies";
import { NotFoundError } from "./errors";
import { localSlots, previousRange, type ReportRange } from "./report-range";
import { maxStars } from "./ratings";

/** Stars counted as a satisfied visitor for CSAT. */
export const goodStars = 4;

export interface ReportFilter {
  agentId?: number;
  groupId?: number;
}

export interface Figures {
  started: number;
  answered: number;
  missed: number;
  /** Milliseconds; null when nothing was measured. */
  firstResponseMedian: number | null;
  firstResponseP90: number | null;
  queueWaitMedian: number | null;
  durationMedian: number | null;
  rated: number;
  ratingAverage: number | null;
  /** How many conversations got 1, 2, … 5 stars (index 0 is one star). */
  ratingCounts: number[];
  /** Share of good ratings, 0 to 100; null with no ratings. */
  csat: number | null;
  visitorMessages: number;
  agentMessages: number;
  /** Answers the shop's bot gave, and conversations in which the visitor then asked for a person. */
  automaticAnswers: number;
  personRequests: number;
}

export interface ReportRow {
  /** Null: conversations no agent (or no group) had. */
  id: number | null;
  name: string;
  figures: Figures;
}

export interface DailyRow {
  date: string;
  started: number;
  answered: number;
  missed: number;
  firstResponseMedian: number | null;
}

export interface Report {
  range: ReportRange;
  timezone: string;
  filter: ReportFilter;
  totals: Figures;
  /** Leave-a-message items left in the range: the whole shop's, a message left has no agent or group. */
  offlineMessages: number;
  /** The same figures for as many days just before the range, to compare. */
  previous: { range: ReportRange; totals: Figures; offlineMessages: number };
  byAgent: ReportRow[];
  byGroup: ReportRow[];
  daily: DailyRow[];
  /** Conversations started, [weekday 0 = Sunday][hour 0–23], on the shop's clock. */
  heatmap: number[][];
  /** Each of the shop's triggers: how often its message was shown in the range, and the conversations it started. */
  triggers: TriggerFigures[];
}

export interface TriggerFigures {
  id: number;
  name: string;
  shown: number;
  started: number;
}

interface ConversationFacts extends Tally {
  agentId: number | null;
  groupId: number | null;
  openedAt: number;
  assignedAt: number | null;
  firstResponseAt: number | null;
  closedAt: number | null;
  rating: number | null;
}

/** The filter's agent and group, each only if it is this shop's: another shop's id is not found. */
function checkFilter(db: Queryable, businessId: number, filter: ReportFilter): ReportFilter {
  if (filter.agentId !== undefined && !db.select({ id: agents.id }).from(agents).where(and(eq(agents.businessId, businessId), eq(agents.id, filter.agentId))).get()) {
    throw new NotFoundError("agent");
  }
  if (filter.groupId !== undefined && !db.select({ id: groups.id }).from(groups).where(and(eq(groups.businessId, businessId), eq(groups.id, filter.groupId))).get()) {
    throw new NotFoundError("group");
  }
  return filter;
}

function readConversations(db: Queryable, businessId: number, range: ReportRange, filter: ReportFilter): ConversationFacts[] {
  const byAgent = filter.agentId === undefined ? sql`` : sql` AND c.agent_id = ${filter.agentId}`;
  const byGroup = filter.groupId === undefined ? sql`` : sql` AND c.group_id = ${filter.groupId}`;
  return db.all<ConversationFacts>(sql`SELECT c.id, c.agent_id AS agentId, c.group_id AS groupId, c.created_at AS openedAt,
      c.assigned_at AS assignedAt, c.first_response_at AS firstResponseAt, c.closed_at AS closedAt, c.rating,
      coalesce(t.visitor_messages, 0) AS visitorMessages, coalesce(t.agent_messages, 0) AS agentMessages, t.first_joined_at AS firstJoinedAt,
      coalesce(t.automatic_answers, 0) AS automaticAnswers, coalesce(t.person_requested, 0) AS personRequested
    FROM conversations c LEFT JOIN conversation_tallies t ON t.conversation_id = c.id
    WHERE c.business_id = ${businessId} AND c.created_at >= ${range.start} AND c.created_at < ${range.end}${byAgent}${byGroup}`);
}

/** The range's conversations with their tallies, and the untallied `tail` added. */
function conversationsIn(tx: Queryable, businessId: number, range: ReportRange, filter: ReportFilter, tail: Map<number, Tally>): ConversationFacts[] {
  const conversations = readConversations(tx, businessId, range, filter);
  for (const facts of conversations as (ConversationFacts & { id: number })[]) {
    const more = tail.get(facts.id);
    if (!more) continue;
    facts.visitorMessages += more.visitorMessages;
    facts.agentMessages += more.agentMessages;
    facts.firstJoinedAt ??= more.firstJoinedAt;
    facts.automaticAnswers += more.automaticAnswers;
    facts.personRequested = Math.max(facts.personRequested, more.personRequested);
  }
  return conversations;
}

function offlineMessagesIn(tx: Queryable, businessId: number, range: ReportRange): number {
  const [left] = tx
    .select({ count: sql<number>`count(*)` })
    .from(offlineMessages)
    .where(and(eq(offlineMessages.businessId, businessId), gte(offlineMessages.createdAt, range.start), lt(offlineMessages.createdAt, range.end)))
    .all();
  return left?.count ?? 0;
}

/**
 * The report of one shop for a range, with the totals of as many days just before it to compare;
 * read in one snapshot, so the tallies and their tail agree.
 */
export function buildReport(db: Queryable, business: { id: number; timezone: string }, range: ReportRange, filter: ReportFilter = {}): Report {
  return db.transaction((tx) => {
    checkFilter(tx, business.id, filter);
    // Messages no batch has tallied yet (seconds' worth): added here, so today is complete.
    const tail = tallyTail(tx, tallyProgress(tx));
    const conversations = conversationsIn(tx, business.id, range, filter, tail);
    const before = previousRange(business.timezone, range);
    const agentNames = new Map(tx.select({ id: agents.id, name: agents.displayName }).from(agents).where(eq(agents.businessId, business.id)).all().map((a) => [a.id, a.name]));
    const groupNames = new Map(tx.select({ id: groups.id, name: groups.name }).from(groups).where(eq(groups.businessId, business.id)).all().map((g) => [g.id, g.name]));
    return {
      range,
      timezone: business.timezone,
      filter,
      totals: figuresOf(conversations),
      offlineMessages: offlineMessagesIn(tx, business.id, range),
      previous: {
        range: before,
        totals: figuresOf(conversationsIn(tx, business.id, before, filter, tail)),
        offlineMessages: offlineMessagesIn(tx, business.id, before),
      },
      byAgent: rowsBy(conversations, (c) => c.agentId, agentNames),
      byGroup: rowsBy(conversations, (c) => c.groupId, groupNames),
      ...byLocalTime(conversations, business.timezone, range),
      triggers: triggersIn(tx, business.id, range),
    };
  }, { behavior: "deferred" });
}

/** From the per-day tallies (trigger-showings.ts): a few rows per trigger, whatever the traffic. */
function triggersIn(tx: Queryable, businessId: number, range: ReportRange): TriggerFigures[] {
  return tx.all<TriggerFigures>(sql`SELECT tr.id, tr.name, coalesce(sum(ta.shown), 0) AS shown, coalesce(sum(ta.started), 0) AS started
    FROM triggers tr LEFT JOIN trigger_tallies ta ON ta.trigger_id = tr.id AND ta.day >= ${range.from} AND ta.day <= ${range.to}
    WHERE tr.business_id = ${businessId} GROUP BY tr.id ORDER BY tr.id`);
}

function rowsBy(conversations: ConversationFacts[], key: (c: ConversationFacts) => number | null, names: Map<number, string>): ReportRow[] {
  const grouped = new Map<number | null, ConversationFacts[]>();
  for (const conversation of conversations) {
    // One whose agent or group was deleted since is counted with those that had none.
    const id = key(conversation);
    const known = id !== null && names.has(id) ? id : null;
    const rows = grouped.get(known);
    if (rows) rows.push(conversation);
    else grouped.set(known, [conversation]);
  }
  return [...grouped]
    .map(([id, rows]) => ({ id, name: id === null ? "" : names.get(id)!, figures: figuresOf(rows) }))
    .sort((a, b) => (a.id === null ? 1 : b.id === null ? -1 : b.figures.started - a.figures.started || a.name.localeCompare(b.name)));
}

function byLocalTime(conversations: ConversationFacts[], timezone: string, range: ReportRange): Pick<Report, "daily" | "heatmap"> {
  const slotOf = localSlots(timezone);
  const heatmap = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  const byDay = new Map<string, ConversationFacts[]>(range.days.map((day) => [day, []]));
  for (const conversation of conversations) {
    const slot = slotOf(conversation.openedAt);
    heatmap[slot.weekday]![slot.hour]!++;
    byDay.get(slot.date)?.push(conversation);
  }
  const daily = range.days.map((date) => {
    const figures = figuresOf(byDay.get(date)!);
    return { date, started: figures.started, answered: figures.answered, missed: figures.missed, firstResponseMedian: figures.firstResponseMedian };
  });
  return { daily, heatmap };
}

function figuresOf(conversations: ConversationFacts[]): Figures {
  const firstResponses: number[] = [];
  const waits: number[] = [];
  const durations: number[] = [];
  const ratingCounts = new Array<number>(maxStars).fill(0);
  let answered = 0;
  let missed = 0;
  let visitorMessages = 0;
  let agentMessages = 0;
  let automaticAnswers = 0;
  let personRequests = 0;
  for (const c of conversations) {
    if (c.firstResponseAt !== null) {
      answered++;
      firstResponses.push(c.firstResponseAt - c.openedAt);
      // One the shop answered by itself (its bot, a picked FAQ) and nobody was asked to take was not missed.
    } else if (c.closedAt !== null && c.automaticAnswers === 0) missed++;
    const joined = c.firstJoinedAt ?? c.assignedAt;
    if (joined !== null) waits.push(joined - c.openedAt);
    if (c.closedAt !== null) durations.push(c.closedAt - c.openedAt);
    if (c.rating !== null && c.rating >= 1 && c.rating <= maxStars) ratingCounts[c.rating - 1]!++;
    visitorMessages += c.visitorMessages;
    agentMessages += c.agentMessages;
    automaticAnswers += c.automaticAnswers;
    personRequests += c.personRequested;
  }
  const rated = ratingCounts.reduce((sum, n) => sum + n, 0);
  const starSum = ratingCounts.reduce((sum, n, i) => sum + n * (i + 1), 0);
  const good = ratingCounts.slice(goodStars - 1).reduce((sum, n) => sum + n, 0);
  // Typed arrays sort numbers natively, several times faster than a comparator on a month's thousands.
  const sortedResponses = Float64Array.from(firstResponses).sort();
  return {
    started: conversations.length,
    answered,
    missed,
    firstResponseMedian: percentile(sortedResponses, 50),
    firstResponseP90: percentile(sortedResponses, 90),
    queueWaitMedian: percentile(Float64Array.from(waits).sort(), 50),
    durationMedian: percentile(Float64Array.from(durations).sort(), 50),
    rated,
    ratingAverage: rated ? starSum / rated : null,
    ratingCounts,
    csat: rated ? (good / rated) * 100 : null,
    visitorMessages,
    agentMessages,
    automaticAnswers,
    personRequests,
  };
}

/** Nearest rank on sorted values: the median of 1, 2, 3, 4 is 2, a value that happened. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
