// Creating and reading messages. Persist, then publish, then acknowledge (invariant 1): every
// function here commits first and only then tells `events`, which is what publishes. Retried
// sends are idempotent by client id (invariant 2); reads go by id, never by time (invariant 3).
import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, ne, sql } from "drizzle-orm";
import { type Database, immediately, type Queryable } from "../db/client";
import { prepared } from "../db/prepared";
import { businesses, conversations, messages, visitors } from "../db/schema";
import type { Actor } from "./agents";
import { anyone, chooseAgent, type Pool, previousAgent } from "./assignment";
import { assignConversation, type Channel, type Conversation, currentConversation, findConversationForAgent, lastClosedConversation } from "./conversations";
import { RuleError, ValidationError } from "./errors";
import type { ConversationEvents } from "./events";
import { messageLimits } from "./limits";
import { randomToken } from "./tokens";
import type { Visitor } from "./visitors";
import type { Business } from "./businesses";
import { unfilledPlaceholder } from "./canned-replies";
import { offlineReason } from "./hours";
import { postProductCard } from "./products";
import { insertTriggerLine } from "./trigger-showings";
import type { RatingEvent } from "./ratings";

export type Message = typeof messages.$inferSelect;
export type SystemEvent = "joined" | "closed" | "transferred" | "requeued" | "reopened" | "call" | "personRequested" | RatingEvent;

export interface Draft {
  clientId: string;
  body: string;
  /** Where a visitor's message came from besides the composer, e.g. `{ faq: id }` for a chosen FAQ question. */
  meta?: Record<string, unknown>;
  /** Typed text (the default), or a file sent as a message (see attachments.ts). */
  kind?: "text" | "image" | "file" | "audio";
  /**
   * Runs inside the send's transaction once the conversation is known and the send is no retry;
   * what it returns joins the meta. An attachment's row is inserted here, so that the row and its
   * message commit together or not at all.
   */
  attach?: (tx: Queryable, conversation: Conversation) => Record<string, unknown>;
}

export function checkDraft(draft: Draft): void {
  if (!messageLimits.clientIdPattern.test(draft.clientId)) {
    throw new ValidationError({ clientId: { key: "message.badClientId" } });
  }
  if (!draft.body.trim()) throw new ValidationError({ body: { key: "message.empty" } });
  if (Array.from(draft.body).length > messageLimits.bodyLength) {
    throw new ValidationError({ body: { key: "message.tooLong", params: { max: messageLimits.bodyLength } } });
  }
}

/** A visitor message's meta as stored: JSON text, or NULL when there is none. */
function metaOf(tx: Queryable, draft: Draft, conversation: Conversation): string | null {
  const meta = draft.attach ? { ...draft.meta, ...draft.attach(tx, conversation) } : draft.meta;
  return meta ? JSON.stringify(meta) : null;
}

export function touchConversation(db: Queryable, conversation: Conversation, message: Message): Conversation {
  prepared(db, "touchConversation", (db) =>
    db
      .update(conversations)
      .set({ lastMessageId: sql`${sql.placeholder("messageId")}` })
      .where(eq(conversations.id, sql.placeholder("conversationId")))
      .prepare(),
  ).run({ messageId: message.id, conversationId: conversation.id });
  return { ...conversation, lastMessageId: message.id };
}

/** A visitor's or an agent's message, from one statement prepared once; `meta` is JSON text or NULL. */
function insertMessage(
  db: Queryable,
  values: Pick<Message, "conversationId" | "agentId" | "kind" | "body" | "clientId"> & { sender: "visitor" | "agent"; meta: string | null },
): Message {
  return prepared(db, "insertMessage", (db) =>
    db
      .insert(messages)
      .values({
        conversationId: sql.placeholder("conversationId"),
        sender: sql.placeholder("sender"),
        agentId: sql.placeholder("agentId"),
        kind: sql.placeholder("kind"),
        body: sql.placeholder("body"),
        // Raw, so that no meta is stored as NULL rather than as the JSON text "null".
        meta: sql`${sql.placeholder("meta")}`,
        clientId: sql.placeholder("clientId"),
      })
      .returning()
      .prepare(),
  ).get(values)!;
}

