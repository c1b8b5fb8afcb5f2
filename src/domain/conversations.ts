// Conversations: a visitor's exchange with the shop, queued until an agent has it, open while
// they talk, closed at the end. Agent-side reads start from the agent's business (invariant 4).
import { isWeChat } from "./user-agent";
import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, ne, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { prepared } from "../db/prepared";
import { alias } from "drizzle-orm/sqlite-core";
import { agents, businesses, conversations, groups, messages, visitors } from "../db/schema";
import { type Actor, agentDisplayName } from "./agents";
import { anyone, chooseAgent, drainQueue, hasRoom, samePool, serves, waitingFor } from "./assignment";
import { type BlockedIp, blockVisitorAndIp } from "./blocked-ips";
import { NotFoundError, RuleError, ValidationError } from "./errors";
import { limits } from "./limits";
import type { ConversationEvents, DomainEvents } from "./events";
import { insertGreeting } from "./greetings";
import { insertSystemMessage, type Message } from "./messages";
import { offerRatingOnClose } from "./ratings";
import { mayActOnConversation, mayAssignConversations, maySeeAllConversations } from "./permissions";
import { blockVisitor } from "./visitors";

export type Conversation = typeof conversations.$inferSelect;

/** The visitor's conversation that is not closed yet, if any. */
export function currentConversation(db: Queryable, visitorId: number): Conversation | undefined {
  return prepared(db, "currentConversation", (db) =>
    db
      .select()
      .from(conversations)
      .where(and(eq(conversations.visitorId, sql.placeholder("visitorId")), ne(conversations.status, "closed")))
      .orderBy(desc(conversations.id))
      .limit(1)
      .prepare(),
  ).get({ visitorId });
}

/** The open conversations an agent has. */
export function openConversationsOf(db: Queryable, agentId: number): Conversation[] {
  return db
    .select()
    .from(conversations)
    .where(and(eq(conversations.agentId, agentId), eq(conversations.status, "open")))
    .all();
}

/** The visitor's most recently closed conversation, if any. */
export function lastClosedConversation(db: Queryable, visitorId: number): Conversation | undefined {
  return db
    .select()
    .from(conversations)
    .where(and(eq(conversations.visitorId, visitorId), eq(conversations.status, "closed")))
    .orderBy(desc(conversations.id))
    .limit(1)
    .get();
}

/** The visitor's latest conversation started after `conversation`, if any: where a closed one's page points. */
export function newerConversation(db: Queryable, conversation: Pick<Conversation, "id" | "visitorId">): Conversation | undefined {
  return db
    .select()
    .from(conversations)
    .where(and(eq(conversations.visitorId, conversation.visitorId), gt(conversations.id, conversation.id)))
    .orderBy(desc(conversations.id))
    .limit(1)
    .get();
}

/** The conversation with this id in the business, if any: an agent's lookup, scoped (invariant 4). */
export function conversationOfBusiness(db: Queryable, businessId: number, conversationId: number): Conversation | undefined {
  return prepared(db, "conversationOfBusiness", (db) =>
    db
      .select()
      .from(conversations)
      .where(and(eq(conversations.businessId, sql.placeholder("businessId")), eq(conversations.id, sql.placeholder("conversationId"))))
      .prepare(),
  ).get({ businessId, conversationId });
}

export function findConversationForAgent(db: Queryable, businessId: number, conversationId: number): Conversation {
  const conversation = conversationOfBusiness(db, businessId, conversationId);
  if (!conversation) throw new NotFoundError("conversation");
  return conversation;
}

export interface ConversationSummary {
  conversation: Conversation;
  visitorName: string | null;
  /** The visitor's picture (visitor-avatar.ts shows only the ones Kefu keeps). */
  visitorAvatar: string | null;
  visitorBlocked: boolean;
  /** Where the visitor last came from, offered when an agent blocks them. */
  visitorIp: string | null;
  /** Who has it; null while it waits. */
  agentName: string | null;
  /** The visitor's last message, what the lists show: never the shop's greeting or its events. */
  visitorBody: string | null;
  visitorKind: Message["kind"] | null;
  /** When anything was last said or happened in it. */
  lastAt: number | null;
  /** The last thing in it was the shop's bot answering, or the visitor asking for a person (automatic-answers.ts). */
  lastBot: BotNote | null;
  /** While it waits: since when (its start, or its last return to the queue). */
  waitingSince: number | null;
  unread: number;
}

