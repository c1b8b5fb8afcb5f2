// Who answers a new conversation. For now: the online agent of the business with the fewest
// open conversations (ties to the lowest id); nobody online means it waits in the queue.
// Issue 4 grows this into full routing (groups, capacity, claim mode); keep it the one place.
import { and, asc, count, eq, inArray, sql } from "drizzle-orm";
import type { Queryable } from "../db/client";
import { agents, conversations } from "../db/schema";

export function chooseAgent(db: Queryable, businessId: number, onlineAgentIds: readonly number[]): number | null {
  if (onlineAgentIds.length === 0) return null;
  const open = db
    .select({ agentId: conversations.agentId, n: count().as("n") })
    .from(conversations)
    .where(and(eq(conversations.businessId, businessId), eq(conversations.status, "open")))
    .groupBy(conversations.agentId)
    .as("open");
  const choice = db
    .select({ id: agents.id })
    .from(agents)
    .leftJoin(open, eq(open.agentId, agents.id))
    .where(and(eq(agents.businessId, businessId), eq(agents.disabled, false), inArray(agents.id, [...onlineAgentIds])))
    .orderBy(sql`coalesce(${open.n}, 0)`, asc(agents.id))
    .limit(1)
    .get();
  return choice?.id ?? null;
}