export function insertSystemMessage(
  tx: Queryable,
  conversation: Conversation,
  event: SystemEvent,
  meta: Record<string, unknown>,
): Message {
  const message = prepared(tx, "insertSystemMessage", (db) =>
    db
      .insert(messages)
      .values({
        conversationId: sql.placeholder("conversationId"),
        sender: "system",
        kind: "event",
        body: sql.placeholder("body"),
        meta: sql.placeholder("meta"),
        clientId: sql.placeholder("clientId"),
      })
      .returning()
      .prepare(),
  ).get({ conversationId: conversation.id, body: event, meta, clientId: `system-${randomToken(12)}` })!;
  touchConversation(tx, conversation, message);
  return message;
}

function isBlocked(db: Queryable, visitorId: number): boolean {
  return (
    prepared(db, "visitorBlocked", (db) =>
      db.select({ blocked: visitors.blocked }).from(visitors).where(eq(visitors.id, sql.placeholder("visitorId"))).prepare(),
    ).get({ visitorId })?.blocked ?? true
  );
}

/** A message with this client id that the visitor already sent, in any of their conversations. */
export function alreadySent(db: Queryable, visitorId: number, clientId: string): Message | undefined {
  return prepared(db, "alreadySent", (db) =>
    db
      .select()
      .from(messages)
      .where(
        and(
          inArray(
            messages.conversationId,
            db.select({ id: conversations.id }).from(conversations).where(eq(conversations.visitorId, sql.placeholder("visitorId"))),
          ),
          eq(messages.clientId, sql.placeholder("clientId")),
        ),
      )
      .prepare(),
  ).get({ visitorId, clientId });
}

export interface SendResult {
  message: Message;
  conversation: Conversation;
  /** False when the client id was seen before and the stored message is returned instead. */
  created: boolean;
  /** This message opened a conversation (a new one, or one reopened). */
  started: boolean;
}

function businessOf(db: Queryable, businessId: number): Business {
  return prepared(db, "businessOf", (db) => db.select().from(businesses).where(eq(businesses.id, sql.placeholder("businessId"))).prepare()).get({
    businessId,
  })!;
}

/**
 * The conversation a visitor's first message goes into: their last one, reopened, when it closed
 * less than the business's reopen time ago; otherwise a new one for the pool they asked for,
 * unless the shop is offline for them (they are offered the leave-a-message form instead).
 */
function startConversation(
  db: Queryable,
  business: Business,
  visitor: Visitor,
  pool: Pool,
  channel: Channel,
  onlineAgentIds: readonly number[],
): { conversation: Conversation; reopened: Conversation | null } {
  // Offline means offline, for a reopening too: the page shows those visitors the form as well.
  if (offlineReason(db, business, { onlineAgentIds, pool })) throw new RuleError({ key: "chat.offlineNow" });
  if (business.reopenMinutes > 0) {
    const last = lastClosedConversation(db, visitor.id);
    if (last?.closedAt && Date.now() - last.closedAt < business.reopenMinutes * 60_000) {
      const reopened = db
        .update(conversations)
        .set({ status: "queued", closedAt: null, agentId: null, assignedAt: null, channel })
        .where(eq(conversations.id, last.id))
        .returning()
        .get()!;
      return { conversation: reopened, reopened: last };
    }
  }
  return { conversation: insertConversation(db, visitor, pool, channel, { status: "queued" }), reopened: null };
}

/** A new conversation of the visitor's, for the pool they asked for, from the page they are on. */
function insertConversation(
  db: Queryable,
  visitor: Visitor,
  pool: Pool,
  channel: Channel,
  state: Pick<Conversation, "status"> & Partial<Pick<Conversation, "closedAt">>,
): Conversation {
  return db
    .insert(conversations)
    .values({
      businessId: visitor.businessId,
      visitorId: visitor.id,
      ...state,
      channel,
      sourcePage: visitor.currentPage,
      groupId: pool.groupId,
      requestedAgentId: pool.requestedAgentId,
    })
    .returning()
    .get();
}

/** Self-service exchanges this close together share one conversation, as one visit's questions would. */
const selfServiceSpanMs = 30 * 60_000;

/**
 * The visitor's last conversation when it holds only self-service (no agent ever took it) and
 * closed less than selfServiceSpanMs ago: the next answered question goes there too, so that
 * three questions the shop answered by itself are one conversation in the lists and reports.
 */
function selfServiceConversation(db: Queryable, visitorId: number): Conversation | undefined {
  const last = lastClosedConversation(db, visitorId);
  // Made closed (sendSelfServiceMessage sets both times at once), never one that waited and was left.
  const madeClosed = last?.closedAt != null && last.agentId === null && last.closedAt - last.openedAt < 5_000;
  return madeClosed && Date.now() - last.closedAt! < selfServiceSpanMs ? last : undefined;
}

