// Who answers a new conversation. For now: among the agents of the business who have a console
// open (`onlineAgentIds`, from presence) and are available ("online", not "away" or "offline"),
// the one with the fewest open conversations (ties to the lowest id); nobody means it waits.
// Issue 4 grows this into full routing (groups, capacity, claim mode); keep it the one place.
import { and, asc, count, eq, inArray, sql } from "drizzle-orm";
import type { Queryable } from "../db/client";
import { agents, conversations } from "../db/schema";

export function chooseAgent(db: Queryable, businessId: number, onlineAgentIds: readonly number[]): number | null {
  if (onlineAgentIds.length === 0) return null;
  // Counted per candidate through conversations(agent_id, status), so the cost follows the
  // number of online agents, not the number of open conversations in the business.
  const openCount = db
    .select({ n: count() })
    .from(conversations)
    .where(and(eq(conversations.agentId, agents.id), eq(conversations.status, "open")));
  const choice = db
    .select({ id: agents.id })
    .from(agents)
    .where(
      and(
        eq(agents.businessId, businessId),
        eq(agents.disabled, false),
        eq(agents.availability, "online"),
        inArray(agents.id, [...onlineAgentIds]),
      ),
    )
    .orderBy(sql`(${openCount})`, asc(agents.id))
    .limit(1)
    .get();
  return choice?.id ?? null;
}
