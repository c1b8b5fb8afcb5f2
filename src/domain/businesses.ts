import { asc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { businesses } from "../db/schema";
import { recordAudit } from "./audit";
import { ValidationError } from "./errors";
import { checkName } from "./fields";
import { checkGreeting } from "./greetings";
import { limits } from "./limits";
import { randomToken } from "./tokens";

export type Business = typeof businesses.$inferSelect;

/** The business that a fresh install starts with; created once, on first run. */
export function ensureDefaultBusiness(db: Database): Business {
  const existing = db.select().from(businesses).orderBy(asc(businesses.id)).limit(1).get();
  if (existing) return existing;
  return db
    .insert(businesses)
    .values({ name: "Kefu", widgetKey: randomToken(12), identitySecret: randomToken(32) })
    .returning()
    .get();
}

export function findBusiness(db: Database, id: number): Business | undefined {
  return db.select().from(businesses).where(eq(businesses.id, id)).get();
}

/** Applies one settings change to the actor's business and notes it in the audit log, together. Every settings page saves through it. */
export function changeSettings(
  db: Database,
  actor: { id: number; businessId: number },
  changes: Partial<Business>,
  action: string,
  detail?: Record<string, unknown>,
): Business {
  return db.transaction((tx) => {
    const business = tx.update(businesses).set(changes).where(eq(businesses.id, actor.businessId)).returning().get()!;
    recordAudit(tx, actor, action, `business:${actor.businessId}`, detail);
    return business;
  });
}

export function renameBusiness(db: Database, actor: { id: number; businessId: number }, name: string): Business {
  const problem = checkName(name, limits.businessNameLength);
  if (problem) throw new ValidationError({ name: problem });
  const trimmed = name.trim();
  return changeSettings(db, actor, { name: trimmed }, "business.renamed", { name: trimmed });
}

export function findBusinessByWidgetKey(db: Database, widgetKey: string): Business | undefined {
  return db.select().from(businesses).where(eq(businesses.widgetKey, widgetKey)).get();
}

/** How many open conversations an agent takes at once unless their own maximum says otherwise. */
export function setDefaultCapacity(db: Database, actor: { id: number; businessId: number }, capacity: number): Business {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > limits.maxConcurrentChats) {
    throw new ValidationError({ capacity: { key: "error.capacity.range", params: { max: limits.maxConcurrentChats } } });
  }
  return changeSettings(db, actor, { maxConcurrentChats: capacity }, "business.capacity_changed", { capacity });
}

export function setWelcomeText(db: Database, actor: { id: number; businessId: number }, text: string): Business {
  return changeSettings(db, actor, { welcomeText: checkGreeting(text, "welcomeText") }, "business.welcome_changed");
}

/** A whole number of minutes from 0 to `max`, or a clear error on `field`. */
function checkMinutes(field: string, minutes: number, max: number): number {
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > max) {
    throw new ValidationError({ [field]: { key: "error.minutes.range", params: { max } } });
  }
  return minutes;
}

/** Minutes of silence after which an open conversation closes by itself; 0 turns it off. */
export function setIdleCloseMinutes(db: Database, actor: { id: number; businessId: number }, minutes: number): Business {
  checkMinutes("idleCloseMinutes", minutes, limits.idleCloseMinutes);
  return changeSettings(db, actor, { idleCloseMinutes: minutes }, "business.idle_close_changed", { minutes });
}

/** Auto: conversations are assigned by the rules of assignment.ts. Claim: agents take them. */
export function setRoutingMode(db: Database, actor: { id: number; businessId: number }, mode: string): Business {
  if (mode !== "auto" && mode !== "claim") throw new ValidationError({ routingMode: { key: "error.routingMode.invalid" } });
  return changeSettings(db, actor, { routingMode: mode }, "business.routing_mode_changed", { mode });
}

/** How long an agent whose console closed keeps their conversations; 0 keeps them for good. */
export function setHoldMinutes(db: Database, actor: { id: number; businessId: number }, minutes: number): Business {
  checkMinutes("holdMinutes", minutes, limits.holdMinutes);
  return changeSettings(db, actor, { holdMinutes: minutes }, "business.hold_changed", { minutes });
}

/** An "online" agent whose console has been closed this long becomes "away"; 0 never. */
export function setAutoAwayMinutes(db: Database, actor: { id: number; businessId: number }, minutes: number): Business {
  checkMinutes("autoAwayMinutes", minutes, limits.autoAwayMinutes);
  return changeSettings(db, actor, { autoAwayMinutes: minutes }, "business.auto_away_changed", { minutes });
}

/** A visitor writing this soon after a close reopens that conversation; 0 never reopens. */
export function setReopenMinutes(db: Database, actor: { id: number; businessId: number }, minutes: number): Business {
  checkMinutes("reopenMinutes", minutes, limits.reopenMinutes);
  return changeSettings(db, actor, { reopenMinutes: minutes }, "business.reopen_changed", { minutes });
}
