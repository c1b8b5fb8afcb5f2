import { asc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { businesses } from "../db/schema";
import type { MessageKey } from "../i18n";
import { recordAudit } from "./audit";
import { type FieldProblem, ValidationError } from "./errors";
import { problems } from "./fields";
import { limits } from "./limits";
import { randomToken } from "./tokens";

export type Business = typeof businesses.$inferSelect;

/** The business that a fresh install starts with; created once, on first run, even by two processes starting at once. */
export function ensureDefaultBusiness(db: Database): Business {
  return db.transaction((tx) => {
    const existing = tx.select().from(businesses).orderBy(asc(businesses.id)).limit(1).get();
    if (existing) return existing;
    return tx
      .insert(businesses)
      .values({ name: "Kefu", widgetKey: randomToken(12), identitySecret: randomToken(32) })
      .returning()
      .get();
  }, { behavior: "immediate" });
}

export function findBusiness(db: Database, id: number): Business | undefined {
  return db.select().from(businesses).where(eq(businesses.id, id)).get();
}

/** Applies one change to the actor's business and notes it in the audit log, together: the Deploy and Groups pages save through it. */
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
  }, { behavior: "immediate" });
}

export function findBusinessByWidgetKey(db: Database, widgetKey: string): Business | undefined {
  return db.select().from(businesses).where(eq(businesses.widgetKey, widgetKey)).get();
}

export const widgetPositions = ["right", "left"] as const;
export type WidgetPosition = (typeof widgetPositions)[number];

export interface WidgetAppearance {
  color: string;
  title: string;
  position: string;
  greeting: string;
}

/** Text of at most `max` characters (not UTF-16 units, so Chinese counts as people count it). */
function checkLength(text: string, max: number): FieldProblem | null {
  return Array.from(text).length > max ? { key: "deploy.tooLong", params: { max } } : null;
}

/** The widget's colour, header title, side of the page and launcher bubble, checked together. */
export function setWidgetAppearance(db: Database, actor: { id: number; businessId: number }, appearance: WidgetAppearance): Business {
  const color = appearance.color.trim().toLowerCase();
  const title = appearance.title.trim();
  const greeting = appearance.greeting.trim();
  const found = problems({
    color: /^#[0-9a-f]{6}$/.test(color) ? null : { key: "deploy.colorInvalid" },
    title: checkLength(title, limits.widgetTitleLength),
    position: (widgetPositions as readonly string[]).includes(appearance.position) ? null : { key: "deploy.positionInvalid" },
    greeting: checkLength(greeting, limits.widgetGreetingLength),
  });
  if (found) throw new ValidationError(found);
  const changes = { widgetColor: color, widgetTitle: title, widgetPosition: appearance.position as WidgetPosition, widgetGreeting: greeting };
  return changeSettings(db, actor, changes, "business.widget_appearance_changed", changes);
}

/**
 * The one site a line names, as the browser reports it in Origin (scheme, host, port), or why it
 * cannot be one. A path or query would never match an Origin header, so it is refused rather
 * than silently dropped: the owner may have pasted a page address meaning something else.
 */
function originOfLine(line: string): { origin: string } | { problem: MessageKey } {
  let url: URL;
  try {
    url = new URL(line);
  } catch {
    return { problem: "deploy.originInvalid" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { problem: "deploy.originScheme" };
  if (url.username || url.password) return { problem: "deploy.originCredentials" };
  if (url.pathname !== "/" || url.search || url.hash) return { problem: "deploy.originPath" };
  if (url.hostname.includes("*")) return { problem: "deploy.originWildcard" };
  return { origin: url.origin };
}

/** The sites allowed to embed the widget, one per line as typed; none allows any site. */
export function setAllowedOrigins(db: Database, actor: { id: number; businessId: number }, lines: string): Business {
  const origins: string[] = [];
  for (const [index, raw] of lines.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line) continue;
    const parsed = originOfLine(line);
    if ("problem" in parsed) {
      throw new ValidationError({ origins: { key: parsed.problem, params: { line: index + 1, value: Array.from(line).slice(0, 80).join("") } } });
    }
    if (!origins.includes(parsed.origin)) origins.push(parsed.origin);
  }
  if (origins.length > limits.allowedOrigins) {
    throw new ValidationError({ origins: { key: "deploy.originsTooMany", params: { max: limits.allowedOrigins } } });
  }
  return changeSettings(db, actor, { allowedOrigins: origins }, "business.allowed_origins_changed", { origins });
}

/** On: a visitor id from the host site counts only with a valid userHash; otherwise the visitor stays anonymous. */
export function setIdentityVerification(db: Database, actor: { id: number; businessId: number }, enabled: boolean): Business {
  return changeSettings(db, actor, { identityVerification: enabled }, "business.identity_verification_changed", { enabled });
}

/** A new identity secret: every userHash made with the old one stops counting at once. The secret stays out of the audit log. */
export function rotateIdentitySecret(db: Database, actor: { id: number; businessId: number }): Business {
  return changeSettings(db, actor, { identitySecret: randomToken() }, "business.identity_secret_rotated");
}
