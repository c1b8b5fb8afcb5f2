// Groups (departments, 分组): named sets of agents that a chat link or the visitor's choice can
// ask for. An agent in no group serves every group (the rule lives in assignment.ts). Every read
// and write starts from the actor's business, so another shop's group is simply not found.
import { and, asc, count, eq, inArray, ne, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { agentGroups, agents, conversations, groups } from "../db/schema";
import { recordAudit } from "./audit";
import { type Business, changeSettings } from "./businesses";
import { NotFoundError, ValidationError } from "./errors";
import type { DomainEvents } from "./events";
import { checkName } from "./fields";
import { limits } from "./limits";

export type Group = typeof groups.$inferSelect;
type GroupActor = { id: number; businessId: number };

export interface GroupMember {
  id: number;
  displayName: string;
}

export interface GroupWithMembers extends Group {
  members: GroupMember[];
  memberCount: number;
}

/** The business's groups by name, each with its active members by name. */
export function listGroups(db: Queryable, businessId: number): GroupWithMembers[] {
  const rows = db.select().from(groups).where(eq(groups.businessId, businessId)).orderBy(asc(groups.name), asc(groups.id)).all();
  const memberships = db
    .select({ groupId: agentGroups.groupId, id: agents.id, displayName: agents.displayName })
    .from(agentGroups)
    .innerJoin(agents, eq(agents.id, agentGroups.agentId))
    .where(and(eq(agents.businessId, businessId), eq(agents.disabled, false)))
    .orderBy(asc(agents.displayName), asc(agents.id))
    .all();
  return rows.map((group) => {
    const members = memberships.filter((m) => m.groupId === group.id).map(({ id, displayName }) => ({ id, displayName }));
    return { ...group, members, memberCount: members.length };
  });
}

export function findGroup(db: Queryable, businessId: number, groupId: number): Group {
  const group = db.select().from(groups).where(and(eq(groups.businessId, businessId), eq(groups.id, groupId))).get();
  if (!group) throw new NotFoundError("group");
  return group;
}

/** The ids of the groups an agent belongs to; none means the agent serves every group. */
export function groupIdsOfAgent(db: Queryable, agentId: number): number[] {
  return db
    .select({ groupId: agentGroups.groupId })
    .from(agentGroups)
    .where(eq(agentGroups.agentId, agentId))
    .all()
    .map((row) => row.groupId);
}

/** The names of each agent's groups, for the Team page; an agent in no group is absent. */
export function groupNamesByAgent(db: Queryable, businessId: number): Map<number, string[]> {
  const rows = db
    .select({ agentId: agentGroups.agentId, name: groups.name })
    .from(agentGroups)
    .innerJoin(groups, eq(groups.id, agentGroups.groupId))
    .where(eq(groups.businessId, businessId))
    .orderBy(asc(groups.name))
    .all();
  const names = new Map<number, string[]>();
  for (const { agentId, name } of rows) names.set(agentId, [...(names.get(agentId) ?? []), name]);
  return names;
}

/** A trimmed, valid name that no other group of the business has, ignoring case. */
function checkGroupName(tx: Queryable, businessId: number, name: string, exceptId?: number): string {
  const problem = checkName(name, limits.groupNameLength);
  if (problem) throw new ValidationError({ name: problem });
  const trimmed = name.trim();
  const taken = tx
    .select({ id: groups.id })
    .from(groups)
    .where(
      and(
        eq(groups.businessId, businessId),
        // Visitors pick a group by its name: "Sales" and "sales" would look like one group.
        sql`lower(${groups.name}) = lower(${trimmed})`,
        exceptId === undefined ? undefined : ne(groups.id, exceptId),
      ),
    )
    .get();
  if (taken) throw new ValidationError({ name: { key: "groups.nameTaken" } });
  return trimmed;
}

export function createGroup(db: Database, actor: GroupActor, name: string): Group {
  return db.transaction((tx) => {
    const trimmed = checkGroupName(tx, actor.businessId, name);
    const existing = tx.select({ n: count() }).from(groups).where(eq(groups.businessId, actor.businessId)).get();
    if ((existing?.n ?? 0) >= limits.groupsPerBusiness) {
      throw new ValidationError({ name: { key: "groups.tooMany", params: { max: limits.groupsPerBusiness } } });
    }
    const group = tx.insert(groups).values({ businessId: actor.businessId, name: trimmed }).returning().get();
    recordAudit(tx, actor, "group.created", `group:${group.id}`, { name: trimmed });
    return group;
  }, { behavior: "immediate" });
}

export function renameGroup(db: Database, actor: GroupActor, groupId: number, name: string): Group {
  return db.transaction((tx) => {
    const group = findGroup(tx, actor.businessId, groupId);
    const trimmed = checkGroupName(tx, actor.businessId, name, group.id);
    const renamed = tx
      .update(groups)
      .set({ name: trimmed })
      .where(and(eq(groups.businessId, actor.businessId), eq(groups.id, group.id)))
      .returning()
      .get()!;
    recordAudit(tx, actor, "group.renamed", `group:${group.id}`, { from: group.name, to: trimmed });
    return renamed;
  }, { behavior: "immediate" });
}

/**
 * Its conversations keep their history but lose the group (any agent may then serve them);
 * memberships go with it, so every agent's groups, and what they serve, change.
 */
export function deleteGroup(db: Database, events: DomainEvents, actor: GroupActor, groupId: number): void {
  db.transaction((tx) => {
    const group = findGroup(tx, actor.businessId, groupId);
    tx.update(conversations)
      .set({ groupId: null })
      .where(and(eq(conversations.businessId, actor.businessId), eq(conversations.groupId, group.id)))
      .run();
    tx.delete(groups).where(and(eq(groups.businessId, actor.businessId), eq(groups.id, group.id))).run();
    recordAudit(tx, actor, "group.deleted", `group:${group.id}`, { name: group.name });
  }, { behavior: "immediate" });
  events.groupsChanged(actor.businessId, null);
  events.routingChanged(actor.businessId);
}

/**
 * Makes the group's active members exactly `agentIds`, which must be active agents of the
 * business. Disabled agents keep their memberships, so enabling one again restores them. The
 * agents moved in or out are announced: new members may take the group's waiting visitors now.
 */
export function setGroupMembers(db: Database, events: DomainEvents, actor: GroupActor, groupId: number, agentIds: readonly number[]): void {
  const wanted = [...new Set(agentIds)];
  const moved = db.transaction((tx) => {
    const group = findGroup(tx, actor.businessId, groupId);
    const active = tx
      .select({ id: agents.id })
      .from(agents)
      .where(and(eq(agents.businessId, actor.businessId), eq(agents.disabled, false)))
      .all()
      .map((agent) => agent.id);
    const allowed = new Set(active);
    if (wanted.some((id) => !allowed.has(id))) throw new ValidationError({ agentIds: { key: "groups.unknownMember" } });
    const members = tx.select({ agentId: agentGroups.agentId }).from(agentGroups).where(eq(agentGroups.groupId, group.id)).all();
    const before = new Set(members.map((row) => row.agentId));
    if (active.length) {
      tx.delete(agentGroups).where(and(eq(agentGroups.groupId, group.id), inArray(agentGroups.agentId, active))).run();
    }
    if (wanted.length) tx.insert(agentGroups).values(wanted.map((agentId) => ({ agentId, groupId: group.id }))).run();
    recordAudit(tx, actor, "group.members_changed", `group:${group.id}`, { agentIds: wanted });
    return active.filter((id) => before.has(id) !== wanted.includes(id));
  }, { behavior: "immediate" });
  if (moved.length === 0) return;
  events.groupsChanged(actor.businessId, moved);
  events.routingChanged(actor.businessId);
}

/** Whether the visitor page asks which group to talk to before the first message. */
export function setGroupPicker(db: Database, actor: GroupActor, enabled: boolean): Business {
  return changeSettings(db, actor, { groupPicker: enabled }, "business.group_picker_changed", { enabled });
}