const unreadFromVisitor = sql<number>`(SELECT count(*) FROM ${messages} m WHERE m.conversation_id = ${conversations.id} AND m.sender = 'visitor' AND m.read_at IS NULL)`;
// Both walk the (conversation, id) index back from the end.
const lastFromVisitor = sql`(SELECT v.id FROM ${messages} v WHERE v.conversation_id = ${conversations.id} AND v.sender = 'visitor' ORDER BY v.id DESC LIMIT 1)`;
const queuedAgain = sql<number | null>`(SELECT q.created_at FROM ${messages} q WHERE q.conversation_id = ${conversations.id} AND q.sender = 'system' AND q.body IN ('requeued', 'transferred') ORDER BY q.id DESC LIMIT 1)`;
const waitingSince = sql<number | null>`CASE WHEN ${conversations.status} = 'queued' THEN coalesce(${queuedAgain}, ${conversations.openedAt}) END`;

const lastMessage = alias(messages, "last_message");
export type BotNote = "answered" | "personRequested";
// Read from the last message alone (joined already), as ConversationLines keeps it from each new one.
const lastBot = sql<BotNote | null>`CASE WHEN ${lastMessage.sender} = 'system' AND ${lastMessage.body} = 'personRequested' THEN 'personRequested'
  WHEN ${lastMessage.sender} = 'system' AND json_extract(${lastMessage.meta}, '$.auto') = 'answer' THEN 'answered' END`;

/** What a message says for a list's bot note, as `lastBot` reads it. */
export function botNoteOf(message: Pick<Message, "sender" | "body" | "meta">): BotNote | null {
  if (message.sender !== "system") return null;
  if (message.body === "personRequested") return "personRequested";
  return message.meta?.auto === "answer" ? "answered" : null;
}
const visitorMessage = alias(messages, "visitor_message");

function summaryQuery(db: Queryable) {
  return db
    .select({
      conversation: conversations,
      visitorName: visitors.name,
      visitorAvatar: visitors.avatar,
      visitorBlocked: visitors.blocked,
      visitorIp: visitors.lastIp,
      agentName: agents.displayName,
      visitorBody: visitorMessage.body,
      visitorKind: visitorMessage.kind,
      lastAt: lastMessage.createdAt,
      lastBot,
      waitingSince,
      unread: unreadFromVisitor,
    })
    .from(conversations)
    .innerJoin(visitors, eq(visitors.id, conversations.visitorId))
    .leftJoin(agents, eq(agents.id, conversations.agentId))
    .leftJoin(lastMessage, eq(lastMessage.id, conversations.lastMessageId))
    .leftJoin(visitorMessage, eq(visitorMessage.id, lastFromVisitor));
}

function summaries(db: Queryable, where: ReturnType<typeof and>, limit: number): ConversationSummary[] {
  return summaryQuery(db).where(where).orderBy(desc(conversations.lastMessageId)).limit(limit).all();
}

/** The agent's open conversations, most recent activity first. */
export function listAgentConversations(db: Queryable, agent: Pick<Actor, "id" | "businessId">, limit = 100) {
  return summaries(
    db,
    and(eq(conversations.businessId, agent.businessId), eq(conversations.agentId, agent.id), eq(conversations.status, "open")),
    limit,
  );
}

/** Conversations nobody has yet that the agent serves (see assignment.ts), oldest activity last. */
export function listWaiting(db: Queryable, agent: Pick<Actor, "id" | "businessId">, limit = 100) {
  return summaries(db, and(eq(conversations.businessId, agent.businessId), eq(conversations.status, "queued"), waitingFor(agent.id)), limit);
}

/** Every conversation of the business that is not closed (open or waiting): the managers' "All". */
export function listBusinessConversations(db: Queryable, businessId: number, limit = 100) {
  // The newest of each status first, each an ordered walk of its index (business, status, last
  // message): with `status <> 'closed'` SQLite summarized every open conversation before sorting.
  const newest = (status: Conversation["status"]) =>
    db
      .select({ id: conversations.id, last: conversations.lastMessageId })
      .from(conversations)
      .where(and(eq(conversations.businessId, businessId), eq(conversations.status, status)))
      .orderBy(desc(conversations.lastMessageId))
      .limit(limit)
      .all();
  const ids = [...newest("open"), ...newest("queued")]
    .sort((a, b) => (b.last ?? 0) - (a.last ?? 0))
    .slice(0, limit)
    .map((row) => row.id);
  return ids.length === 0 ? [] : summaries(db, inArray(conversations.id, ids), limit);
}

