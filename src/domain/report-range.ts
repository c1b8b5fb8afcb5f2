// The days a report covers, on the shop's wall clock: a range is whole local days, so "the last
// 7 days" in Shanghai starts at midnight in Shanghai, and a conversation at 23:30 local on the
// last day is inside it whatever UTC says.
import { ValidationError } from "./errors";
import { isCalendarDate, localClock } from "./hours";

export const quickPicks = ["7", "30", "90", "thisMonth", "lastMonth"] as const;
export type QuickPick = (typeof quickPicks)[number];

/** A longer range would be a year of daily bars nobody can read. */
export const maxRangeDays = 366;

const dayMs = 86_400_000;

export interface ReportRange {
  /** First and last local day, both included, "YYYY-MM-DD". */
  from: string;
  to: string;
  /** The epoch-ms bounds: start of `from`, start of the day after `to`, in the shop's zone. */
  start: number;
  end: number;
  /** Every day from `from` to `to`. */
  days: string[];
}

const dayNumber = (date: string) => Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / dayMs;
const dateOf = (day: number) => new Date(day * dayMs).toISOString().slice(0, 10);
const addDays = (date: string, days: number) => dateOf(dayNumber(date) + days);

/** When `date` starts in `timezone`: the UTC instant whose wall clock there reads 00:00 that day. */
export function startOfLocalDay(timezone: string, date: string): number {
  const midnight = dayNumber(date) * dayMs;
  let guess = midnight;
  // Twice: the offset at the first guess may differ from the offset at midnight (a DST day).
  for (let i = 0; i < 2; i++) {
    const clock = localClock(timezone, guess);
    guess -= dayNumber(clock.date) * dayMs + clock.minutes * 60_000 - midnight;
  }
  return guess;
}

export function rangeOf(timezone: string, from: string, to: string): ReportRange {
  const days: string[] = [];
  for (let day = dayNumber(from); day <= dayNumber(to); day++) days.push(dateOf(day));
  return { from, to, start: startOfLocalDay(timezone, from), end: startOfLocalDay(timezone, addDays(to, 1)), days };
}

/** As many days as `range`, ending the day before it starts: what a report is compared with. */
export function previousRange(timezone: string, range: ReportRange): ReportRange {
  return rangeOf(timezone, addDays(range.from, -range.days.length), addDays(range.from, -1));
}

/** The days of a quick pick, ending today on the shop's clock. */
export function quickRange(timezone: string, pick: QuickPick, now = Date.now()): ReportRange {
  const today = localClock(timezone, now).date;
  const firstOfMonth = `${today.slice(0, 8)}01`;
  if (pick === "thisMonth") return rangeOf(timezone, firstOfMonth, today);
  if (pick === "lastMonth") {
    const lastDay = addDays(firstOfMonth, -1);
    return rangeOf(timezone, `${lastDay.slice(0, 8)}01`, lastDay);
  }
  return rangeOf(timezone, addDays(today, 1 - Number(pick)), today);
}

/** The range asked for: two dates, or a quick pick, or the last 30 days. */
export function chooseRange(timezone: string, asked: { from?: string; to?: string; pick?: string }, now = Date.now()): ReportRange {
  if (asked.from || asked.to) {
    const from = asked.from?.trim() ?? "";
    const to = asked.to?.trim() ?? "";
    const fields: ConstructorParameters<typeof ValidationError>[0] = {};
    if (!isCalendarDate(from)) fields.from = { key: "reports.badDate" };
    if (!isCalendarDate(to)) fields.to = { key: "reports.badDate" };
    else if (isCalendarDate(from) && to < from) fields.to = { key: "reports.toBeforeFrom" };
    else if (isCalendarDate(from) && dayNumber(to) - dayNumber(from) >= maxRangeDays) fields.to = { key: "reports.rangeTooLong", params: { max: maxRangeDays } };
    if (Object.keys(fields).length > 0) throw new ValidationError(fields);
    return rangeOf(timezone, from, to);
  }
  const pick = (quickPicks as readonly string[]).includes(asked.pick ?? "") ? (asked.pick as QuickPick) : "30";
  return quickRange(timezone, pick, now);
}

/** How far the shop's wall clock is ahead of UTC at `at`, to the minute. */
function offsetAt(timezone: string, at: number): number {
  const clock = localClock(timezone, at);
  return dayNumber(clock.date) * dayMs + clock.minutes * 60_000 - Math.floor(at / 60_000) * 60_000;
}

/**
 * The local day, weekday (0 = Sunday) and hour of an instant. Asking Intl for each of a month's
 * thousands of conversations cost more than the rest of the report, so the offset is asked once
 * per UTC day; a day whose offset changes (summer time) is asked per quarter hour, which is exact
 * as every zone's offset is a whole number of quarter hours.
 */
export function localSlots(timezone: string): (at: number) => { date: string; weekday: number; hour: number } {
  const dayOffsets = new Map<number, number | null>();
  const quarterOffsets = new Map<number, number>();
  const dates = new Map<number, string>();
  const offsetOf = (at: number): number => {
    const day = Math.floor(at / dayMs);
    let offset = dayOffsets.get(day);
    if (offset === undefined) {
      const first = offsetAt(timezone, day * dayMs);
      offset = first === offsetAt(timezone, (day + 1) * dayMs - 1) ? first : null;
      dayOffsets.set(day, offset);
    }
    if (offset !== null) return offset;
    const quarter = Math.floor(at / 900_000);
    let exact = quarterOffsets.get(quarter);
    if (exact === undefined) {
      exact = offsetAt(timezone, quarter * 900_000);
      quarterOffsets.set(quarter, exact);
    }
    return exact;
  };
  return (at) => {
    const wall = at + offsetOf(at);
    const day = Math.floor(wall / dayMs);
    let date = dates.get(day);
    if (date === undefined) {
      date = dateOf(day);
      dates.set(day, date);
    }
    // 1970-01-01 was a Thursday.
    return { date, weekday: (((day + 4) % 7) + 7) % 7, hour: Math.floor((wall - day * dayMs) / 3_600_000) };
  };
}