/** A retried send: the message already stored under this client id, answered instead of a second one. */
function retried(db: Queryable, visitorId: number, clientId: string): SendResult | null {
  const existing = alreadySent(db, visitorId, clientId);
  if (!existing) return null;
  const conversation = db.select().from(conversations).where(eq(conversations.id, existing.conversationId)).get()!;
  return { message: existing, conversation, created: false, started: false };
}

/**
 * A visitor writes. The first message of a conversation opens it and routes it (see
 * assignment.ts): in auto mode to an agent who can take it, else into the queue; in claim mode
 * into the queue for eligible agents to take.
 */
export function sendVisitorMessage(
  db: Database,
  events: ConversationEvents,
  visitor: Visitor,
  draft: Draft,
  onlineAgentIds: readonly number[],
  pool: Pool = anyone,
  /** How the visitor came (widget, link, WeChat): recorded on the conversation this message opens. */
  channel: Channel = "widget",
): SendResult {
  checkDraft(draft);
  return writeAsVisitor(db, events, visitor, draft.clientId, onlineAgentIds, pool, channel, (conversation) =>
    insertMessage(db, {
      conversationId: conversation.id,
      sender: "visitor",
      agentId: null,
      kind: draft.kind ?? "text",
      body: draft.body,
      meta: metaOf(db, draft, conversation),
      clientId: draft.clientId,
    }),
  );
}

/**
 * Something the visitor does that goes into their current conversation, or opens and routes one
 * as their first message would: `write` inserts it (a typed message, or a request for a person).
 */
export function writeAsVisitor(
  db: Database,
  events: ConversationEvents,
  visitor: Visitor,
  clientId: string,
  onlineAgentIds: readonly number[],
  pool: Pool,
  channel: Channel,
  write: (conversation: Conversation) => Message,
): SendResult {
  const created: Message[] = [];
  let opened = null as { previous: Conversation | null } | null;
  // The hot statements run on `db` inside the transaction: same connection (see db/prepared.ts).
  const result = immediately(db, () => {
    // Read now, not from the visitor the socket resolved at connect: a block applies at once.
    if (isBlocked(db, visitor.id)) throw new RuleError({ key: "chat.blocked" });
    const again = retried(db, visitor.id, clientId);
    if (again) return again;
    let conversation = currentConversation(db, visitor.id);
    const business = conversation ? null : businessOf(db, visitor.businessId);
    const started = business ? startConversation(db, business, visitor, pool, channel, onlineAgentIds) : null;
    if (started?.reopened) created.push(insertSystemMessage(db, started.conversation, "reopened", {}));
    conversation ??= started!.conversation;
    // A trigger's message they are answering opens the thread, so the agent sees what they answered.
    const triggerLine = started ? insertTriggerLine(db, conversation, business!.name) : null;
    if (triggerLine) created.push(triggerLine);
    const message = write(conversation);
    conversation = touchConversation(db, conversation, message);
    created.push(message);
    if (started) {
      opened = { previous: started.reopened };
      const { routingMode } = business!;
      const conversationPool = { groupId: conversation.groupId, requestedAgentId: conversation.requestedAgentId };
      // A returning visitor goes back to the agent they spoke with, if that agent can take it.
      const agentId = routingMode === "claim" ? null : chooseAgent(db, visitor.businessId, onlineAgentIds, conversationPool, started.reopened?.agentId ?? previousAgent(db, visitor.id));
      const assigned = agentId === null ? null : assignConversation(db, conversation, agentId);
      if (assigned) {
        created.push(...assigned.messages);
        conversation = assigned.conversation;
      }
    }
    return { message, conversation, created: true, started: started !== null };
  });
  // Announced with the conversation as committed: a conversation assigned in the same
  // transaction never shows up in the waiting queue.
  for (const message of created) events.messageCreated(message, result.conversation);
  if (opened) {
    events.conversationChanged(result.conversation, opened.previous);
    // The agent sees the product the visitor is looking at as the conversation begins.
    postProductCard(db, events, visitor.id);
  }
  return result;
}

/**
 * A visitor's message that needs no agent: a question picked from the FAQ, answered at once. It
 * goes into their current conversation if they have one; otherwise into one of its own, closed at
 * once, so that nobody is queued or notified for an answer that may have sufficed. Their next
 * typed message starts and routes a conversation as usual, with this exchange above it.
 */
