// Routing: who answers a conversation, and when. Every rule lives here.
//
// An agent can take a conversation when they have a console open (`onlineAgentIds`, from
// presence), chose "online" (not "away" or "offline"), are below their capacity (their own
// maximum, else the business default), and serve its pool:
// - a conversation from an agent's exclusive link waits for that agent only;
// - a conversation for a group goes to the group's members first, then to agents in no group
//   (who serve every group);
// - a conversation with no group goes to anyone.
// Among those, a returning visitor's previous agent comes first, then the fewest open
// conversations, then whoever has been idle longest (oldest last assignment), then the lowest id.
// In `claim` mode nothing is assigned automatically: eligible agents see the conversation wait
// and the first to take it has it.
import { and, asc, eq, gte, isNull, or, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { prepared } from "../db/prepared";
import { agentGroups, agents, businesses, conversations, groups } from "../db/schema";
import type { Agent } from "./agents";
import { assignConversation, type Conversation, lastClosedConversation, requeueConversation } from "./conversations";
import type { ConversationEvents } from "./events";

/** Which agents a conversation may go to. */
export interface Pool {
  groupId: number | null;
  requestedAgentId: number | null;
}

export const anyone: Pool = { groupId: null, requestedAgentId: null };

/**
 * The pool a visitor's link asks for (`?group=` or an agent's exclusive `?agent=`), checked
 * against the business: a group or agent that is not (or no longer) there asks for nothing.
 */
export function resolvePool(db: Queryable, businessId: number, wish: { group?: number; agent?: number }): Pool {
  const agent =
    wish.agent === undefined
      ? undefined
      : db.select({ id: agents.id }).from(agents).where(and(eq(agents.businessId, businessId), eq(agents.id, wish.agent), eq(agents.disabled, false))).get();
  if (agent) return { groupId: null, requestedAgentId: agent.id };
  const group =
    wish.group === undefined ? undefined : db.select({ id: groups.id }).from(groups).where(and(eq(groups.businessId, businessId), eq(groups.id, wish.group))).get();
  return { groupId: group?.id ?? null, requestedAgentId: null };
}

// The statements below are prepared once (db/prepared.ts): a first message runs them, so they
// must not be rebuilt per call. The pool and the online agents are parameters:
// :groupId, :requestedAgentId (null for none), :online (a JSON array of agent ids).
const placeholder = (name: string) => sql.placeholder(name);
const inPoolGroup = sql`EXISTS (SELECT 1 FROM ${agentGroups} WHERE ${agentGroups.agentId} = ${agents.id} AND ${agentGroups.groupId} = ${placeholder("groupId")})`;
const inNoGroup = sql`NOT EXISTS (SELECT 1 FROM ${agentGroups} WHERE ${agentGroups.agentId} = ${agents.id})`;

/** The agents that serve the pool, whether or not they can take anything now. */
const servesPool = and(
  sql`(${placeholder("requestedAgentId")} IS NULL OR ${agents.id} = ${placeholder("requestedAgentId")})`,
  sql`(${placeholder("groupId")} IS NULL OR ${inPoolGroup} OR ${inNoGroup})`,
);

/** Agents of the business with a console open who chose "online" and serve the pool. */
const available = and(
  eq(agents.businessId, placeholder("businessId")),
  eq(agents.disabled, false),
  eq(agents.availability, "online"),
  sql`${agents.id} IN (SELECT value FROM json_each(${placeholder("online")}))`,
  servesPool,
);

// Counted per candidate through conversations(agent_id, status), so the cost follows the number
// of online agents, not the number of open conversations in the business.
const openCount = sql<number>`(SELECT count(*) FROM ${conversations} WHERE ${conversations.agentId} = ${agents.id} AND ${conversations.status} = 'open')`;
const capacity = sql<number>`coalesce(${agents.maxConcurrentChats}, (SELECT ${businesses.maxConcurrentChats} FROM ${businesses} WHERE ${businesses.id} = ${agents.businessId}))`;
const hasRoomNow = sql`${openCount} < ${capacity}`;

const poolParams = (pool: Pool) => ({ groupId: pool.groupId, requestedAgentId: pool.requestedAgentId });

export function chooseAgent(
  db: Queryable,
  businessId: number,
  onlineAgentIds: readonly number[],
  pool: Pool = anyone,
  preferredAgentId: number | null = null,
): number | null {
  if (onlineAgentIds.length === 0) return null;
  const choice = prepared(db, "chooseAgent", (db) =>
    db
      .select({ id: agents.id })
      .from(agents)
      .where(and(available, hasRoomNow))
      .orderBy(
        sql`${agents.id} IS NOT ${placeholder("preferredAgentId")}`,
        // Members of the group before those who serve every group.
        sql`NOT ${inPoolGroup}`,
        openCount,
        sql`${agents.lastAssignedAt} IS NOT NULL`,
        asc(agents.lastAssignedAt),
        asc(agents.id),
      )
      .limit(1)
      .prepare(),
  ).get({ businessId, online: JSON.stringify(onlineAgentIds), preferredAgentId, ...poolParams(pool) });
  return choice?.id ?? null;
}

/** Someone who serves the pool is online now, full or not: otherwise the shop may prefer a form. */
export function anyAgentOnline(db: Queryable, businessId: number, onlineAgentIds: readonly number[], pool: Pool): boolean {
  if (onlineAgentIds.length === 0) return false;
  const found = prepared(db, "anyAgentOnline", (db) => db.select({ id: agents.id }).from(agents).where(available).limit(1).prepare());
  return found.get({ businessId, online: JSON.stringify(onlineAgentIds), ...poolParams(pool) }) !== undefined;
}

/** Whether an agent could be given a conversation now, and if not, why: the rules above, as words. */
export type Readiness = "ready" | "away" | "offline" | "full";

export interface AgentLoad {
  id: number;
  displayName: string;
  readiness: Readiness;
  /** Open conversations, against their capacity: "3/5". */
  open: number;
  capacity: number;
}

/** The business's active agents with their load and readiness, by name (the transfer picker). */
export function agentLoads(db: Queryable, businessId: number, onlineAgentIds: readonly number[]): AgentLoad[] {
  const online = new Set(onlineAgentIds);
  return db
    .select({ id: agents.id, displayName: agents.displayName, availability: agents.availability, open: openCount, capacity })
    .from(agents)
    // Joined so that drizzle names every column with its table: alone, the select list drops the
    // names and the count's "id" would mean the conversation's.
    .innerJoin(businesses, eq(businesses.id, agents.businessId))
    .where(and(eq(agents.businessId, businessId), eq(agents.disabled, false)))
    .orderBy(asc(agents.displayName), asc(agents.id))
    .all()
    .map(({ availability, ...load }) => ({
      ...load,
      // No console open counts as offline, whatever they chose when they last had one.
      readiness: !online.has(load.id) || availability === "offline" ? "offline" : availability === "away" ? "away" : load.open >= load.capacity ? "full" : "ready",
    }));
}

/** Up to `limit` of the agents who serve the pool and are online now: the team a visitor is shown. */
export function onlineTeam(db: Queryable, businessId: number, onlineAgentIds: readonly number[], pool: Pool, limit = 3): Pick<Agent, "displayName" | "avatar">[] {
  if (onlineAgentIds.length === 0) return [];
  const team = prepared(db, "onlineTeam", (db) =>
    db.select({ displayName: agents.displayName, avatar: agents.avatar }).from(agents).where(available).orderBy(asc(agents.id)).limit(placeholder("limit")).prepare(),
  );
  return team.all({ businessId, online: JSON.stringify(onlineAgentIds), limit, ...poolParams(pool) });
}

/** Whether `agent` serves the pool of `conversation` (may see it wait and take it). */
export function serves(db: Queryable, agentId: number, conversation: Pick<Conversation, "groupId" | "requestedAgentId">): boolean {
  const found = prepared(db, "servesPool", (db) =>
    db.select({ id: agents.id }).from(agents).where(and(eq(agents.id, placeholder("agentId")), servesPool)).prepare(),
  );
  return found.get({ agentId, ...poolParams(conversation) }) !== undefined;
}

/** The agent is below their capacity. */
export function hasRoom(db: Queryable, agentId: number): boolean {
  return db.select({ id: agents.id }).from(agents).where(and(eq(agents.id, agentId), hasRoomNow)).get() !== undefined;
}

/** The waiting conversations `agentId` serves: a condition on `conversations`. */
export function waitingFor(agentId: number) {
  const myGroups = sql`SELECT ${agentGroups.groupId} FROM ${agentGroups} WHERE ${agentGroups.agentId} = ${agentId}`;
  return and(
    or(isNull(conversations.requestedAgentId), eq(conversations.requestedAgentId, agentId)),
    or(isNull(conversations.groupId), sql`NOT EXISTS (${myGroups})`, sql`${conversations.groupId} IN (${myGroups})`),
  );
}

/** The change took a waiting conversation out of its line: taken, closed, or moved to another pool. */
export function leftItsLine(conversation: Conversation, previous: Conversation | null): previous is Conversation {
  if (previous?.status !== "queued") return false;
  return conversation.status !== "queued" || previous.groupId !== conversation.groupId || previous.requestedAgentId !== conversation.requestedAgentId;
}

/** Conversations in the same pool wait in one line: same group, same requested agent. */
export function samePool(conversation: Pick<Conversation, "groupId" | "requestedAgentId">) {
  return and(
    sql`${conversations.groupId} IS ${conversation.groupId}`,
    sql`${conversations.requestedAgentId} IS ${conversation.requestedAgentId}`,
  );
}

/** The agent of the visitor's most recent earlier conversation, if any. */
export function previousAgent(db: Queryable, visitorId: number): number | null {
  return lastClosedConversation(db, visitorId)?.agentId ?? null;
}

export function routingMode(db: Queryable, businessId: number): "auto" | "claim" {
  return db.select({ mode: businesses.routingMode }).from(businesses).where(eq(businesses.id, businessId)).get()?.mode ?? "auto";
}

/**
 * Gives waiting conversations, oldest first, to agents with a free slot. A conversation nobody
 * can take holds back the rest of its pool (first in, first out per pool) but not other pools.
 * Each assignment is its own IMMEDIATE transaction whose UPDATE only matches a still-queued row,
 * so racing drains never assign one conversation twice. Claim mode assigns nothing.
 */
export function drainQueue(
  db: Database,
  events: ConversationEvents,
  businessId: number,
  onlineAgentIds: readonly number[],
  /** A conversation just handed on by this agent: not given straight back to them. */
  handedOn?: { conversationId: number; fromAgentId: number },
): number {
  if (onlineAgentIds.length === 0 || routingMode(db, businessId) === "claim") return 0;
  const waiting = db
    .select()
    .from(conversations)
    .where(and(eq(conversations.businessId, businessId), eq(conversations.status, "queued")))
    .orderBy(asc(conversations.id))
    .limit(500)
    .all();
  const stuck = new Set<string>();
  let assigned = 0;
  for (const candidate of waiting) {
    const key = `${candidate.groupId}:${candidate.requestedAgentId}`;
    if (stuck.has(key)) continue;
    const result = db.transaction((tx) => {
      // Routed as it is now, not as it was read before the transaction.
      const head = tx.select().from(conversations).where(and(eq(conversations.id, candidate.id), eq(conversations.status, "queued"))).get();
      if (!head) return undefined;
      const candidates = head.id === handedOn?.conversationId ? onlineAgentIds.filter((id) => id !== handedOn.fromAgentId) : onlineAgentIds;
      const agentId = chooseAgent(db, businessId, candidates, { groupId: head.groupId, requestedAgentId: head.requestedAgentId });
      if (agentId === null) return head.id === handedOn?.conversationId ? undefined : null;
      const taken = assignConversation(tx, head, agentId);
      return taken ? { before: head, ...taken } : undefined;
    }, { behavior: "immediate" });
    if (result === null) stuck.add(key);
    if (!result) continue;
    assigned++;
    for (const message of result.messages) events.messageCreated(message, result.conversation);
    events.conversationChanged(result.conversation, result.before);
  }
  return assigned;
}

/**
 * An agent whose console has been closed for longer than their business's hold time loses their
 * open conversations: each goes back to the head of the queue (it keeps its id, so it is older
 * than anything that arrived since) and is routed again. A hold of 0 keeps them with the agent.
 * `absentSince` says since when an agent has had no console open, or null if they have one now.
 */
export function requeueFromAbsentAgents(
  db: Database,
  events: ConversationEvents,
  absentSince: (agentId: number) => number | null,
  now = Date.now(),
): Conversation[] {
  const holders = db
    .selectDistinct({ agentId: conversations.agentId, businessId: conversations.businessId, holdMinutes: businesses.holdMinutes })
    .from(conversations)
    .innerJoin(businesses, eq(businesses.id, conversations.businessId))
    .where(and(eq(conversations.status, "open"), gte(businesses.holdMinutes, 1)))
    .all();
  const requeued: Conversation[] = [];
  for (const { agentId, holdMinutes } of holders) {
    const since = agentId === null ? null : absentSince(agentId);
    if (since === null || now - since < holdMinutes * 60_000) continue;
    const open = db
      .select()
      .from(conversations)
      .where(and(eq(conversations.agentId, agentId!), eq(conversations.status, "open")))
      .all();
    for (const before of open) {
      const result = db.transaction((tx) => requeueConversation(tx, before), { behavior: "immediate" });
      if (!result) continue;
      events.messageCreated(result.event, result.conversation);
      events.conversationChanged(result.conversation, before);
      requeued.push(result.conversation);
    }
  }
  return requeued;
}
