// Who is on the shop's site right now (their widget or chat page holds a socket open), and the
// agent's way to speak first to one of them (proactive chat, 主动发起). Presence lives in the
// realtime hub; this file is given its online ids and reads everything else in one query.
import { isWeChat } from "./user-agent";
import { and, eq, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { prepared } from "../db/prepared";
import { agents, conversations, messages, visitors } from "../db/schema";
import { hasRoom } from "./assignment";
import { type Conversation, currentConversation, lastClosedConversation } from "./conversations";
import { NotFoundError, RuleError } from "./errors";
import type { ConversationEvents } from "./events";
import { limits } from "./limits";
import { checkDraft, type Draft, insertSystemMessage, type Message, touchConversation } from "./messages";
import { findVisitor } from "./visitors";

export interface LiveVisitor {
  id: number;
  name: string | null;
  currentPage: string | null;
  pageTitle: string | null;
  language: string | null;
  timezone: string | null;
  /** When their first open page connected (epoch ms). */
  onlineSince: number;
  /** Their conversation that is not closed yet, with who has it. */
  conversation: { id: number; status: Conversation["status"]; agentId: number | null; agentName: string | null } | null;
}

const placeholder = (name: string) => sql.placeholder(name);

// The newest conversation of the visitor that is not closed, by conversations(visitor_id, status).
const currentConversationId = sql`(SELECT c.id FROM ${conversations} c WHERE c.visitor_id = ${visitors.id} AND c.status != 'closed' ORDER BY c.id DESC LIMIT 1)`;

/**
 * The business's visitors among `onlineIds` (every shop's online visitors, from presence), newest
 * arrival first, at most `limit` of them, and how many there are in all. One statement whatever
 * the number online: the ids go in as one JSON array, as routing does with online agents.
 */
export function liveVisitors(
  db: Queryable,
  businessId: number,
  onlineIds: readonly number[],
  onlineSince: (visitorId: number) => number | undefined,
  limit: number = limits.liveVisitorsShown,
): { total: number; visitors: LiveVisitor[] } {
  if (onlineIds.length === 0) return { total: 0, visitors: [] };
  const rows = prepared(db, "liveVisitors", (db) =>
    db
      .select({
        id: visitors.id,
        name: visitors.name,
        currentPage: visitors.currentPage,
        pageTitle: visitors.pageTitle,
        language: visitors.language,
        timezone: visitors.timezone,
        conversationId: conversations.id,
        status: conversations.status,
        agentId: conversations.agentId,
        agentName: agents.displayName,
      })
      .from(visitors)
      .leftJoin(conversations, eq(conversations.id, currentConversationId))
      .leftJoin(agents, eq(agents.id, conversations.agentId))
      .where(and(eq(visitors.businessId, placeholder("businessId")), sql`${visitors.id} IN (SELECT value FROM json_each(${placeholder("online")}))`))
      .prepare(),
  ).all({ businessId, online: JSON.stringify(onlineIds) });
  const now = Date.now();
  const live = rows.map(
    (row): LiveVisitor => ({
      id: row.id,
      name: row.name,
      currentPage: row.currentPage,
      pageTitle: row.pageTitle,
      language: row.language,
      timezone: row.timezone,
      onlineSince: onlineSince(row.id) ?? now,
      conversation:
        row.conversationId === null ? null : { id: row.conversationId, status: row.status!, agentId: row.agentId, agentName: row.agentName },
    }),
  );
  live.sort((a, b) => b.onlineSince - a.onlineSince || b.id - a.id);
  return { total: live.length, visitors: live.slice(0, limit) };
}

/**
 * The channel a conversation an agent starts is recorded under: the one the visitor last chatted
 * through, else WeChat for WeChat's browser, else the widget (the usual way to be seen online).
 */
function channelOf(db: Queryable, visitor: { id: number; userAgent: string | null }): Conversation["channel"] {
  const last = lastClosedConversation(db, visitor.id);
  if (last) return last.channel;
  return isWeChat(visitor.userAgent) ? "wechat" : "widget";
}

export interface ProactiveResult {
  conversation: Conversation;
  message: Message;
  /** False when this client id was already sent: the stored conversation is returned. */
  created: boolean;
}

/**
 * An agent writes first to a visitor who has no conversation going: a new conversation, open and
 * theirs, starts with their message. Refused when the visitor already waits or talks with
 * someone, or when the agent is at their capacity, as taking a conversation is. The message is
 * marked `proactive`, which is what makes the visitor's closed widget open by itself.
 */
export function startProactiveChat(
  db: Database,
  events: ConversationEvents,
  agent: { id: number; businessId: number; displayName: string },
  visitorId: number,
  draft: Draft,
): ProactiveResult {
  checkDraft(draft);
  const result = db.transaction((tx) => {
    const visitor = findVisitor(tx, agent.businessId, visitorId);
    if (!visitor) throw new NotFoundError("visitor");
    const current = currentConversation(tx, visitorId);
    if (current) {
      // The same form posted twice (a double click, a retry): answer with what the first made.
      const sent = tx
        .select()
        .from(messages)
        .where(and(eq(messages.conversationId, current.id), eq(messages.clientId, draft.clientId)))
        .get();
      if (sent) return { conversation: current, message: sent, created: false, announce: [] as Message[] };
      if (current.status === "open" && current.agentId === agent.id) throw new RuleError({ key: "liveVisitors.alreadyYours" });
      throw new RuleError({ key: "liveVisitors.alreadyInConversation" });
    }
    if (visitor.blocked) throw new RuleError({ key: "liveVisitors.blocked" });
    if (!hasRoom(tx, agent.id)) throw new RuleError({ key: "conversation.full" });
    const now = Date.now();
    const opened = tx
      .insert(conversations)
      .values({
        businessId: agent.businessId,
        visitorId,
        agentId: agent.id,
        status: "open",
        channel: channelOf(tx, visitor),
        sourcePage: visitor.currentPage,
        assignedAt: now,
      })
      .returning()
      .get();
    tx.update(agents).set({ lastAssignedAt: now }).where(eq(agents.id, agent.id)).run();
    const joined = insertSystemMessage(tx, opened, "joined", { agentId: agent.id, agentName: agent.displayName });
    const message = tx
      .insert(messages)
      .values({
        conversationId: opened.id,
        sender: "agent",
        agentId: agent.id,
        kind: "text",
        body: draft.body,
        meta: { agentName: agent.displayName, proactive: true },
        clientId: draft.clientId,
      })
      .returning()
      .get();
    tx.update(conversations).set({ firstResponseAt: message.createdAt }).where(eq(conversations.id, opened.id)).run();
    const conversation = touchConversation(tx, { ...opened, firstResponseAt: message.createdAt }, message);
    return { conversation, message, created: true, announce: [joined, message] };
  }, { behavior: "immediate" });
  // Committed: now the visitor's open pages and the agent's list hear of it (invariant 1).
  for (const message of result.announce) events.messageCreated(message, result.conversation);
  if (result.created) events.conversationChanged(result.conversation, null);
  return { conversation: result.conversation, message: result.message, created: result.created };
}
