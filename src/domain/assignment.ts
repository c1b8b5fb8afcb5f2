// Who answers a conversation. Among the agents of the business who have a console open
// (`onlineAgentIds`, from presence), are available ("online", not "away" or "offline") and are
// below their capacity (their own maximum, else the business default), the one with the fewest
// open conversations (ties to the lowest id); nobody means it waits in the queue. A returning
// visitor's previous agent comes first when they are among those who can take it.
// Issue 4 grows this into full routing (groups, claim mode); keep it the one place.
import { and, asc, count, desc, eq, inArray, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { assignConversation } from "./conversations";
import type { ConversationEvents } from "./events";
import { agents, businesses, conversations } from "../db/schema";

export function chooseAgent(
  db: Queryable,
  businessId: number,
  onlineAgentIds: readonly number[],
  preferredAgentId: number | null = null,
): number | null {
  if (onlineAgentIds.length === 0) return null;
  // Counted per candidate through conversations(agent_id, status), so the cost follows the
  // number of online agents, not the number of open conversations in the business.
  const openCount = db
    .select({ n: count() })
    .from(conversations)
    .where(and(eq(conversations.agentId, agents.id), eq(conversations.status, "open")));
  const businessCapacity = db
    .select({ capacity: businesses.maxConcurrentChats })
    .from(businesses)
    .where(eq(businesses.id, agents.businessId));
  const choice = db
    .select({ id: agents.id })
    .from(agents)
    .where(
      and(
        eq(agents.businessId, businessId),
        eq(agents.disabled, false),
        eq(agents.availability, "online"),
        inArray(agents.id, [...onlineAgentIds]),
        sql`(${openCount}) < coalesce(${agents.maxConcurrentChats}, (${businessCapacity}))`,
      ),
    )
    .orderBy(sql`${agents.id} IS NOT ${preferredAgentId}`, sql`(${openCount})`, asc(agents.id))
    .limit(1)
    .get();
  return choice?.id ?? null;
}

/** The agent of the visitor's most recent earlier conversation, if any. */
export function previousAgent(db: Queryable, visitorId: number): number | null {
  return (
    db
      .select({ agentId: conversations.agentId })
      .from(conversations)
      .where(and(eq(conversations.visitorId, visitorId), eq(conversations.status, "closed")))
      .orderBy(desc(conversations.id))
      .limit(1)
      .get()?.agentId ?? null
  );
}

/**
 * Gives waiting conversations, oldest first, to agents with a free slot, until the queue is
 * empty or nobody can take more. Each assignment is its own IMMEDIATE transaction whose UPDATE
 * only matches a still-queued row, so racing drains never assign one conversation twice.
 */
export function drainQueue(
  db: Database,
  events: ConversationEvents,
  businessId: number,
  onlineAgentIds: readonly number[],
): number {
  let assigned = 0;
  for (;;) {
    const result = db.transaction((tx) => {
      const head = tx
        .select()
        .from(conversations)
        .where(and(eq(conversations.businessId, businessId), eq(conversations.status, "queued")))
        .orderBy(asc(conversations.id))
        .limit(1)
        .get();
      if (!head) return null;
      const agentId = chooseAgent(tx, businessId, onlineAgentIds);
      if (agentId === null) return null;
      const taken = assignConversation(tx, head, agentId);
      return taken ? { before: head, ...taken } : null;
    }, { behavior: "immediate" });
    if (!result) return assigned;
    assigned++;
    for (const message of result.messages) events.messageCreated(message, result.conversation);
    events.conversationChanged(result.conversation, result.before);
  }
}
