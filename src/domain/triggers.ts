// Triggers (主动邀请): a shop's rules for writing first. "After N seconds on a page matching P,
// show message M from an agent or the shop" to a visitor with no conversation, at most the shop's
// cap a day per visitor (trigger-showings.ts). Every read and write starts from the business, so
// another shop's rule is simply not found.
import { and, asc, count, eq } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { agents, triggers } from "../db/schema";
import { recordAudit } from "./audit";
import { type Business, changeSettings } from "./businesses";
import { NotFoundError, RuleError, ValidationError } from "./errors";
import { checkName, checkRequiredText, problems } from "./fields";
import { limits } from "./limits";

export type Trigger = typeof triggers.$inferSelect;
type Actor = { id: number; businessId: number };

/** What the manager typed; `agentId` null means the message comes from the shop. */
export interface TriggerInput {
  name: string;
  pagePattern: string;
  delaySeconds: number;
  message: string;
  agentId: number | null;
  enabled: boolean;
}

/** What the loader needs of an enabled rule to start its timer; the message stays on the server. */
export interface WidgetTrigger {
  id: number;
  pattern: string;
  delay: number;
}

/**
 * Whether a page's URL matches: with a "*", the whole URL against the wildcard ("*" is any text);
 * without, the URL contains the text. Case does not count. The loader (assets/widget.js) does the same.
 */
export function pageMatches(pattern: string, url: string): boolean {
  const wanted = pattern.toLowerCase();
  const page = url.toLowerCase();
  if (!wanted.includes("*")) return page.includes(wanted);
  const parts = wanted.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".*")}$`).test(page);
}

export function listTriggers(db: Queryable, businessId: number): Trigger[] {
  return db.select().from(triggers).where(eq(triggers.businessId, businessId)).orderBy(asc(triggers.id)).all();
}

export function findTrigger(db: Queryable, businessId: number, triggerId: number): Trigger {
  const trigger = db.select().from(triggers).where(and(eq(triggers.businessId, businessId), eq(triggers.id, triggerId))).get();
  if (!trigger) throw new NotFoundError("trigger");
  return trigger;
}

/** The enabled rules, for the widget's config. */
export function widgetTriggers(db: Queryable, businessId: number): WidgetTrigger[] {
  return db
    .select({ id: triggers.id, pattern: triggers.pagePattern, delay: triggers.delaySeconds })
    .from(triggers)
    .where(and(eq(triggers.businessId, businessId), eq(triggers.enabled, true)))
    .orderBy(asc(triggers.id))
    .all();
}

/** Checks every field at once; the agent must be an active member of the shop. */
function checkTrigger(db: Queryable, businessId: number, input: TriggerInput): Omit<Trigger, "id" | "businessId" | "createdAt"> {
  const delayOk = Number.isInteger(input.delaySeconds) && input.delaySeconds >= 0 && input.delaySeconds <= limits.triggerDelaySeconds;
  const agent =
    input.agentId === null
      ? null
      : db.select({ id: agents.id }).from(agents).where(and(eq(agents.businessId, businessId), eq(agents.id, input.agentId), eq(agents.disabled, false))).get();
  const found = problems({
    name: checkName(input.name, limits.triggerNameLength),
    pagePattern: checkRequiredText(input.pagePattern, limits.triggerPatternLength, "triggers.patternEmpty", "triggers.patternTooLong").problem,
    delaySeconds: delayOk ? null : { key: "triggers.delayRange", params: { max: limits.triggerDelaySeconds } },
    message: checkRequiredText(input.message, limits.triggerMessageLength, "triggers.messageEmpty", "triggers.messageTooLong").problem,
    agentId: input.agentId !== null && !agent ? { key: "triggers.agentUnknown" } : null,
  });
  if (found) throw new ValidationError(found);
  return {
    name: input.name.trim(),
    pagePattern: input.pagePattern.trim(),
    delaySeconds: input.delaySeconds,
    message: input.message.trim(),
    agentId: input.agentId,
    enabled: input.enabled,
  };
}

export function createTrigger(db: Database, actor: Actor, input: TriggerInput): Trigger {
  return db.transaction((tx) => {
    const values = checkTrigger(tx, actor.businessId, input);
    const [existing] = tx.select({ n: count() }).from(triggers).where(eq(triggers.businessId, actor.businessId)).all();
    if ((existing?.n ?? 0) >= limits.triggersPerBusiness) throw new RuleError({ key: "triggers.tooMany", params: { max: limits.triggersPerBusiness } });
    const trigger = tx.insert(triggers).values({ ...values, businessId: actor.businessId }).returning().get();
    recordAudit(tx, actor, "trigger.created", `trigger:${trigger.id}`, { name: trigger.name });
    return trigger;
  }, { behavior: "immediate" });
}

export function updateTrigger(db: Database, actor: Actor, triggerId: number, input: TriggerInput): Trigger {
  return db.transaction((tx) => {
    findTrigger(tx, actor.businessId, triggerId);
    const values = checkTrigger(tx, actor.businessId, input);
    const trigger = tx.update(triggers).set(values).where(eq(triggers.id, triggerId)).returning().get()!;
    recordAudit(tx, actor, "trigger.updated", `trigger:${trigger.id}`, { name: trigger.name, enabled: trigger.enabled });
    return trigger;
  }, { behavior: "immediate" });
}

export function deleteTrigger(db: Database, actor: Actor, triggerId: number): void {
  db.transaction((tx) => {
    const trigger = findTrigger(tx, actor.businessId, triggerId);
    tx.delete(triggers).where(eq(triggers.id, triggerId)).run();
    recordAudit(tx, actor, "trigger.deleted", `trigger:${trigger.id}`, { name: trigger.name });
  }, { behavior: "immediate" });
}

/** At most `cap` triggered messages per visitor per shop's day. */
export function setTriggerDailyCap(db: Database, actor: Actor, cap: number): Business {
  if (!Number.isInteger(cap) || cap < 1 || cap > limits.triggerDailyCap) {
    throw new ValidationError({ dailyCap: { key: "triggers.capRange", params: { max: limits.triggerDailyCap } } });
  }
  return changeSettings(db, actor, { triggerDailyCap: cap }, "business.trigger_cap_changed", { cap });
}