/** The workspace's lists as they are now: the agent's, those waiting for them, and everyone's (owners and admins). */
export interface InboxLists {
  mine: ConversationSummary[];
  waiting: ConversationSummary[];
  /** Every conversation not closed, for owners and admins; null for agents, who have no "All". */
  all: ConversationSummary[] | null;
  onlineVisitorIds: ReadonlySet<number>;
}

export function inboxLists(db: Queryable, agent: Pick<Actor, "id" | "businessId" | "role">, isOnline: (visitorId: number) => boolean): InboxLists {
  const mine = listAgentConversations(db, agent);
  const waiting = listWaiting(db, agent);
  const all = maySeeAllConversations(agent) ? listBusinessConversations(db, agent.businessId) : null;
  const visitorIds = [...mine, ...waiting, ...(all ?? [])].map((summary) => summary.conversation.visitorId);
  return { mine, waiting, all, onlineVisitorIds: new Set(visitorIds.filter(isOnline)) };
}

/** The line of every open conversation of an agent: what the lists' memory reads for their unread total. */
export function openSummariesOf(db: Queryable, agentId: number): ConversationSummary[] {
  return summaryQuery(db).where(and(eq(conversations.agentId, agentId), eq(conversations.status, "open"))).all();
}

export function summarize(db: Queryable, conversationId: number): ConversationSummary {
  return prepared(db, "summarize", (db) =>
    summaryQuery(db).where(eq(conversations.id, sql.placeholder("conversationId"))).prepare(),
  ).get({ conversationId })!;
}

export function unreadTotal(db: Queryable, agentId: number): number {
  const row = prepared(db, "unreadTotal", (db) =>
    db
      .select({ n: sql<number>`count(*)` })
      .from(messages)
      .where(
        and(
          inArray(
            messages.conversationId,
            db
              .select({ id: conversations.id })
              .from(conversations)
              .where(and(eq(conversations.agentId, sql.placeholder("agentId")), eq(conversations.status, "open"))),
          ),
          eq(messages.sender, "visitor"),
          isNull(messages.readAt),
        ),
      )
      .prepare(),
  ).get({ agentId });
  return row?.n ?? 0;
}

/** Which of the business's conversations a list shows; every field narrows it, none is required. */
export interface ConversationFilter {
  status?: Conversation["status"];
  agentId?: number;
  groupId?: number;
  visitorId?: number;
  /** Opened at or after this time (ms). */
  openedSince?: number;
  /** Opened before this time (ms). */
  openedUntil?: number;
}

/** One page of the business's conversations that match, newest id first, below `before` (keyset). */
export function conversationPage(db: Queryable, businessId: number, filter: ConversationFilter, before: number | undefined, limit: number) {
  const rows = db
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.businessId, businessId),
        filter.status === undefined ? undefined : eq(conversations.status, filter.status),
        filter.agentId === undefined ? undefined : eq(conversations.agentId, filter.agentId),
        filter.groupId === undefined ? undefined : eq(conversations.groupId, filter.groupId),
        filter.visitorId === undefined ? undefined : eq(conversations.visitorId, filter.visitorId),
        filter.openedSince === undefined ? undefined : gte(conversations.openedAt, filter.openedSince),
        filter.openedUntil === undefined ? undefined : lt(conversations.openedAt, filter.openedUntil),
        before === undefined ? undefined : lt(conversations.id, before),
      ),
    )
    .orderBy(desc(conversations.id))
    .limit(limit + 1)
    .all();
  const page = rows.slice(0, limit);
  return { conversations: page, next: rows.length > limit ? page[page.length - 1]!.id : null };
}

/** The name an event line shows for an agent ("" for one deleted since). */
const agentName = (db: Queryable, agentId: number): string => agentDisplayName(db, agentId) ?? "";

/**
 * Gives a waiting conversation to `agentId` and notes it in the thread, followed by the agent's
 * greeting if there is one. The UPDATE only matches a queued row, so of two agents taking the
 * same conversation at once exactly one wins.
 */