export function sendSelfServiceMessage(
  db: Database,
  events: ConversationEvents,
  visitor: Visitor,
  draft: Draft,
  onlineAgentIds: readonly number[],
  pool: Pool,
  channel: Channel,
): SendResult {
  checkDraft(draft);
  let triggerLine: Message | null = null;
  const result = db.transaction((tx) => {
    if (isBlocked(db, visitor.id)) throw new RuleError({ key: "chat.blocked" });
    const again = retried(db, visitor.id, draft.clientId);
    if (again) return again;
    if (currentConversation(db, visitor.id)) return null;
    const earlier = selfServiceConversation(tx, visitor.id);
    const conversation = earlier ?? insertConversation(tx, visitor, pool, channel, { status: "closed", closedAt: Date.now() });
    // A trigger's message they are answering opens this thread too, above their words.
    triggerLine = earlier ? null : insertTriggerLine(tx, conversation, businessOf(tx, visitor.businessId).name);
    const message = tx
      .insert(messages)
      .values({ conversationId: conversation.id, sender: "visitor", kind: "text", body: draft.body, meta: draft.meta, clientId: draft.clientId })
      .returning()
      .get();
    return { message, conversation: touchConversation(tx, conversation, message), created: true, started: false };
  }, { behavior: "immediate" });
  if (!result) return sendVisitorMessage(db, events, visitor, draft, onlineAgentIds, pool, channel);
  if (triggerLine) events.messageCreated(triggerLine, result.conversation);
  if (result.created) events.messageCreated(result.message, result.conversation);
  return result;
}

/**
 * An answer the shop gives by itself (a picked FAQ's, or an automatic answer's) after the visitor's
 * message in `conversation`. Its client id is derived from the visitor's with a character their
 * ids cannot hold, so a retried send returns the stored answer and a send interrupted between the
 * two still gets it.
 */
export function postAutomaticReply(
  db: Database,
  events: ConversationEvents,
  conversation: Conversation,
  reply: { body: string; meta: Record<string, unknown>; clientId: string },
): { reply: Message; conversation: Conversation } {
  const answered = db.transaction((tx) => {
    const inserted = tx
      .insert(messages)
      .values({ conversationId: conversation.id, sender: "system", kind: "text", body: reply.body, meta: reply.meta, clientId: reply.clientId })
      .onConflictDoNothing()
      .returning()
      .get();
    if (!inserted) {
      const stored = tx
        .select()
        .from(messages)
        .where(and(eq(messages.conversationId, conversation.id), eq(messages.clientId, reply.clientId)))
        .get()!;
      return { reply: stored, conversation, created: false };
    }
    return { reply: inserted, conversation: touchConversation(tx, conversation, inserted), created: true };
  }, { behavior: "immediate" });
  if (answered.created) events.messageCreated(answered.reply, answered.conversation);
  return { reply: answered.reply, conversation: answered.conversation };
}

/** An agent answers in a conversation they have; a waiting one must be taken first. */
export function sendAgentMessage(
  db: Database,
  events: ConversationEvents,
  agent: Actor & { displayName: string },
  conversationId: number,
  draft: Draft,
): SendResult {
  checkDraft(draft);
  const placeholder = unfilledPlaceholder(draft.body);
  if (placeholder) throw new ValidationError({ body: { key: "canned.unfilled", params: { placeholder } } });
  // The hot statements run on `db` inside the transaction: same connection (see db/prepared.ts).
  const result = immediately(db, () => {
    const conversation = findConversationForAgent(db, agent.businessId, conversationId);
    const existing = prepared(db, "agentMessageByClientId", (db) =>
      db
        .select()
        .from(messages)
        .where(and(eq(messages.conversationId, sql.placeholder("conversationId")), eq(messages.clientId, sql.placeholder("clientId"))))
        .prepare(),
    ).get({ conversationId: conversation.id, clientId: draft.clientId });
    if (existing) return { message: existing, conversation, created: false, started: false };
    if (conversation.status === "closed") throw new RuleError({ key: "conversation.alreadyClosed" });
    if (conversation.agentId !== agent.id) throw new RuleError({ key: "conversation.notYours" });
    const message = insertMessage(db, {
      conversationId: conversation.id,
      sender: "agent",
      agentId: agent.id,
      kind: draft.kind ?? "text",
      body: draft.body,
      // The name as it was when sent: the visitor's history does not change with a rename.
      meta: JSON.stringify({ agentName: agent.displayName, ...draft.attach?.(db, conversation) }),
      clientId: draft.clientId,
    });
    if (conversation.firstResponseAt === null) {
      db.update(conversations).set({ firstResponseAt: message.createdAt }).where(eq(conversations.id, conversation.id)).run();
    }
    return { message, conversation: touchConversation(db, conversation, message), created: true, started: false };
  });
  if (result.created) events.messageCreated(result.message, result.conversation);
  return result;
}

