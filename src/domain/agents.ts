// Agents: the people who answer visitors. Every read and write is scoped to the business of
// whoever acts, so an id from another shop is simply not found.
import { and, asc, count, eq, getTableColumns, gt, inArray, ne, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { prepared } from "../db/prepared";
import { agents, businesses, sessions } from "../db/schema";
import type { Locale } from "../i18n";
import { recordAudit } from "./audit";
import { NotFoundError, RuleError, ValidationError } from "./errors";
import type { DomainEvents } from "./events";
import { checkEmail, checkName, checkPassword, checkRole, normalizeEmail, problems, type Role } from "./fields";
import { checkGreeting } from "./greetings";
import { limits } from "./limits";
import { hashPassword, verifyAgainstDecoy, verifyPassword } from "./passwords";
import { readablePassword } from "./tokens";
import { isManager, mayChangeMember } from "./permissions";

type AgentRow = typeof agents.$inferSelect;
/** An agent as the rest of the app sees one: never with the password hash. */
export type Agent = Omit<AgentRow, "passwordHash">;
export type Actor = Pick<Agent, "id" | "businessId" | "role">;

const { passwordHash: _hash, ...publicColumns } = getTableColumns(agents);

export function toAgent(row: AgentRow): Agent {
  const { passwordHash: _omit, ...agent } = row;
  return agent;
}

export interface NewAgent {
  businessId: number;
  email: string;
  name: string;
  role: string;
  /** Without one, a temporary password is made and must be changed at first sign-in. */
  password?: string;
}

export interface AddedAgent {
  agent: Agent;
  temporaryPassword: string | null;
}

export async function addAgent(db: Database, input: NewAgent, actor?: Actor): Promise<AddedAgent> {
  const found = problems({
    name: checkName(input.name),
    email: checkEmail(input.email),
    role: checkRole(input.role),
    password: input.password === undefined ? null : checkPassword(input.password),
  });
  if (found) throw new ValidationError(found);
  const temporaryPassword = input.password === undefined ? readablePassword() : null;
  const passwordHash = await hashPassword(input.password ?? temporaryPassword!);
  const row = db.transaction((tx) => {
    checkAgentLimit(tx, input.businessId);
    const inserted = insertAgent(tx, {
      businessId: input.businessId,
      email: input.email,
      displayName: input.name,
      role: input.role as Role,
      passwordHash,
      mustChangePassword: temporaryPassword !== null,
    });
    if (actor) recordAudit(tx, actor, "agent.added", `agent:${inserted.id}`, { role: inserted.role });
    return inserted;
  }, { behavior: "immediate" });
  return { agent: toAgent(row), temporaryPassword };
}

/** Inserts a validated agent; call inside an IMMEDIATE transaction so the email check holds. */
export function insertAgent(tx: Queryable, values: typeof agents.$inferInsert): AgentRow {
  const email = normalizeEmail(values.email);
  if (tx.select({ id: agents.id }).from(agents).where(eq(agents.email, email)).get()) {
    throw new ValidationError({ email: { key: "error.email.taken" } });
  }
  return tx
    .insert(agents)
    // A new member is available unless they say otherwise: they take chats once a console is open.
    .values({ availability: "online", ...values, email, displayName: values.displayName.trim() })
    .returning()
    .get();
}

export function listAgents(db: Database, businessId: number): Agent[] {
  return db
    .select(publicColumns)
    .from(agents)
    .where(eq(agents.businessId, businessId))
    .orderBy(asc(agents.displayName), asc(agents.id))
    .all();
}

export function findAgent(db: Queryable, businessId: number, agentId: number): Agent {
  const agent = db
    .select(publicColumns)
    .from(agents)
    .where(and(eq(agents.businessId, businessId), eq(agents.id, agentId)))
    .get();
  if (!agent) throw new NotFoundError("agent");
  return agent;
}

/** The agent's name as it is now (messages are signed with it), from a statement prepared once. */
export function agentDisplayName(db: Queryable, agentId: number): string | undefined {
  return prepared(db, "agentDisplayName", (db) =>
    db.select({ name: agents.displayName }).from(agents).where(eq(agents.id, sql.placeholder("agentId"))).prepare(),
  ).get({ agentId })?.name;
}

/** Whether the install's first shop has an owner; until it has, /setup makes one. Shops added from the command line come with theirs. */
export function ownerExists(db: Database): boolean {
  const first = db.select({ id: businesses.id }).from(businesses).orderBy(asc(businesses.id)).limit(1).get();
  return first !== undefined && hasOwner(db, first.id);
}

export function hasOwner(db: Queryable, businessId: number): boolean {
  return db.select({ id: agents.id }).from(agents).where(and(eq(agents.businessId, businessId), eq(agents.role, "owner"))).limit(1).get() !== undefined;
}

/** The agent with this email and password, or null; disabled agents cannot sign in. */
export async function verifyCredentials(db: Database, email: string, password: string): Promise<Agent | null> {
  const row = db.select().from(agents).where(eq(agents.email, normalizeEmail(email))).get();
  if (!row) {
    await verifyAgainstDecoy(password);
    return null;
  }
  const ok = await verifyPassword(password, row.passwordHash);
  return ok && !row.disabled ? toAgent(row) : null;
}

/** Refuses one more active member past the limit a platform admin set for the shop; call inside the change's transaction. */
function checkAgentLimit(tx: Queryable, businessId: number): void {
  const shop = tx.select({ maxAgents: businesses.maxAgents }).from(businesses).where(eq(businesses.id, businessId)).get();
  if (shop?.maxAgents == null) return;
  const active = tx.select({ n: count() }).from(agents).where(and(eq(agents.businessId, businessId), eq(agents.disabled, false))).get()?.n ?? 0;
  if (active >= shop.maxAgents) throw new RuleError({ key: "team.agentLimitReached", params: { max: shop.maxAgents } });
}

/** Refuses a change that would leave the business without an active owner. */
function keepAnOwner(tx: Queryable, businessId: number, losingOwnerId: number): void {
  const others = tx
    .select({ n: count() })
    .from(agents)
    .where(
      and(
        eq(agents.businessId, businessId),
        eq(agents.role, "owner"),
        eq(agents.disabled, false),
        ne(agents.id, losingOwnerId),
      ),
    )
    .get();
  if (!others?.n) throw new RuleError({ key: "team.lastOwner" });
}

function guardTeamChange(actor: Actor, target: Agent, newRole?: Role): void {
  if (!isManager(actor)) throw new RuleError({ key: "error.forbidden" });
  if (!mayChangeMember(actor, target, newRole)) throw new RuleError({ key: "team.ownerByAdmin" });
}

export function changeRole(db: Database, actor: Actor, agentId: number, role: string): Agent {
  const problem = checkRole(role);
  if (problem) throw new ValidationError({ role: problem });
  return db.transaction((tx) => {
    const target = findAgent(tx, actor.businessId, agentId);
    guardTeamChange(actor, target, role as Role);
    if (target.role === "owner" && role !== "owner") keepAnOwner(tx, actor.businessId, target.id);
    const updated = tx
      .update(agents)
      .set({ role: role as Role })
      .where(and(eq(agents.businessId, actor.businessId), eq(agents.id, agentId)))
      .returning()
      .get();
    recordAudit(tx, actor, "agent.role_changed", `agent:${agentId}`, { from: target.role, to: role });
    return toAgent(updated!);
  }, { behavior: "immediate" });
}

/** An agent's own maximum of open conversations; null means the business default. */
export function setAgentCapacity(db: Database, events: DomainEvents, actor: Actor, agentId: number, capacity: number | null): Agent {
  if (capacity !== null && (!Number.isInteger(capacity) || capacity < 1 || capacity > limits.maxConcurrentChats)) {
    throw new ValidationError({ capacity: { key: "error.capacity.range", params: { max: limits.maxConcurrentChats } } });
  }
  const agent = db.transaction((tx) => {
    const target = findAgent(tx, actor.businessId, agentId);
    guardTeamChange(actor, target);
    const updated = tx
      .update(agents)
      .set({ maxConcurrentChats: capacity })
      .where(and(eq(agents.businessId, actor.businessId), eq(agents.id, agentId)))
      .returning()
      .get();
    recordAudit(tx, actor, "agent.capacity_changed", `agent:${agentId}`, { capacity });
    return toAgent(updated!);
  }, { behavior: "immediate" });
  // More room for this agent: waiting visitors may be theirs now.
  events.routingChanged(actor.businessId);
  return agent;
}

/** Disabling ends every session of that agent at once. */
export function setAgentDisabled(db: Database, events: DomainEvents, actor: Actor, agentId: number, disabled: boolean): Agent {
  const agent = db.transaction((tx) => {
    const target = findAgent(tx, actor.businessId, agentId);
    if (target.id === actor.id) throw new RuleError({ key: "team.self" });
    guardTeamChange(actor, target);
    if (disabled && target.role === "owner") keepAnOwner(tx, actor.businessId, target.id);
    if (!disabled && target.disabled) checkAgentLimit(tx, actor.businessId);
    const updated = tx
      .update(agents)
      .set({ disabled })
      .where(and(eq(agents.businessId, actor.businessId), eq(agents.id, agentId)))
      .returning()
      .get();
    if (disabled) tx.delete(sessions).where(eq(sessions.agentId, agentId)).run();
    recordAudit(tx, actor, disabled ? "agent.disabled" : "agent.enabled", `agent:${agentId}`);
    return toAgent(updated!);
  }, { behavior: "immediate" });
  if (disabled) events.sessionsEnded(agent.id);
  return agent;
}

/**
 * A new temporary password for a member who lost theirs, shown once to whoever reset it and to be
 * changed at their next sign-in. Every session of theirs ends: whoever knew the old one is out.
 */
export async function resetPassword(
  db: Database,
  events: DomainEvents,
  actor: Actor,
  agentId: number,
): Promise<{ agent: Agent; temporaryPassword: string }> {
  const target = findAgent(db, actor.businessId, agentId);
  // Your own password is changed on your profile, where the current one is asked for.
  if (target.id === actor.id) throw new RuleError({ key: "team.resetSelf" });
  guardTeamChange(actor, target);
  const temporaryPassword = readablePassword();
  const passwordHash = await hashPassword(temporaryPassword);
  const agent = db.transaction((tx) => {
    const updated = tx
      .update(agents)
      .set({ passwordHash, mustChangePassword: true })
      .where(and(eq(agents.businessId, actor.businessId), eq(agents.id, agentId)))
      .returning()
      .get();
    if (!updated) throw new NotFoundError("agent");
    tx.delete(sessions).where(eq(sessions.agentId, agentId)).run();
    recordAudit(tx, actor, "agent.password_reset", `agent:${agentId}`);
    return toAgent(updated);
  }, { behavior: "immediate" });
  events.sessionsEnded(agent.id);
  return { agent, temporaryPassword };
}

export function updateProfile(db: Database, agent: Actor, profile: { name: string; avatar?: string | null; greeting?: string }): Agent {
  const problem = checkName(profile.name);
  if (problem) throw new ValidationError({ name: problem });
  const changes: Partial<AgentRow> = { displayName: profile.name.trim() };
  if (profile.greeting !== undefined) changes.greeting = checkGreeting(profile.greeting, "greeting");
  if (profile.avatar !== undefined) changes.avatar = profile.avatar;
  const updated = db.update(agents).set(changes).where(eq(agents.id, agent.id)).returning().get();
  return toAgent(updated!);
}

export function setLocale(db: Database, agentId: number, locale: Locale): void {
  db.update(agents).set({ locale }).where(eq(agents.id, agentId)).run();
}

/**
 * Changes the agent's password after checking the current one, and ends their other sessions
 * (a changed password must lock out whoever else knew the old one).
 */
export async function changePassword(
  db: Database,
  events: DomainEvents,
  agentId: number,
  current: string,
  next: string,
  keepSessionId: number,
): Promise<void> {
  const row = db.select().from(agents).where(eq(agents.id, agentId)).get();
  if (!row) throw new NotFoundError("agent");
  const problem = checkPassword(next);
  if (!(await verifyPassword(current, row.passwordHash))) {
    throw new ValidationError({ current: { key: "password.wrongCurrent" }, ...(problem ? { password: problem } : {}) });
  }
  if (problem) throw new ValidationError({ password: problem });
  const passwordHash = await hashPassword(next);
  db.transaction((tx) => {
    tx.update(agents).set({ passwordHash, mustChangePassword: false }).where(eq(agents.id, agentId)).run();
    tx.delete(sessions).where(and(eq(sessions.agentId, agentId), ne(sessions.id, keepSessionId))).run();
  }, { behavior: "immediate" });
  events.sessionsEnded(agentId);
}

/** What a visitor may see of an agent: the name and avatar, never the email or anything else. */
export function agentCard(db: Queryable, agentId: number): Pick<Agent, "displayName" | "avatar" | "availability"> | null {
  return (
    db
      .select({ displayName: agents.displayName, avatar: agents.avatar, availability: agents.availability })
      .from(agents)
      .where(eq(agents.id, agentId))
      .get() ?? null
  );
}

/** What the visitor is shown: online only with a console open and "online" chosen. */
export function shownAvailability(card: Pick<Agent, "availability"> | null, consoleOpen: boolean): Availability {
  if (!card || !consoleOpen) return "offline";
  return card.availability;
}

export const availabilities = ["online", "away", "offline"] as const;
export type Availability = (typeof availabilities)[number];

/**
 * Agents still "online" whose console has been closed for their shop's auto-away time become
 * "away", so they come back to a console that does not take chats until they say so; each is announced.
 * `absentSince` says since when an agent has had no console open, or null if they have one.
 */
export function setAwayAfterAbsence(db: Database, events: DomainEvents, absentSince: (agentId: number) => number | null, now = Date.now()): number[] {
  const candidates = db
    .select({ id: agents.id, minutes: businesses.autoAwayMinutes })
    .from(agents)
    .innerJoin(businesses, eq(businesses.id, agents.businessId))
    .where(and(eq(agents.availability, "online"), gt(businesses.autoAwayMinutes, 0)))
    .all();
  const gone = candidates
    .filter(({ id, minutes }) => {
      const since = absentSince(id);
      return since !== null && now - since >= minutes * 60_000;
    })
    .map(({ id }) => id);
  if (gone.length === 0) return gone;
  const away = db
    .update(agents)
    .set({ availability: "away" })
    .where(and(inArray(agents.id, gone), eq(agents.availability, "online")))
    .returning({ id: agents.id })
    .all()
    .map(({ id }) => id);
  // Their visitors' headers show "away", as when the agent chooses it.
  for (const id of away) events.availabilityChanged(id);
  return away;
}

/** The agent's own choice; with an open console, only "online" agents are given new chats. */
export function setAvailability(db: Database, events: DomainEvents, agentId: number, availability: Availability): Agent {
  const updated = db.update(agents).set({ availability }).where(eq(agents.id, agentId)).returning().get();
  if (!updated) throw new NotFoundError("agent");
  events.availabilityChanged(agentId);
  // Back to "online": the agent can take what is waiting, oldest first.
  if (availability === "online") events.routingChanged(updated.businessId);
  return toAgent(updated);
}