export function assignConversation(
  tx: Queryable,
  conversation: Conversation,
  agentId: number,
): { conversation: Conversation; messages: Message[] } | null {
  // Prepared (db/prepared.ts): every new conversation runs these.
  const assigned = prepared(tx, "assignConversation", (db) =>
    db
      .update(conversations)
      .set({ agentId: sql`${sql.placeholder("agentId")}`, status: "open", assignedAt: sql`${sql.placeholder("now")}` })
      .where(and(eq(conversations.id, sql.placeholder("conversationId")), eq(conversations.status, "queued")))
      .returning()
      .prepare(),
  ).get({ agentId, now: Date.now(), conversationId: conversation.id });
  if (!assigned) return null;
  prepared(tx, "agentAssignedAt", (db) =>
    db.update(agents).set({ lastAssignedAt: sql`${sql.placeholder("now")}` }).where(eq(agents.id, sql.placeholder("agentId"))).prepare(),
  ).run({ now: assigned.assignedAt, agentId });
  const name = agentName(tx, agentId);
  const added = [insertSystemMessage(tx, assigned, "joined", { agentId, agentName: name })];
  const greeting = insertGreeting(tx, assigned, agentId);
  if (greeting) added.push(greeting);
  return { conversation: { ...assigned, lastMessageId: added.at(-1)!.id }, messages: added };
}

export function takeConversation(db: Database, events: ConversationEvents, agent: Actor, conversationId: number): Conversation {
  const result = db.transaction((tx) => {
    const before = findConversationForAgent(tx, agent.businessId, conversationId);
    if (before.status !== "queued") throw new RuleError({ key: "conversation.alreadyTaken" });
    if (!serves(db, agent.id, before)) throw new RuleError({ key: "conversation.notYourGroup" });
    if (!hasRoom(tx, agent.id)) throw new RuleError({ key: "conversation.full" });
    const taken = assignConversation(tx, before, agent.id);
    if (!taken) throw new RuleError({ key: "conversation.alreadyTaken" });
    return { before, ...taken };
  }, { behavior: "immediate" });
  return announceAssigned(events, result);
}

function announceAssigned(events: ConversationEvents, result: { before: Conversation; conversation: Conversation; messages: Message[] }): Conversation {
  for (const message of result.messages) events.messageCreated(message, result.conversation);
  events.conversationChanged(result.conversation, result.before);
  return result.conversation;
}

/**
 * The agent of the business a conversation is handed to, refused with the reason when they cannot
 * answer now: not online and available, or full. Transfers and assignments share this bar.
 */
function receiverWhoCanAnswer(tx: Queryable, businessId: number, agentId: number, onlineAgentIds: readonly number[]) {
  const receiver = tx
    .select()
    .from(agents)
    .where(and(eq(agents.businessId, businessId), eq(agents.id, agentId), eq(agents.disabled, false)))
    .get();
  if (!receiver) throw new NotFoundError("agent");
  if (!onlineAgentIds.includes(receiver.id) || receiver.availability !== "online") {
    throw new RuleError({ key: "transfer.unavailable", params: { name: receiver.displayName } });
  }
  if (chooseAgent(tx, businessId, [receiver.id], anyone) !== receiver.id) {
    throw new RuleError({ key: "transfer.full", params: { name: receiver.displayName } });
  }
  return receiver;
}

/**
 * Gives a waiting conversation to an agent: one's own take, or a manager handing it to someone
 * of the team who is online and has room (the same bar as a transfer: someone who can answer now).
 */
export function assignConversationTo(
  db: Database,
  events: ConversationEvents,
  actor: Actor,
  conversationId: number,
  agentId: number,
  onlineAgentIds: readonly number[],
): Conversation {
  if (agentId === actor.id) return takeConversation(db, events, actor, conversationId);
  const result = db.transaction((tx) => {
    const before = findConversationForAgent(tx, actor.businessId, conversationId);
    if (!mayAssignConversations(actor)) throw new RuleError({ key: "conversation.assignManagersOnly" });
    if (before.status !== "queued") throw new RuleError({ key: "conversation.alreadyTaken" });
    const receiver = receiverWhoCanAnswer(tx, actor.businessId, agentId, onlineAgentIds);
    const assigned = assignConversation(tx, before, receiver.id);
    if (!assigned) throw new RuleError({ key: "conversation.alreadyTaken" });
    return { before, ...assigned };
  }, { behavior: "immediate" });
  return announceAssigned(events, result);
}

