// Every topic name is built here and nowhere else. Fragments differ per audience and per
// language, so the topics that carry HTML name both.
import type { Pool } from "../domain/assignment";
import type { Locale } from "../i18n";

/**
 * Who sees a waiting conversation (the rules are in domain/assignment.ts): everyone for one with
 * no group; a group's members and the agents in no group (who serve every group) for a group's;
 * only the named agent for an exclusive link's.
 */
export type WaitingAudience = "all" | "every-group" | `group-${number}` | `agent-${number}`;

export function waitingAudiences(pool: Pool): WaitingAudience[] {
  if (pool.requestedAgentId !== null) return [`agent-${pool.requestedAgentId}`];
  if (pool.groupId !== null) return [`group-${pool.groupId}`, "every-group"];
  return ["all"];
}

/** What an agent listens to: their own exclusive links, and their groups' or every group's. */
export function agentWaitingAudiences(agentId: number, groupIds: readonly number[]): WaitingAudience[] {
  return ["all", `agent-${agentId}`, ...(groupIds.length > 0 ? groupIds.map((id): WaitingAudience => `group-${id}`) : ["every-group" as const])];
}

export const topics = {
  /** Every page of one visitor (all tabs), in one language. */
  visitorThread: (visitorId: number, locale: Locale) => `visitor:${visitorId}:${locale}`,
  /** Agents looking at one visitor's thread, in one language. */
  agentThread: (visitorId: number, locale: Locale) => `thread:${visitorId}:agents:${locale}`,
  /** One agent's own pages: their list, unread total, alerts. */
  agent: (agentId: number, locale: Locale) => `agent:${agentId}:${locale}`,
  /** Every agent of a business: shop-wide counts such as the inbox. */
  businessAgents: (businessId: number, locale: Locale) => `business:${businessId}:agents:${locale}`,
  /** A business's owners and admins: every conversation not closed (the workspace's "All"). */
  businessManagers: (businessId: number, locale: Locale) => `business:${businessId}:managers:${locale}`,
  /** Agents shown one kind of waiting conversation (see `waitingAudiences`). */
  waiting: (businessId: number, audience: WaitingAudience, locale: Locale) => `business:${businessId}:waiting:${audience}:${locale}`,
};
