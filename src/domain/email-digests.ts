// The digest for agents who are away from the console: what they missed (chats nobody answered,
// offline messages still waiting) since their last digest, at most once an hour and only when
// there is something new. Each agent can turn it off in their preferences.
import { and, desc, eq, gt, inArray, isNull, notInArray, or } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { agents, conversations, emailDigests, emailSettings, offlineMessages, visitors } from "../db/schema";
import type { Agent } from "./agents";
import type { Conversation } from "./conversations";
import type { OfflineMessage } from "./offline-messages";
import type { Visitor } from "./visitors";

export const digestEveryMs = 60 * 60 * 1000;
const itemsShown = 50;

export interface Digest {
  agent: Agent;
  missed: { conversation: Conversation; visitor: Visitor }[];
  offlineMessages: OfflineMessage[];
}

export function digestEnabled(db: Queryable, agentId: number): boolean {
  return db.select({ enabled: emailDigests.enabled }).from(emailDigests).where(eq(emailDigests.agentId, agentId)).get()?.enabled ?? true;
}

export function setDigestEnabled(db: Queryable, agentId: number, enabled: boolean): void {
  db.insert(emailDigests).values({ agentId, enabled }).onConflictDoUpdate({ target: emailDigests.agentId, set: { enabled } }).run();
}

/**
 * The digests due now, each marked sent: for every agent of a shop with email set up who is not
 * online, wants digests, had none within the hour, and has something new since the last one.
 * Immediate: "had none within the hour" is read under the write lock, so a second process (a
 * housekeeping leader that lost its lease mid-sweep) finds them sent and mails nobody twice.
 */
export function takeDueDigests(db: Database, onlineAgentIds: readonly number[], now = Date.now()): Digest[] {
  return db.transaction((tx) => {
    const due = tx
      .select({ agent: agents, lastSentAt: emailDigests.lastSentAt })
      .from(agents)
      .innerJoin(emailSettings, eq(emailSettings.businessId, agents.businessId))
      .leftJoin(emailDigests, eq(emailDigests.agentId, agents.id))
      .where(
        and(
          eq(agents.disabled, false),
          onlineAgentIds.length ? notInArray(agents.id, [...onlineAgentIds]) : undefined,
          or(isNull(emailDigests.agentId), eq(emailDigests.enabled, true)),
        ),
      )
      .all()
      .filter((row) => row.lastSentAt === null || now - row.lastSentAt >= digestEveryMs);
    const digests: Digest[] = [];
    for (const { agent, lastSentAt } of due) {
      const since = lastSentAt ?? now - digestEveryMs;
      const missed = tx
        .select({ conversation: conversations, visitor: visitors })
        .from(conversations)
        .innerJoin(visitors, eq(visitors.id, conversations.visitorId))
        .where(
          and(
            eq(conversations.businessId, agent.businessId),
            inArray(conversations.status, ["queued", "closed"]),
            isNull(conversations.firstResponseAt),
            gt(conversations.openedAt, since),
          ),
        )
        .orderBy(desc(conversations.id))
        .limit(itemsShown)
        .all();
      const left = tx
        .select()
        .from(offlineMessages)
        .where(and(eq(offlineMessages.businessId, agent.businessId), eq(offlineMessages.handled, false), gt(offlineMessages.createdAt, since)))
        .orderBy(desc(offlineMessages.id))
        .limit(itemsShown)
        .all();
      if (!missed.length && !left.length) continue;
      tx.insert(emailDigests)
        .values({ agentId: agent.id, lastSentAt: now })
        .onConflictDoUpdate({ target: emailDigests.agentId, set: { lastSentAt: now } })
        .run();
      digests.push({ agent, missed, offlineMessages: left });
    }
    return digests;
  }, { behavior: "immediate" });
}