/**
 * An agent takes a closed conversation up again (the visitor wrote back by email, say): it is
 * open again with them, noted in the thread. Refused while the visitor has a newer conversation
 * (the chat goes on there) or is blocked, and when the agent has no room.
 */
export function reopenConversation(db: Database, events: ConversationEvents, agent: Actor, conversationId: number): Conversation {
  const result = db.transaction((tx) => {
    const before = findConversationForAgent(tx, agent.businessId, conversationId);
    if (before.status !== "closed") throw new RuleError({ key: "conversation.notClosed" });
    if (newerConversation(tx, before)) throw new RuleError({ key: "conversation.newerExists" });
    const visitor = tx.select({ blocked: visitors.blocked }).from(visitors).where(eq(visitors.id, before.visitorId)).get();
    if (visitor?.blocked) throw new RuleError({ key: "conversation.visitorBlocked" });
    if (!hasRoom(tx, agent.id)) throw new RuleError({ key: "conversation.full" });
    const reopened = tx
      .update(conversations)
      .set({ status: "open", closedAt: null, agentId: agent.id, assignedAt: Date.now() })
      .where(and(eq(conversations.id, before.id), eq(conversations.status, "closed")))
      .returning()
      .get()!;
    const event = insertSystemMessage(tx, reopened, "reopened", { agentId: agent.id, agentName: agentName(tx, agent.id) });
    return { before, reopened: { ...reopened, lastMessageId: event.id }, event };
  }, { behavior: "immediate" });
  events.messageCreated(result.event, result.reopened);
  events.conversationChanged(result.reopened, result.before);
  return result.reopened;
}

/** Closes `before` and notes it in the thread; call inside a transaction. */
function close(tx: Queryable, before: Conversation, meta: Record<string, unknown>, options: { offerRating: boolean } = { offerRating: true }) {
  const closed = tx
    .update(conversations)
    .set({ status: "closed", closedAt: Date.now() })
    .where(eq(conversations.id, before.id))
    .returning()
    .get()!;
  // The visitor may be offered a rating (domain/ratings.ts), just above the close line.
  const offer = options.offerRating ? offerRatingOnClose(tx, before, closed) : null;
  const event = insertSystemMessage(tx, offer?.conversation ?? closed, "closed", meta);
  return { before, closed: { ...(offer?.conversation ?? closed), lastMessageId: event.id }, event, offered: offer?.card ?? null };
}

function announceClosed(events: ConversationEvents, result: ReturnType<typeof close>): Conversation {
  if (result.offered) events.messageCreated(result.offered, result.closed);
  events.messageCreated(result.event, result.closed);
  events.conversationChanged(result.closed, result.before);
  return result.closed;
}

export function closeConversation(db: Database, events: ConversationEvents, agent: Actor, conversationId: number): Conversation {
  const result = db.transaction((tx) => {
    const before = findConversationForAgent(tx, agent.businessId, conversationId);
    if (before.status === "closed") throw new RuleError({ key: "conversation.alreadyClosed" });
    if (!mayActOnConversation(agent, before)) throw new RuleError({ key: "conversation.notYours" });
    return close(tx, before, { agentId: agent.id, agentName: agentName(tx, agent.id) });
  }, { behavior: "immediate" });
  return announceClosed(events, result);
}

/**
 * An agent blocks a visitor, and with `ip` the address they last came from (both or neither).
 * Nobody answers a blocked visitor, so their conversation, waiting or open, ends with the block:
 * the usual close line, in the blocking agent's name, and no rating asked of someone who was just
 * shut out. Returns the closed conversation, if there was one.
 */
export function blockAndClose(
  db: Database,
  events: DomainEvents,
  agent: Actor,
  visitorId: number,
  reason: string,
  options: { ip: boolean },
): Conversation | null {
  const result = db.transaction((tx) => {
    let blockedIp: BlockedIp | null = null;
    if (options.ip) blockedIp = blockVisitorAndIp(tx, agent, visitorId, reason).blockedIp;
    else blockVisitor(tx, agent, visitorId, reason);
    const before = currentConversation(tx, visitorId);
    const closed = before && before.businessId === agent.businessId
      ? close(tx, before, { agentId: agent.id, agentName: agentName(tx, agent.id) }, { offerRating: false })
      : null;
    return { blockedIp, closed };
  }, { behavior: "immediate" });
  const closed = result.closed ? announceClosed(events, result.closed) : null;
  events.visitorBlocked(visitorId);
  if (result.blockedIp) events.ipBlocked(agent.businessId, result.blockedIp.ip);
  return closed;
}

