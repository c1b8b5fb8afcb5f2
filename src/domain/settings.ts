// The shop's settings as the Settings page saves them: one change names any number of settings.
// Every one is checked and all problems come back together; nothing changes unless all are right.
// Each setting that really changed is audited as its own action, in the same transaction.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { businesses } from "../db/schema";
import { attachmentKinds } from "./attachments";
import { recordAudit } from "./audit";
import type { Business } from "./businesses";
import { type FieldProblem, ValidationError } from "./errors";
import type { DomainEvents } from "./events";
import { checkName } from "./fields";
import { checkGreeting } from "./greetings";
import { checkCallServers } from "./calls";
import { attachmentLimits, limits } from "./limits";

/** The settings one save may change; a setting left out stays as it is. */
export interface SettingsChange {
  name?: string;
  welcomeText?: string;
  idleCloseMinutes?: number;
  reopenMinutes?: number;
  ratingEnabled?: string;
  typingPreview?: string;
  pushPreviews?: string;
  routingMode?: string;
  capacity?: number;
  holdMinutes?: number;
  autoAwayMinutes?: number;
  uploads?: { megabytes: number; kinds: readonly string[] };
  /** `secret` empty: keep the stored one (`keptSecret`) while a TURN URL remains. */
  callServers?: { urls: string; username: string; credential: string; secret: string; keptSecret?: string };
}

export type Setting = keyof SettingsChange;

/** What one setting writes, and how the audit log names it. */
interface Checked {
  columns: Partial<Business>;
  action: string;
  detail?: Record<string, unknown>;
}

type Actor = { id: number; businessId: number };

const invalid = (field: string, problem: FieldProblem) => new ValidationError({ [field]: problem });

type MinutesSetting = "idleCloseMinutes" | "reopenMinutes" | "holdMinutes" | "autoAwayMinutes";

/** A whole number of minutes from 0 to the setting's limit, stored in the column of its name. */
const minutes = (setting: MinutesSetting, action: string) => (value: number): Checked => {
  const max = limits[setting];
  if (!Number.isInteger(value) || value < 0 || value > max) throw invalid(setting, { key: "error.minutes.range", params: { max } });
  return { columns: { [setting]: value }, action, detail: { minutes: value } };
};

/** "on" or "off", as a switch posts it, stored in the column of its name. */
const onOff = (setting: "ratingEnabled" | "typingPreview" | "pushPreviews", action: string) => (value: string): Checked => {
  if (value !== "on" && value !== "off") throw invalid(setting, { key: "prefs.invalidSwitch" });
  return { columns: { [setting]: value === "on" }, action, detail: { enabled: value === "on" } };
};

const checks: { [S in Setting]-?: (value: NonNullable<SettingsChange[S]>) => Checked } = {
  name(name) {
    const problem = checkName(name, limits.businessNameLength);
    if (problem) throw invalid("name", problem);
    return { columns: { name: name.trim() }, action: "business.renamed", detail: { name: name.trim() } };
  },
  welcomeText: (text) => ({ columns: { welcomeText: checkGreeting(text, "welcomeText") }, action: "business.welcome_changed" }),
  idleCloseMinutes: minutes("idleCloseMinutes", "business.idle_close_changed"),
  reopenMinutes: minutes("reopenMinutes", "business.reopen_changed"),
  ratingEnabled: onOff("ratingEnabled", "business.rating_changed"),
  typingPreview: onOff("typingPreview", "business.typing_preview_changed"),
  pushPreviews: onOff("pushPreviews", "business.push_previews_changed"),
  routingMode(mode) {
    // Auto: conversations are assigned by the rules of assignment.ts. Claim: agents take them.
    if (mode !== "auto" && mode !== "claim") throw invalid("routingMode", { key: "error.routingMode.invalid" });
    return { columns: { routingMode: mode }, action: "business.routing_mode_changed", detail: { mode } };
  },
  capacity(capacity) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > limits.maxConcurrentChats) {
      throw invalid("capacity", { key: "error.capacity.range", params: { max: limits.maxConcurrentChats } });
    }
    return { columns: { maxConcurrentChats: capacity }, action: "business.capacity_changed", detail: { capacity } };
  },
  holdMinutes: minutes("holdMinutes", "business.hold_changed"),
  autoAwayMinutes: minutes("autoAwayMinutes", "business.auto_away_changed"),
  uploads({ megabytes, kinds }) {
    // The largest file in whole megabytes, and the kinds accepted (attachments.ts); none accepts no files.
    const { minMegabytes: min, maxMegabytes: max } = attachmentLimits;
    const problems: Record<string, FieldProblem> = {};
    if (!Number.isInteger(megabytes) || megabytes < min || megabytes > max) problems.uploadMaxMb = { key: "attachment.maxMbRange", params: { min, max } };
    if (!kinds.every((kind) => (attachmentKinds as readonly string[]).includes(kind))) problems.uploadKinds = { key: "attachment.kindUnknown" };
    if (Object.keys(problems).length) throw new ValidationError(problems);
    const columns = { uploadMaxBytes: megabytes * 1024 * 1024, uploadKinds: attachmentKinds.filter((kind) => kinds.includes(kind)) };
    return { columns, action: "business.upload_rules_changed", detail: { megabytes, kinds: columns.uploadKinds } };
  },
  callServers(posted) {
    // The audit names the servers, never the TURN credential or secret.
    const callServers = checkCallServers(posted, posted.keptSecret);
    return { columns: { callServers }, action: "business.call_servers_changed", detail: { urls: callServers.urls } };
  },
};

/** Settings that change who may take waiting conversations. */
const routingSettings: readonly Setting[] = ["routingMode", "capacity"];

/** Checks every setting given, then writes those that differ from what is stored. */
export function updateSettings(db: Database, events: DomainEvents, actor: Actor, change: SettingsChange): { business: Business; changed: Setting[] } {
  const checked: [Setting, Checked][] = [];
  let problems: Record<string, FieldProblem> = {};
  for (const setting of Object.keys(checks) as Setting[]) {
    const value = change[setting];
    if (value === undefined) continue;
    try {
      checked.push([setting, (checks[setting] as (value: unknown) => Checked)(value)]);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems = { ...problems, ...error.fields };
    }
  }
  if (Object.keys(problems).length) throw new ValidationError(problems);
  const result = db.transaction((tx) => {
    const stored = tx.select().from(businesses).where(eq(businesses.id, actor.businessId)).get()!;
    const differs = ([, { columns }]: [Setting, Checked]) =>
      Object.entries(columns).some(([column, value]) => JSON.stringify(stored[column as keyof Business]) !== JSON.stringify(value));
    const changes = checked.filter(differs);
    if (!changes.length) return { business: stored, changed: [] };
    const business = tx
      .update(businesses)
      .set(Object.assign({}, ...changes.map(([, { columns }]) => columns)))
      .where(eq(businesses.id, actor.businessId))
      .returning()
      .get()!;
    for (const [, { action, detail }] of changes) recordAudit(tx, actor, action, `business:${actor.businessId}`, detail);
    return { business, changed: changes.map(([setting]) => setting) };
  }, { behavior: "immediate" });
  // Back to automatic, or more room per agent: what waits may be assigned now.
  if (result.changed.some((setting) => routingSettings.includes(setting))) events.routingChanged(actor.businessId);
  return result;
}
