// Business hours (营业时间): a weekly schedule in the shop's own time zone, plus whole days it is
// closed. Outside them the visitor page offers the leave-a-message form instead of the chat.
// No schedule at all means open around the clock; a closed date closes the day regardless.
import { and, asc, eq, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { prepared } from "../db/prepared";
import { businesses, businessHours, closedDates } from "../db/schema";
import { anyAgentOnline, anyone, type Pool } from "./assignment";
import { recordAudit } from "./audit";
import type { Business } from "./businesses";
import { type FieldProblem, ValidationError } from "./errors";
import { problems } from "./fields";
import { limits } from "./limits";
import { type OfflineField, offlineFields } from "./offline-messages";

export const weekdays = [0, 1, 2, 3, 4, 5, 6] as const; // 0 = Sunday

/** One day's opening span, "09:00" to "18:00"; a span may end at "24:00" (midnight). */
export interface DayHours {
  weekday: number;
  opensAt: string;
  closesAt: string;
}

export interface HoursSettings {
  timezone: string;
  /** Open days only; a weekday without an entry is closed (unless no day has one). */
  days: DayHours[];
  closedDates: string[];
  offlineText: string;
  noAgentText: string;
  offlineWhenNoAgent: boolean;
  offlineRequired: OfflineField[];
  /** Ask who the visitor is (the pre-chat form) before their first message. */
  preChatForm: boolean;
  preChatRequired: OfflineField[];
}

/** What a settings form sends: the same shape, not yet checked. */
export type HoursInput = Omit<HoursSettings, "offlineRequired" | "preChatForm" | "preChatRequired"> & {
  offlineRequired: string[];
  /** Off, requiring nothing, when not given. */
  preChatForm?: boolean;
  preChatRequired?: string[];
};

export function readHours(db: Queryable, business: Business): HoursSettings {
  const days = db
    .select({ weekday: businessHours.weekday, opensAt: businessHours.opensAt, closesAt: businessHours.closesAt })
    .from(businessHours)
    .where(eq(businessHours.businessId, business.id))
    .orderBy(asc(businessHours.weekday))
    .all();
  const dates = db
    .select({ date: closedDates.date })
    .from(closedDates)
    .where(eq(closedDates.businessId, business.id))
    .orderBy(asc(closedDates.date))
    .all();
  return {
    timezone: business.timezone,
    days,
    closedDates: dates.map((row) => row.date),
    offlineText: business.offlineText,
    noAgentText: business.noAgentText,
    offlineWhenNoAgent: business.offlineWhenNoAgent,
    offlineRequired: business.offlineRequired,
    preChatForm: business.preChatForm,
    preChatRequired: business.preChatRequired,
  };
}

/** Replaces the whole hours setting at once, with one audit entry; all or nothing. */
export function saveHours(db: Database, actor: { id: number; businessId: number }, input: HoursInput): HoursSettings {
  const settings = checkHours(input);
  const { businessId } = actor;
  return db.transaction((tx) => {
    tx.update(businesses)
      .set({
        timezone: settings.timezone,
        offlineText: settings.offlineText,
        noAgentText: settings.noAgentText,
        offlineWhenNoAgent: settings.offlineWhenNoAgent,
        offlineRequired: settings.offlineRequired,
        preChatForm: settings.preChatForm,
        preChatRequired: settings.preChatRequired,
      })
      .where(eq(businesses.id, businessId))
      .run();
    tx.delete(businessHours).where(eq(businessHours.businessId, businessId)).run();
    if (settings.days.length) tx.insert(businessHours).values(settings.days.map((day) => ({ businessId, ...day }))).run();
    tx.delete(closedDates).where(eq(closedDates.businessId, businessId)).run();
    if (settings.closedDates.length) tx.insert(closedDates).values(settings.closedDates.map((date) => ({ businessId, date }))).run();
    recordAudit(tx, actor, "business.hours_changed", `business:${businessId}`, { ...settings });
    return settings;
  }, { behavior: "immediate" });
}

/** Checks every field and returns the settings in their stored form, or names each bad field. */
function checkHours(input: HoursInput): HoursSettings {
  const timezone = canonicalTimezone(input.timezone);
  const days: DayHours[] = [];
  const dayProblems: Record<string, FieldProblem | null> = {};
  for (const day of input.days) {
    const opensAt = normalizedTime(day.opensAt, false);
    const closesAt = normalizedTime(day.closesAt, true);
    if (!(weekdays as readonly number[]).includes(day.weekday) || days.some((other) => other.weekday === day.weekday)) {
      dayProblems[`opensAt-${day.weekday}`] = { key: "error.hours.weekday" };
      continue;
    }
    dayProblems[`opensAt-${day.weekday}`] = opensAt === null ? { key: "error.time.invalid" } : null;
    dayProblems[`closesAt-${day.weekday}`] =
      closesAt === null
        ? { key: "error.closesAt.invalid" }
        : opensAt !== null && closesAt <= opensAt
          ? { key: "error.closesAt.beforeOpens" }
          : null;
    if (opensAt !== null && closesAt !== null) days.push({ weekday: day.weekday, opensAt, closesAt });
  }
  const dates = [...new Set(input.closedDates.map((date) => date.trim()).filter(Boolean))].sort();
  const badDate = dates.find((date) => !isCalendarDate(date));
  const offlineText = input.offlineText.trim();
  const noAgentText = input.noAgentText.trim();
  const preChatRequired = input.preChatRequired ?? [];
  const unknown = (names: string[]) => names.some((name) => !(offlineFields as readonly string[]).includes(name));
  const found = problems({
    timezone: timezone === null ? { key: "error.timezone.invalid" } : null,
    ...dayProblems,
    closedDates: badDate
      ? { key: "error.closedDates.invalid", params: { date: badDate.slice(0, 40) } }
      : dates.length > limits.closedDates
        ? { key: "error.closedDates.tooMany", params: { max: limits.closedDates } }
        : null,
    offlineText:
      Array.from(offlineText).length > limits.offlineTextLength
        ? { key: "error.offlineText.tooLong", params: { max: limits.offlineTextLength } }
        : null,
    noAgentText:
      Array.from(noAgentText).length > limits.offlineTextLength
        ? { key: "error.offlineText.tooLong", params: { max: limits.offlineTextLength } }
        : null,
    offlineRequired: unknown(input.offlineRequired) ? { key: "error.offlineRequired.invalid" } : null,
    preChatRequired: unknown(preChatRequired) ? { key: "error.offlineRequired.invalid" } : null,
  });
  if (found) throw new ValidationError(found);
  return {
    timezone: timezone!,
    days,
    closedDates: dates,
    offlineText,
    noAgentText,
    offlineWhenNoAgent: input.offlineWhenNoAgent,
    offlineRequired: offlineFields.filter((name) => input.offlineRequired.includes(name)),
    preChatForm: input.preChatForm ?? false,
    preChatRequired: offlineFields.filter((name) => preChatRequired.includes(name)),
  };
}

/** Whether the shop is open at `now`, by its schedule and closed dates in its own time zone. */
export function isWithinHours(db: Queryable, business: Business, now: number = Date.now()): boolean {
  const clock = localClock(business.timezone, now);
  // Asked before every new conversation: prepared once (db/prepared.ts).
  const closedToday = prepared(db, "closedToday", (db) =>
    db
      .select({ date: closedDates.date })
      .from(closedDates)
      .where(and(eq(closedDates.businessId, sql.placeholder("businessId")), eq(closedDates.date, sql.placeholder("date"))))
      .prepare(),
  ).get({ businessId: business.id, date: clock.date });
  if (closedToday) return false;
  const spans = prepared(db, "businessHours", (db) =>
    db.select().from(businessHours).where(eq(businessHours.businessId, sql.placeholder("businessId"))).prepare(),
  ).all({ businessId: business.id });
  return (
    spans.length === 0 ||
    spans.some(
      (span) =>
        span.weekday === clock.weekday &&
        minutesOf(span.opensAt) <= clock.minutes &&
        clock.minutes < minutesOf(span.closesAt),
    )
  );
}

/** When the shop opens next: in how many days (0: today), on which weekday, at what time of its own clock. */
export interface NextOpening {
  inDays: number;
  weekday: number;
  opensAt: string;
}

/**
 * The next opening after `now`, for a visitor who came outside the hours (with no weekly schedule,
 * the next day that is not a closed date opens at midnight); null past two weeks of closed days.
 */
export function nextOpening(db: Queryable, business: Business, now: number = Date.now()): NextOpening | null {
  const hours = readHours(db, business);
  const closedDates = hours.closedDates;
  const days = hours.days.length ? hours.days : weekdays.map((weekday) => ({ weekday, opensAt: "00:00", closesAt: "24:00" }));
  const clock = localClock(business.timezone, now);
  const today = Date.parse(`${clock.date}T00:00:00Z`);
  for (let inDays = 0; inDays <= 14; inDays++) {
    const day = new Date(today + inDays * 86_400_000);
    if (closedDates.includes(day.toISOString().slice(0, 10))) continue;
    const weekday = day.getUTCDay();
    const opensAt = days
      .filter((span) => span.weekday === weekday && (inDays > 0 || minutesOf(span.opensAt) > clock.minutes))
      .map((span) => span.opensAt)
      .sort()[0];
    if (opensAt) return { inDays, weekday, opensAt };
  }
  return null;
}

export type OfflineReason = "hours" | "noAgent";

/**
 * Why a visitor cannot start a chat now, so the page offers the leave-a-message form instead;
 * null when they can. Outside hours; or, when the shop chose so, nobody who serves the visitor's
 * pool is online.
 */
export function offlineReason(
  db: Queryable,
  business: Business,
  presence: { onlineAgentIds: readonly number[]; pool: Pool },
  now: number = Date.now(),
): OfflineReason | null {
  if (!isWithinHours(db, business, now)) return "hours";
  if (business.offlineWhenNoAgent && nobodyOnline(db, business.id, presence.onlineAgentIds, presence.pool)) return "noAgent";
  return null;
}

/**
 * Nobody who serves the pool is online. A visitor on an exclusive link was told their agent is
 * away and chose to wait, so for them only the shop's own agents being all away counts.
 */
export function nobodyOnline(db: Queryable, businessId: number, onlineAgentIds: readonly number[], pool: Pool): boolean {
  return !anyAgentOnline(db, businessId, onlineAgentIds, pool.requestedAgentId !== null ? anyone : pool);
}

/** Every time zone the settings page offers, with `current` kept even if the list lacks it. */
export function timezoneChoices(current: string): string[] {
  const zones = Intl.supportedValuesOf("timeZone");
  return zones.includes(current) ? zones : [current, ...zones];
}

/** The IANA name as Intl spells it, or null for anything Intl does not know or a fixed offset. */
export function canonicalTimezone(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(trimmed)) return null;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** "9:00" becomes "09:00"; null when it is not a time of day ("24:00" only as an end). */
function normalizedTime(text: string, endOfDay: boolean): string | null {
  const trimmed = text.trim();
  if (endOfDay && trimmed === "24:00") return trimmed;
  const match = /^(\d{1,2}):([0-5]\d)$/.exec(trimmed);
  if (!match || Number(match[1]) > 23) return null;
  return `${match[1]!.padStart(2, "0")}:${match[2]}`;
}

function minutesOf(time: string): number {
  const [hours, minutes] = time.split(":").map(Number);
  return hours! * 60 + minutes!;
}

/** A real day written YYYY-MM-DD (no 2026-02-30). */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const weekdayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** The date, weekday and minute of the day at `now` on the shop's wall clock. */
const clocks = new Map<string, Intl.DateTimeFormat>();

export function localClock(timezone: string, now: number): { date: string; weekday: number; minutes: number } {
  let clock = clocks.get(timezone);
  if (!clock) {
    clock = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    clocks.set(timezone, clock);
  }
  const parts = clock.formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return {
    date: `${part("year")}-${part("month")}-${part("day")}`,
    weekday: weekdayNames.indexOf(part("weekday")),
    minutes: Number(part("hour")) * 60 + Number(part("minute")),
  };
}