/**
 * The visitors whose place in line a change at `from` moves: those waiting in the same pool
 * (group, or requested agent) from `from` on, in order, with how many wait before each. A
 * newcomer at the tail moves nobody else; one who leaves moves only those behind them.
 */
export function queueFrom(db: Queryable, from: Conversation): { visitorId: number; ahead: number }[] {
  const inLine = and(eq(conversations.businessId, from.businessId), eq(conversations.status, "queued"), samePool(from));
  const before = db.select({ n: sql<number>`count(*)` }).from(conversations).where(and(inLine, lt(conversations.id, from.id))).get()?.n ?? 0;
  return db
    .select({ visitorId: conversations.visitorId })
    .from(conversations)
    .where(and(inLine, gte(conversations.id, from.id)))
    .orderBy(conversations.id)
    .all()
    .map(({ visitorId }, index) => ({ visitorId, ahead: before + index }));
}

/** The first waiting conversation of each line (group, or requested agent) of the business. */
export function queueHeads(db: Queryable, businessId: number): Conversation[] {
  const heads = db
    .select({ id: sql<number>`min(${conversations.id})` })
    .from(conversations)
    .where(and(eq(conversations.businessId, businessId), eq(conversations.status, "queued")))
    .groupBy(conversations.groupId, conversations.requestedAgentId)
    .all();
  if (heads.length === 0) return [];
  return db.select().from(conversations).where(inArray(conversations.id, heads.map((head) => head.id))).all();
}

/** How many conversations wait before this one, or null when it is not waiting. */
export function queuePosition(db: Queryable, conversation: Conversation): number | null {
  if (conversation.status !== "queued") return null;
  const row = db
    .select({ n: sql<number>`count(*)` })
    .from(conversations)
    .where(
      and(eq(conversations.businessId, conversation.businessId), eq(conversations.status, "queued"), samePool(conversation), lt(conversations.id, conversation.id)),
    )
    .get();
  return row?.n ?? 0;
}

/** The visitor ends their chat; the next message they write starts a new conversation. */
export function endConversationByVisitor(db: Database, events: ConversationEvents, visitorId: number): Conversation | null {
  const result = db.transaction((tx) => {
    const before = currentConversation(tx, visitorId);
    return before ? close(tx, before, { by: "visitor" }) : null;
  }, { behavior: "immediate" });
  return result ? announceClosed(events, result) : null;
}

/**
 * Closes open conversations that have been quiet for longer than their business's idle limit,
 * with a system message. Walks each business's open conversations oldest activity first (by
 * last message id, which grows with time) and stops at the first one still active.
 */
export function closeIdleConversations(db: Database, events: ConversationEvents, now = Date.now()): number {
  let closedCount = 0;
  const withLimit = db
    .select({ id: businesses.id, minutes: businesses.idleCloseMinutes })
    .from(businesses)
    .where(gt(businesses.idleCloseMinutes, 0))
    .all();
  for (const business of withLimit) {
    const cutoff = now - business.minutes * 60_000;
    const oldest = db
      .select({ conversation: conversations, lastAt: messages.createdAt })
      .from(conversations)
      .innerJoin(messages, eq(messages.id, conversations.lastMessageId))
      .where(and(eq(conversations.businessId, business.id), eq(conversations.status, "open")))
      .orderBy(asc(conversations.lastMessageId))
      .limit(200)
      .all();
    for (const { conversation, lastAt } of oldest) {
      if (lastAt >= cutoff) break;
      const result = db.transaction((tx) => {
        // A message may have arrived since the read above: close only what is still idle.
        const before = tx
          .select()
          .from(conversations)
          .where(and(eq(conversations.id, conversation.id), eq(conversations.status, "open"), eq(conversations.lastMessageId, conversation.lastMessageId!)))
          .get();
        return before ? close(tx, before, { idle: true }) : null;
      }, { behavior: "immediate" });
      if (result) {
        announceClosed(events, result);
        closedCount++;
      }
    }
  }
  return closedCount;
}

