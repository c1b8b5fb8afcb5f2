import { asc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { businesses } from "../db/schema";
import type { MessageKey } from "../i18n";
import { recordAudit } from "./audit";
import { type FieldProblem, ValidationError } from "./errors";
import { checkName, problems } from "./fields";
import { checkGreeting } from "./greetings";
import { attachmentLimits, limits } from "./limits";
import { attachmentKinds } from "./attachments";
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

/** "on" or "off" from a settings form, or a clear error on `field`. */
function checkSwitch(field: string, value: string): boolean {
  if (value !== "on" && value !== "off") throw new ValidationError({ [field]: { key: "prefs.invalidSwitch" } });
  return value === "on";
}

/** On: a conversation that closes offers its visitor a rating (domain/ratings.ts). */
export function setRatingEnabled(db: Database, actor: { id: number; businessId: number }, value: string): Business {
  const enabled = checkSwitch("ratingEnabled", value);
  return changeSettings(db, actor, { ratingEnabled: enabled }, "business.rating_changed", { enabled });
}

/** On: agents see visitors' drafts as they type, and the chat page tells visitors so. */
export function setTypingPreview(db: Database, actor: { id: number; businessId: number }, value: string): Business {
  const enabled = checkSwitch("typingPreview", value);
  return changeSettings(db, actor, { typingPreview: enabled }, "business.typing_preview_changed", { enabled });
}

/** The largest file accepted (whole megabytes) and the kinds accepted (domain/attachments.ts); none accepts no files. */
export function setUploadRules(db: Database, actor: { id: number; businessId: number }, megabytes: number, kinds: readonly string[]): Business {
  const { minMegabytes: min, maxMegabytes: max } = attachmentLimits;
  const found = problems({
    uploadMaxMb: Number.isInteger(megabytes) && megabytes >= min && megabytes <= max ? null : { key: "attachment.maxMbRange", params: { min, max } },
    uploadKinds: kinds.every((kind) => (attachmentKinds as readonly string[]).includes(kind)) ? null : { key: "attachment.kindUnknown" },
  });
  if (found) throw new ValidationError(found);
  const changes = { uploadMaxBytes: megabytes * 1024 * 1024, uploadKinds: attachmentKinds.filter((kind) => kinds.includes(kind)) };
  return changeSettings(db, actor, changes, "business.upload_rules_changed", { megabytes, kinds: changes.uploadKinds });
}
