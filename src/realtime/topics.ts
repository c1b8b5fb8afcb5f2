// Every topic name is built here and nowhere else. Fragments differ per audience and per
// language, so the topics that carry HTML name both.
import type { Locale } from "../i18n";

export const topics = {
  /** Every page of one visitor (all tabs), in one language. */
  visitorThread: (visitorId: number, locale: Locale) => `visitor:${visitorId}:${locale}`,
  /** Agents looking at one visitor's thread, in one language. */
  agentThread: (visitorId: number, locale: Locale) => `thread:${visitorId}:agents:${locale}`,
  /** One agent's own pages: their list, unread total, alerts. */
  agent: (agentId: number, locale: Locale) => `agent:${agentId}:${locale}`,
  /** Every agent of a business: shop-wide counts such as the inbox. */
  businessAgents: (businessId: number, locale: Locale) => `business:${businessId}:agents:${locale}`,
  /**
   * Agents who serve one pool of waiting conversations (see domain/assignment.ts): those with
   * no group, one group's, or one agent's exclusive-link visitors.
   */
  waiting: (businessId: number, pool: { groupId: number | null; requestedAgentId: number | null }, locale: Locale) =>
    `business:${businessId}:waiting:${pool.requestedAgentId !== null ? `agent-${pool.requestedAgentId}` : pool.groupId !== null ? `group-${pool.groupId}` : "all"}:${locale}`,
};