/**
 * Hands an open conversation to another agent of the business, or to a group (转接), with an
 * optional note for the receiver. To an agent it is refused, with the reason, when they are not
 * online, not available, or full: a transfer must reach someone who can answer now. To a group
 * it goes back to the queue for that group and is routed like a new conversation.
 */
export function transferConversation(
  db: Database,
  events: ConversationEvents,
  actor: Actor,
  conversationId: number,
  transfer: { to: { agentId: number } | { groupId: number }; note: string },
  onlineAgentIds: readonly number[],
): Conversation {
  const note = transfer.note.trim();
  if (Array.from(note).length > limits.transferNoteLength) {
    throw new ValidationError({ note: { key: "error.note.tooLong", params: { max: limits.transferNoteLength } } });
  }
  const result = db.transaction((tx) => {
    const before = findConversationForAgent(tx, actor.businessId, conversationId);
    if (before.status !== "open") throw new RuleError({ key: "transfer.notOpen" });
    if (!mayActOnConversation(actor, before)) throw new RuleError({ key: "conversation.notYours" });
    const fromName = agentName(tx, actor.id);
    const withNote = note ? { note } : {};
    if ("groupId" in transfer.to) {
      const group = tx.select().from(groups).where(and(eq(groups.businessId, actor.businessId), eq(groups.id, transfer.to.groupId))).get();
      if (!group) throw new NotFoundError("group");
      const moved = tx
        .update(conversations)
        .set({ status: "queued", agentId: null, assignedAt: null, groupId: group.id, requestedAgentId: null })
        .where(eq(conversations.id, before.id))
        .returning()
        .get()!;
      const event = insertSystemMessage(tx, moved, "transferred", { groupName: group.name, fromName, ...withNote });
      return { before, moved: { ...moved, lastMessageId: event.id }, event };
    }
    if (transfer.to.agentId === before.agentId) throw new RuleError({ key: "transfer.same" });
    const receiver = receiverWhoCanAnswer(tx, actor.businessId, transfer.to.agentId, onlineAgentIds);
    // Now theirs: should it ever wait again, it waits for anyone, not for the agent it came for.
    const moved = tx
      .update(conversations)
      .set({ agentId: receiver.id, assignedAt: Date.now(), requestedAgentId: null })
      .where(eq(conversations.id, before.id))
      .returning()
      .get()!;
    const event = insertSystemMessage(tx, moved, "transferred", { agentId: receiver.id, agentName: receiver.displayName, fromName, ...withNote });
    return { before, moved: { ...moved, lastMessageId: event.id }, event };
  }, { behavior: "immediate" });
  events.messageCreated(result.event, result.moved);
  events.conversationChanged(result.moved, result.before);
  // The sender has a free slot now, and a conversation sent to a group waits for it: route what
  // waits, except straight back to the agent who handed it on.
  drainQueue(db, events, actor.businessId, onlineAgentIds, { conversationId: result.before.id, fromAgentId: result.before.agentId! });
  return result.moved;
}

/**
 * Puts an open conversation back in the queue because its agent left; call inside a
 * transaction. Null when it is no longer open with that agent.
 */
export function requeueConversation(tx: Queryable, before: Conversation): { conversation: Conversation; event: Message } | null {
  const queued = tx
    .update(conversations)
    // Back in the line for anyone of its group: the agent it may have been asked for has gone.
    .set({ status: "queued", agentId: null, assignedAt: null, requestedAgentId: null })
    .where(and(eq(conversations.id, before.id), eq(conversations.status, "open"), eq(conversations.agentId, before.agentId!)))
    .returning()
    .get();
  if (!queued) return null;
  const event = insertSystemMessage(tx, queued, "requeued", { agentName: agentName(tx, before.agentId!) });
  return { conversation: { ...queued, lastMessageId: event.id }, event };
}

export type Channel = Conversation["channel"];

/**
 * How a visitor came: the widget's iframe (`embed=1`), a WeChat official-account menu link or
 * WeChat's in-app browser, or any other link to the chat page.
 */
export function arrivalChannel(link: { embed?: string; via?: string }, userAgent: string | null): Channel {
  if (link.embed === "1") return "widget";
  if (link.via === "wechat" || isWeChat(userAgent)) return "wechat";
  return "link";
}
