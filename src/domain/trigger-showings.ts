// A trigger's message shown to a visitor, and what came of it. The visitor's browser asks for it
// when a rule's timer fires; a visitor is an attacker with a console, so the server decides
// everything: the rule is one of this shop's, enabled, its pattern matches the page, the visitor
// has no conversation, has not dismissed one today and is under the shop's daily cap. The text
// shown is the rule's own. Answered within a while, it becomes the conversation's first line.
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { prepared } from "../db/prepared";
import { agents, conversations as conversationsTable, messages, triggerShowings, triggerTallies, triggers } from "../db/schema";
import type { Business } from "./businesses";
import { anyone } from "./assignment";
import { type Conversation, currentConversation } from "./conversations";
import { localClock, offlineReason } from "./hours";
import { limits } from "./limits";
import type { Message } from "./messages";
import { pageMatches, type Trigger } from "./triggers";
import type { Visitor } from "./visitors";

/** A shown trigger message: its showing, the rule, and whose words they are (null: the shop's). */
export interface ShownTrigger {
  showingId: number;
  trigger: Pick<Trigger, "id" | "name" | "message" | "agentId">;
  author: { displayName: string; avatar: string | null } | null;
  shownAt: number;
}

const answerWindowMs = limits.triggerAnswerMinutes * 60_000;

/** The client id of a trigger's line: the page's preview of it and the stored line share it, so one replaces the other. */
export const triggerClientId = (showingId: number) => `trigger-${showingId}`;

function bumpTally(db: Queryable, triggerId: number, day: string, column: "shown" | "started"): void {
  db.insert(triggerTallies)
    .values({ triggerId, day, shown: column === "shown" ? 1 : 0, started: column === "started" ? 1 : 0 })
    .onConflictDoUpdate({ target: [triggerTallies.triggerId, triggerTallies.day], set: { [column]: sql`${triggerTallies[column]} + 1` } })
    .run();
}

function authorOf(db: Queryable, agentId: number | null) {
  if (agentId === null) return null;
  return db.select({ displayName: agents.displayName, avatar: agents.avatar }).from(agents).where(eq(agents.id, agentId)).get() ?? null;
}

/**
 * Shows rule `triggerId` to the visitor on `url` if every condition holds, and records it;
 * otherwise null (nothing to show, and nothing said about why).
 */
export function showTrigger(
  db: Database,
  business: Business,
  visitor: Pick<Visitor, "id" | "businessId" | "blocked">,
  triggerId: number,
  url: string,
  onlineAgentIds: readonly number[],
  now = Date.now(),
): ShownTrigger | null {
  if (!business.open || business.disabled || visitor.blocked || visitor.businessId !== business.id) return null;
  if (offlineReason(db, business, { onlineAgentIds, pool: anyone }, now)) return null;
  return db.transaction((tx) => {
    const trigger = tx
      .select()
      .from(triggers)
      .where(and(eq(triggers.businessId, business.id), eq(triggers.id, triggerId), eq(triggers.enabled, true)))
      .get();
    if (!trigger || !pageMatches(trigger.pagePattern, url)) return null;
    if (currentConversation(tx, visitor.id)) return null;
    const day = localClock(business.timezone, now).date;
    const today = tx
      .select({ dismissedAt: triggerShowings.dismissedAt })
      .from(triggerShowings)
      .where(and(eq(triggerShowings.visitorId, visitor.id), eq(triggerShowings.day, day)))
      .all();
    if (today.length >= business.triggerDailyCap || today.some((showing) => showing.dismissedAt !== null)) return null;
    const showing = tx.insert(triggerShowings).values({ triggerId, visitorId: visitor.id, day, shownAt: now }).returning().get();
    bumpTally(tx, triggerId, day, "shown");
    return { showingId: showing.id, trigger, author: authorOf(tx, trigger.agentId), shownAt: now };
  }, { behavior: "immediate" });
}

/** The visitor's latest shown message still to be answered: not dismissed, not yet a conversation, recent. */
export function pendingTrigger(db: Queryable, visitorId: number, now = Date.now()): ShownTrigger | null {
  const found = prepared(db, "pendingTrigger", (db) =>
    db
      .select({ showingId: triggerShowings.id, shownAt: triggerShowings.shownAt, day: triggerShowings.day, id: triggers.id, name: triggers.name, message: triggers.message, agentId: triggers.agentId })
      .from(triggerShowings)
      .innerJoin(triggers, eq(triggers.id, triggerShowings.triggerId))
      .where(
        and(
          eq(triggerShowings.visitorId, sql.placeholder("visitorId")),
          isNull(triggerShowings.dismissedAt),
          isNull(triggerShowings.conversationId),
          gt(triggerShowings.shownAt, sql.placeholder("since")),
        ),
      )
      .orderBy(desc(triggerShowings.id))
      .limit(1)
      .prepare(),
  ).get({ visitorId, since: now - answerWindowMs });
  if (!found) return null;
  const { showingId, shownAt, id, name, message, agentId } = found;
  return { showingId, shownAt, trigger: { id, name, message, agentId }, author: authorOf(db, agentId) };
}

/** The visitor closed the message unanswered: it stays out of their next conversation, and none shows again today. */
export function dismissTrigger(db: Queryable, visitorId: number, now = Date.now()): void {
  db.update(triggerShowings)
    .set({ dismissedAt: now })
    .where(and(eq(triggerShowings.visitorId, visitorId), isNull(triggerShowings.dismissedAt), isNull(triggerShowings.conversationId)))
    .run();
}

/** The message as the thread shows it before the visitor answers: not stored, so it has no id yet. */
export function triggerPreview(shown: ShownTrigger, shopName: string): Message {
  const preview: Message = {
    id: 0,
    conversationId: 0,
    sender: "agent",
    agentId: shown.trigger.agentId,
    kind: "text",
    body: shown.trigger.message,
    meta: { agentName: shown.author?.displayName ?? shopName, agentAvatar: shown.author?.avatar ?? null, trigger: shown.trigger.id, triggerName: shown.trigger.name },
    clientId: triggerClientId(shown.showingId),
    createdAt: shown.shownAt,
    readAt: null,
  };
  return preview;
}

/**
 * In the transaction that opens a conversation with the visitor's first message: the message they
 * were answering becomes its first line, and the showing records the conversation. Null when there is none.
 */
export function insertTriggerLine(tx: Queryable, conversation: Conversation, shopName: string, now = Date.now()): Message | null {
  const shown = pendingTrigger(tx, conversation.visitorId, now);
  if (!shown) return null;
  const preview = triggerPreview(shown, shopName);
  const line = tx
    .insert(messages)
    .values({ conversationId: conversation.id, sender: "agent", agentId: preview.agentId, kind: "text", body: preview.body, meta: preview.meta, clientId: preview.clientId })
    .returning()
    .get();
  tx.update(conversationsTable).set({ lastMessageId: line.id }).where(eq(conversationsTable.id, conversation.id)).run();
  const showing = tx.update(triggerShowings).set({ conversationId: conversation.id }).where(eq(triggerShowings.id, shown.showingId)).returning().get()!;
  bumpTally(tx, shown.trigger.id, showing.day, "started");
  return line;
}