const ofVisitor = (db: Queryable, visitorId: number) =>
  inArray(messages.conversationId, db.select({ id: conversations.id }).from(conversations).where(eq(conversations.visitorId, visitorId)));

/** Whose messages a thread shows: all of a visitor's conversations, or one (a closed conversation's page). */
export type ThreadScope = { visitorId: number } | { conversationId: number };

const inThread = (db: Queryable, scope: ThreadScope) =>
  "conversationId" in scope ? eq(messages.conversationId, scope.conversationId) : ofVisitor(db, scope.visitorId);

/** One page of a thread, oldest first, before `beforeId`. */
export function threadPage(db: Queryable, scope: ThreadScope, beforeId?: number, limit: number = messageLimits.historyPage) {
  const rows = db
    .select()
    .from(messages)
    .where(and(inThread(db, scope), beforeId === undefined ? undefined : lt(messages.id, beforeId)))
    .orderBy(desc(messages.id))
    .limit(limit + 1)
    .all();
  return { messages: rows.slice(0, limit).reverse(), hasEarlier: rows.length > limit };
}

/**
 * The thread around one message (a search result), oldest first: `context` messages before it,
 * then everything after it when that is at most `cap` messages, so the page goes on live like
 * any other. Past the cap only `context` messages follow it, and `reachesLatest` is false: such
 * a page must not resume its socket from there (it would be told to reload, again and again).
 */
export function threadAround(db: Queryable, scope: ThreadScope, messageId: number, context: number = messageLimits.historyPage, cap: number = messageLimits.replayCap) {
  const upTo = threadPage(db, scope, messageId + 1, context + 1);
  const after = db.select().from(messages).where(and(inThread(db, scope), gt(messages.id, messageId))).orderBy(asc(messages.id)).limit(cap + 1).all();
  const reachesLatest = after.length <= cap;
  return { messages: [...upTo.messages, ...(reachesLatest ? after : after.slice(0, context))], hasEarlier: upTo.hasEarlier, reachesLatest };
}

/** What a reconnecting page missed: messages after `afterId`, unless there are too many. */
export function threadAfter(db: Queryable, visitorId: number, afterId: number, cap: number = messageLimits.replayCap) {
  const rows = db
    .select()
    .from(messages)
    .where(and(ofVisitor(db, visitorId), gt(messages.id, afterId)))
    .orderBy(asc(messages.id))
    .limit(cap + 1)
    .all();
  return rows.length > cap ? { messages: [], tooMany: true } : { messages: rows, tooMany: false };
}

/** What an agent's socket following these conversations missed: their messages after `afterId`, unless too many. */
export function threadsAfter(db: Queryable, conversationIds: readonly number[], afterId: number, cap: number = messageLimits.replayCap) {
  if (conversationIds.length === 0) return { messages: [], tooMany: false };
  const rows = db
    .select()
    .from(messages)
    .where(and(inArray(messages.conversationId, [...conversationIds]), gt(messages.id, afterId)))
    .orderBy(asc(messages.id))
    .limit(cap + 1)
    .all();
  return rows.length > cap ? { messages: [], tooMany: true } : { messages: rows, tooMany: false };
}

/** Messages of one conversation after an id, for the JSON API. */
export function conversationMessagesAfter(db: Queryable, conversationId: number, afterId: number, limit: number) {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), gt(messages.id, afterId)))
    .orderBy(asc(messages.id))
    .limit(limit)
    .all();
}

/** Marks the other side's messages read up to `upToId`; announces only when something changed. */
export function markRead(db: Database, events: ConversationEvents, visitorId: number, reader: "visitor" | "agent", upToId: number): void {
  const changed = db
    .update(messages)
    .set({ readAt: Date.now() })
    .where(
      and(
        ofVisitor(db, visitorId),
        reader === "agent" ? eq(messages.sender, "visitor") : ne(messages.sender, "visitor"),
        isNull(messages.readAt),
        lte(messages.id, upToId),
      ),
    )
    .returning({ id: messages.id })
    .all();
  if (changed.length > 0) events.messagesRead(visitorId, reader, upToId);
}
