import { asc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { businesses } from "../db/schema";
import { recordAudit } from "./audit";
import { ValidationError } from "./errors";
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

export function renameBusiness(db: Database, actor: { id: number; businessId: number }, name: string): Business {
  const trimmed = name.trim();
  if (!trimmed) throw new ValidationError({ name: { key: "error.name.required" } });
  if (trimmed.length > limits.businessNameLength) {
    throw new ValidationError({ name: { key: "error.name.tooLong", params: { max: limits.businessNameLength } } });
  }
  return db.transaction((tx) => {
    const business = tx
      .update(businesses)
      .set({ name: trimmed })
      .where(eq(businesses.id, actor.businessId))
      .returning()
      .get();
    recordAudit(tx, actor, "business.renamed", `business:${actor.businessId}`, { name: trimmed });
    return business!;
  });
}

export function findBusinessByWidgetKey(db: Database, widgetKey: string): Business | undefined {
  return db.select().from(businesses).where(eq(businesses.widgetKey, widgetKey)).get();
}

/** How many open conversations an agent takes at once unless their own maximum says otherwise. */
export function setDefaultCapacity(db: Database, actor: { id: number; businessId: number }, capacity: number): Business {
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > limits.maxConcurrentChats) {
    throw new ValidationError({ capacity: { key: "error.capacity.range", params: { max: limits.maxConcurrentChats } } });
  }
  return db.transaction((tx) => {
    const business = tx
      .update(businesses)
      .set({ maxConcurrentChats: capacity })
      .where(eq(businesses.id, actor.businessId))
      .returning()
      .get()!;
    recordAudit(tx, actor, "business.capacity_changed", `business:${actor.businessId}`, { capacity });
    return business;
  });
}

export function setWelcomeText(db: Database, actor: { id: number; businessId: number }, text: string): Business {
  const welcomeText = checkGreeting(text, "welcomeText");
  return db.transaction((tx) => {
    const business = tx.update(businesses).set({ welcomeText }).where(eq(businesses.id, actor.businessId)).returning().get()!;
    recordAudit(tx, actor, "business.welcome_changed", `business:${actor.businessId}`);
    return business;
  });
}

/** Minutes of silence after which an open conversation closes by itself; 0 turns it off. */
export function setIdleCloseMinutes(db: Database, actor: { id: number; businessId: number }, minutes: number): Business {
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > limits.idleCloseMinutes) {
    throw new ValidationError({ idleCloseMinutes: { key: "error.idle.range", params: { max: limits.idleCloseMinutes } } });
  }
  return db.transaction((tx) => {
    const business = tx.update(businesses).set({ idleCloseMinutes: minutes }).where(eq(businesses.id, actor.businessId)).returning().get()!;
    recordAudit(tx, actor, "business.idle_close_changed", `business:${actor.businessId}`, { minutes });
    return business;
  });
}
