// Offline messages (留言): what a visitor leaves when the chat is offline, and the console inbox
// where agents read them, mark them handled, and answer in a chat the visitor finds on return.
// Every read and write starts from the business, so another shop's message is not found.
import { and, desc, eq, gt, isNotNull, lt, ne, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { agents, conversations, messages, offlineMessages, visitors } from "../db/schema";
import type { Actor } from "./agents";
import type { Business } from "./businesses";
import { assignConversation, type Conversation, currentConversation } from "./conversations";
import { type FieldProblem, NotFoundError, RuleError, ValidationError } from "./errors";
import type { DomainEvents } from "./events";
import { checkEmail, checkName, checkPhone, problems } from "./fields";
import { limits, messageLimits } from "./limits";
import type { Message } from "./messages";
import { findVisitor } from "./visitors";

export type OfflineMessage = typeof offlineMessages.$inferSelect;

/** The contact fields a business may require; the message itself always is. */
export const offlineFields = ["name", "phone", "email"] as const;
export type OfflineField = (typeof offlineFields)[number];

/** What the visitor typed into the leave-a-message form. */
export interface LeftMessage {
  name: string;
  phone: string;
  email: string;
  message: string;
}

/** Each contact field's problem, if any: empty where the business requires it, or malformed. Also the pre-chat form's. */
export function checkContact(required: readonly OfflineField[], input: Pick<LeftMessage, OfflineField>): Record<OfflineField, FieldProblem | null> {
  const contact = (field: OfflineField, check: (value: string) => FieldProblem | null): FieldProblem | null => {
    const value = input[field].trim();
    if (!value) return required.includes(field) ? { key: `error.${field}.required` } : null;
    return check(value);
  };
  return { name: contact("name", (name) => checkName(name)), phone: contact("phone", checkPhone), email: contact("email", checkEmail) };
}

/**
 * Copies the contact details the visitor record lacks onto it (never overwriting known ones);
 * what changed is announced after the transaction by `announce`.
 */
export function fillContact(tx: Queryable, businessId: number, visitorId: number, input: Pick<LeftMessage, OfflineField>) {
  const orNull = (value: string) => value.trim() || null;
  const before = findVisitor(tx, businessId, visitorId);
  if (!before) return null;
  tx.update(visitors)
    .set({
      name: sql`coalesce(${visitors.name}, ${orNull(input.name)})`,
      phone: sql`coalesce(${visitors.phone}, ${orNull(input.phone)})`,
      email: sql`coalesce(${visitors.email}, ${orNull(input.email)})`,
    })
    .where(and(eq(visitors.businessId, businessId), eq(visitors.id, visitorId)))
    .run();
  const after = findVisitor(tx, businessId, visitorId)!;
  // What was copied onto the visitor shows in the team's panel and lists, as any other change of them.
  return {
    announce(events: Pick<DomainEvents, "visitorChanged">) {
      if (before.name !== after.name || before.phone !== after.phone || before.email !== after.email) {
        events.visitorChanged(after, { renamed: before.name !== after.name });
      }
    },
  };
}

function checkLeftMessage(required: readonly OfflineField[], input: LeftMessage): Record<string, FieldProblem> | null {
  const body = input.message.trim();
  return problems({
    ...checkContact(required, input),
    message: !body
      ? { key: "message.empty" }
      : Array.from(body).length > messageLimits.bodyLength
        ? { key: "message.tooLong", params: { max: messageLimits.bodyLength } }
        : null,
  });
}

/**
 * Stores what a visitor left, after checking every field against the business's rules. Contact
 * details the visitor record lacks are copied to it, so agents see them in later chats too.
 */
export function leaveMessage(
  db: Database,
  events: DomainEvents,
  business: Pick<Business, "id" | "offlineRequired">,
  visitorId: number | null,
  input: LeftMessage,
): OfflineMessage {
  const found = checkLeftMessage(business.offlineRequired, input);
  if (found) throw new ValidationError(found);
  const orNull = (value: string) => value.trim() || null;
  const contact = { name: orNull(input.name), phone: orNull(input.phone), email: orNull(input.email) };
  const { left, filled } = db.transaction((tx) => {
    const filled = visitorId === null ? null : fillContact(tx, business.id, visitorId, input);
    const left = tx
      .insert(offlineMessages)
      .values({ businessId: business.id, visitorId, ...contact, body: input.message.trim() })
      .returning()
      .get();
    return { left, filled };
  }, { behavior: "immediate" });
  filled?.announce(events);
  events.offlineMessageLeft(left);
  events.inboxChanged(business.id);
  return left;
}

export interface InboxEntry extends OfflineMessage {
  handledByName: string | null;
}

/** One page of the business's offline messages, handled or not, newest first, below `before`. */
export function listOfflineMessages(
  db: Queryable,
  businessId: number,
  options: { handled: boolean; before?: number; limit?: number },
): { entries: InboxEntry[]; next: number | null } {
  const limit = options.limit ?? limits.inboxPage;
  const rows = db
    .select({ message: offlineMessages, handledByName: agents.displayName })
    .from(offlineMessages)
    .leftJoin(agents, eq(agents.id, offlineMessages.handledBy))
    .where(
      and(
        eq(offlineMessages.businessId, businessId),
        eq(offlineMessages.handled, options.handled),
        options.before === undefined ? undefined : lt(offlineMessages.id, options.before),
      ),
    )
    .orderBy(desc(offlineMessages.id))
    .limit(limit + 1)
    .all();
  const entries = rows.slice(0, limit).map((row) => ({ ...row.message, handledByName: row.handledByName }));
  return { entries, next: rows.length > limit ? entries[entries.length - 1]!.id : null };
}

/** How many offline messages still wait for someone, for the console's navigation badge. */
export function unhandledCount(db: Queryable, businessId: number): number {
  return (
    db
      .select({ n: sql<number>`count(*)` })
      .from(offlineMessages)
      .where(and(eq(offlineMessages.businessId, businessId), eq(offlineMessages.handled, false)))
      .get()?.n ?? 0
  );
}

function findOfflineMessage(db: Queryable, businessId: number, id: number): InboxEntry {
  const row = db
    .select({ message: offlineMessages, handledByName: agents.displayName })
    .from(offlineMessages)
    .leftJoin(agents, eq(agents.id, offlineMessages.handledBy))
    .where(and(eq(offlineMessages.businessId, businessId), eq(offlineMessages.id, id)))
    .get();
  if (!row) throw new NotFoundError("offline message");
  return { ...row.message, handledByName: row.handledByName };
}

/** Notes who dealt with a message and when; handling it twice keeps the first. Says whether it was new. */
function markHandledIn(tx: Queryable, actor: Pick<Actor, "id" | "businessId">, id: number): boolean {
  const marked = tx
    .update(offlineMessages)
    .set({ handled: true, handledBy: actor.id, handledAt: Date.now() })
    .where(and(eq(offlineMessages.businessId, actor.businessId), eq(offlineMessages.id, id), eq(offlineMessages.handled, false)))
    .returning({ id: offlineMessages.id })
    .get();
  return marked !== undefined;
}

export function markHandled(db: Database, events: DomainEvents, actor: Pick<Actor, "id" | "businessId">, id: number): InboxEntry {
  const result = db.transaction((tx) => {
    findOfflineMessage(tx, actor.businessId, id);
    const marked = markHandledIn(tx, actor, id);
    return { entry: findOfflineMessage(tx, actor.businessId, id), marked };
  }, { behavior: "immediate" });
  if (result.marked) events.inboxChanged(actor.businessId);
  return result.entry;
}

/**
 * Answers an offline message in a chat: the visitor's conversation that is not closed yet, or a
 * new one given to `agent`, which starts with what the visitor left so both sides see what is
 * being answered. The visitor finds it when they come back. Marks the message handled.
 */
export function replyInChat(db: Database, events: DomainEvents, agent: Actor, id: number): Conversation {
  const result = db.transaction((tx) => {
    const entry = findOfflineMessage(tx, agent.businessId, id);
    if (entry.visitorId === null) throw new RuleError({ key: "inbox.noVisitor" });
    const marked = markHandledIn(tx, agent, id);
    const current = currentConversation(tx, entry.visitorId);
    if (current) return { conversation: current, created: [] as Message[], marked, entry };
    const queued = tx
      .insert(conversations)
      .values({ businessId: agent.businessId, visitorId: entry.visitorId, status: "queued", channel: "widget" })
      .returning()
      .get();
    const left = tx
      .insert(messages)
      // Dated when it was left; the client id makes the conversation's first message unique to it.
      .values({ conversationId: queued.id, sender: "visitor", kind: "text", body: entry.body, clientId: `offline-${entry.id}`, createdAt: entry.createdAt })
      .returning()
      .get();
    const assigned = assignConversation(tx, queued, agent.id)!;
    return { conversation: assigned.conversation, created: [left, ...assigned.messages], marked, entry };
  }, { behavior: "immediate" });
  if (result.created.length) {
    for (const message of result.created) events.messageCreated(message, result.conversation);
    events.conversationChanged(result.conversation, null);
  }
  if (result.marked) events.inboxChanged(agent.businessId);
  events.offlineMessageAnswered(result.conversation.visitorId, { conversationId: result.conversation.id, entry: result.entry });
  return result.conversation;
}

/**
 * Offline messages with an email, handled since `since`, whose visitor has a conversation going
 * on: what that conversation answers, for mailing the answer after a restart (outbound/email-announcer.ts).
 */
export function answersWithEmail(db: Queryable, since: number, conversationId?: number): { conversationId: number; entry: OfflineMessage }[] {
  return db
    .select({ conversationId: conversations.id, entry: offlineMessages })
    .from(offlineMessages)
    .innerJoin(conversations, and(eq(conversations.visitorId, offlineMessages.visitorId), ne(conversations.status, "closed")))
    .where(
      and(
        eq(offlineMessages.handled, true),
        isNotNull(offlineMessages.email),
        gt(offlineMessages.handledAt, since),
        conversationId === undefined ? undefined : eq(conversations.id, conversationId),
      ),
    )
    .all();
}
