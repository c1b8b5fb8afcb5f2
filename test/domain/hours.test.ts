import { describe, expect, it } from "bun:test";
import { auditLog, businessHours, closedDates } from "../../src/db/schema";
import { anyone } from "../../src/domain/assignment";
import { findBusiness } from "../../src/domain/businesses";
import { ValidationError } from "../../src/domain/errors";
import { type HoursInput, isWithinHours, nextOpening, offlineReason, readHours, saveHours } from "../../src/domain/hours";
import { addMember, testApp } from "../support";

const at = (iso: string) => Date.parse(iso);
const nobodyOnline = { onlineAgentIds: [], pool: anyone };

const settings = (overrides: Partial<HoursInput> = {}): HoursInput => ({
  timezone: "UTC",
  days: [],
  closedDates: [],
  offlineText: "",
  noAgentText: "",
  offlineWhenNoAgent: false,
  offlineRequired: [],
  ...overrides,
});

async function shop(overrides: Partial<HoursInput> = {}) {
  const ctx = testApp();
  const owner = await addMember(ctx, "owner", "owner@example.com");
  saveHours(ctx.db, owner, settings(overrides));
  return { ...ctx, owner, business: () => findBusiness(ctx.db, ctx.business.id)! };
}

function problemsOf(save: () => unknown): Record<string, string> {
  try {
    save();
  } catch (error) {
    if (error instanceof ValidationError) return Object.fromEntries(Object.entries(error.fields).map(([name, problem]) => [name, problem.key]));
    throw error;
  }
  throw new Error("expected a ValidationError");
}

describe("business hours", () => {
  it("is always open when no day has hours", async () => {
    const ctx = await shop();
    for (const when of ["2026-01-04T03:00:00Z", "2026-01-05T12:00:00Z", "2026-01-10T23:59:00Z"]) {
      expect(isWithinHours(ctx.db, ctx.business(), at(when))).toBe(true);
    }
    expect(offlineReason(ctx.db, ctx.business(), nobodyOnline, at("2026-01-05T12:00:00Z"))).toBeNull();
  });

  it("is open from the opening minute up to, not including, the closing minute", async () => {
    const ctx = await shop({ days: [{ weekday: 1, opensAt: "09:00", closesAt: "18:00" }] });
    // 2026-01-05 is a Monday.
    expect(isWithinHours(ctx.db, ctx.business(), at("2026-01-05T08:59:00Z"))).toBe(false);
    expect(isWithinHours(ctx.db, ctx.business(), at("2026-01-05T09:00:00Z"))).toBe(true);
    expect(isWithinHours(ctx.db, ctx.business(), at("2026-01-05T17:59:00Z"))).toBe(true);
    expect(isWithinHours(ctx.db, ctx.business(), at("2026-01-05T18:00:00Z"))).toBe(false);
    expect(offlineReason(ctx.db, ctx.business(), nobodyOnline, at("2026-01-05T18:00:00Z"))).toBe("hours");
  });

  it("is closed on a day without hours once any day has them", async () => {
    const ctx = await shop({ days: [{ weekday: 1, opensAt: "09:00", closesAt: "18:00" }] });
    expect(isWithinHours(ctx.db, ctx.business(), at("2026-01-06T12:00:00Z"))).toBe(false); // Tuesday
  });

  it("reads the schedule on the shop's own clock, not the server's", async () => {
    const monday = { days: [{ weekday: 1, opensAt: "09:00", closesAt: "18:00" }] };
    const shanghai = await shop({ ...monday, timezone: "Asia/Shanghai" });
    const utc = await shop(monday);
    // Monday 02:00 UTC is Monday 10:00 in Shanghai (UTC+8).
    expect(isWithinHours(shanghai.db, shanghai.business(), at("2026-01-05T02:00:00Z"))).toBe(true);
    expect(isWithinHours(utc.db, utc.business(), at("2026-01-05T02:00:00Z"))).toBe(false);
    // Monday 12:00 UTC is Monday 20:00 in Shanghai: closed there, open in UTC.
    expect(isWithinHours(shanghai.db, shanghai.business(), at("2026-01-05T12:00:00Z"))).toBe(false);
    expect(isWithinHours(utc.db, utc.business(), at("2026-01-05T12:00:00Z"))).toBe(true);
  });

  it("takes the weekday from the shop's clock when that clock has passed midnight", async () => {
    const sundayDaytime = { days: [{ weekday: 0, opensAt: "09:00", closesAt: "18:00" }] };
    const shanghai = await shop({ ...sundayDaytime, timezone: "Asia/Shanghai" });
    const utc = await shop(sundayDaytime);
    // Sunday 17:00 UTC is already Monday 01:00 in Shanghai.
    const sundayEvening = at("2026-01-04T17:00:00Z");
    expect(isWithinHours(utc.db, utc.business(), sundayEvening)).toBe(true);
    expect(isWithinHours(shanghai.db, shanghai.business(), sundayEvening)).toBe(false);

    const earlyMonday = await shop({ timezone: "Asia/Shanghai", days: [{ weekday: 1, opensAt: "00:00", closesAt: "02:00" }] });
    expect(isWithinHours(earlyMonday.db, earlyMonday.business(), sundayEvening)).toBe(true);
  });

  it("keeps a day that closes at 24:00 open until its last minute", async () => {
    const ctx = await shop({ days: [{ weekday: 1, opensAt: "18:00", closesAt: "24:00" }] });
    expect(isWithinHours(ctx.db, ctx.business(), at("2026-01-05T23:59:00Z"))).toBe(true);
    expect(isWithinHours(ctx.db, ctx.business(), at("2026-01-06T00:00:00Z"))).toBe(false);
  });

  it("is closed all day on a closed date, by the shop's calendar", async () => {
    const everyDay = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, opensAt: "00:00", closesAt: "24:00" }));
    const ctx = await shop({ timezone: "Asia/Shanghai", days: everyDay, closedDates: ["2026-01-05"] });
    // 2026-01-04 17:00 UTC is 2026-01-05 01:00 in Shanghai: the closed date has begun there.
    expect(isWithinHours(ctx.db, ctx.business(), at("2026-01-04T15:59:00Z"))).toBe(true);
    expect(isWithinHours(ctx.db, ctx.business(), at("2026-01-04T17:00:00Z"))).toBe(false);
    expect(isWithinHours(ctx.db, ctx.business(), at("2026-01-05T15:59:00Z"))).toBe(false);
    expect(isWithinHours(ctx.db, ctx.business(), at("2026-01-05T16:00:00Z"))).toBe(true);
  });

  it("closes a closed date even without a weekly schedule", async () => {
    const ctx = await shop({ closedDates: ["2026-12-25"] });
    expect(isWithinHours(ctx.db, ctx.business(), at("2026-12-25T12:00:00Z"))).toBe(false);
    expect(isWithinHours(ctx.db, ctx.business(), at("2026-12-26T12:00:00Z"))).toBe(true);
  });
});

describe("the next opening, which a visitor outside the hours is told", () => {
  const weekdaysNineToSix = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opensAt: "09:00", closesAt: "18:00" }));

  it("is later today before the shop opens, and the next working day after it closed", async () => {
    const ctx = await shop({ days: weekdaysNineToSix });
    // 2026-01-05 is a Monday.
    expect(nextOpening(ctx.db, ctx.business(), at("2026-01-05T07:30:00Z"))).toEqual({ inDays: 0, weekday: 1, opensAt: "09:00" });
    expect(nextOpening(ctx.db, ctx.business(), at("2026-01-05T18:00:00Z"))).toEqual({ inDays: 1, weekday: 2, opensAt: "09:00" });
    // Friday evening: Monday.
    expect(nextOpening(ctx.db, ctx.business(), at("2026-01-09T20:00:00Z"))).toEqual({ inDays: 3, weekday: 1, opensAt: "09:00" });
  });

  it("skips closed dates, and reads the day on the shop's own clock", async () => {
    const ctx = await shop({ timezone: "Asia/Shanghai", days: weekdaysNineToSix, closedDates: ["2026-01-06", "2026-01-07"] });
    // Monday 2026-01-05 15:00 UTC is 23:00 in Shanghai; Tuesday and Wednesday are closed there.
    expect(nextOpening(ctx.db, ctx.business(), at("2026-01-05T15:00:00Z"))).toEqual({ inDays: 3, weekday: 4, opensAt: "09:00" });
  });

  it("is the next midnight after a closed date of a shop open around the clock, and none after two weeks closed", async () => {
    const ctx = await shop({ closedDates: ["2026-12-25"] });
    expect(nextOpening(ctx.db, ctx.business(), at("2026-12-25T12:00:00Z"))).toEqual({ inDays: 1, weekday: 6, opensAt: "00:00" });
    const away = await shop({ days: weekdaysNineToSix, closedDates: Array.from({ length: 20 }, (_, day) => `2026-02-${String(day + 1).padStart(2, "0")}`) });
    expect(nextOpening(away.db, away.business(), at("2026-01-31T20:00:00Z"))).toBeNull();
  });
});

describe("saving business hours", () => {
  it("stores the whole setting in its tidy form and notes it in the audit log", async () => {
    const ctx = await shop();
    saveHours(ctx.db, ctx.owner, settings({
      timezone: "asia/shanghai",
      days: [{ weekday: 2, opensAt: "9:30", closesAt: "24:00" }, { weekday: 1, opensAt: "09:00", closesAt: "18:00" }],
      closedDates: ["2026-12-25", " 2026-01-01 ", "", "2026-12-25"],
      offlineText: "  We are closed.  ",
      noAgentText: " Back in a moment. ",
      offlineWhenNoAgent: true,
      offlineRequired: ["email", "name"],
      preChatForm: true,
      preChatRequired: ["phone", "name"],
    }));
    expect(readHours(ctx.db, ctx.business())).toEqual({
      timezone: "Asia/Shanghai",
      days: [{ weekday: 1, opensAt: "09:00", closesAt: "18:00" }, { weekday: 2, opensAt: "09:30", closesAt: "24:00" }],
      closedDates: ["2026-01-01", "2026-12-25"],
      offlineText: "We are closed.",
      noAgentText: "Back in a moment.",
      offlineWhenNoAgent: true,
      offlineRequired: ["name", "email"],
      preChatForm: true,
      preChatRequired: ["name", "phone"],
    });
    const audit = ctx.db.select().from(auditLog).all().filter((row) => row.action === "business.hours_changed");
    expect(audit).toHaveLength(2);
    expect(audit[1]!.agentId).toBe(ctx.owner.id);
    expect(audit[1]!.detail).toMatchObject({ timezone: "Asia/Shanghai", closedDates: ["2026-01-01", "2026-12-25"] });
  });

  it("replaces the previous schedule and closed dates instead of adding to them", async () => {
    const ctx = await shop({ days: [{ weekday: 1, opensAt: "09:00", closesAt: "18:00" }], closedDates: ["2026-12-25"] });
    saveHours(ctx.db, ctx.owner, settings({ days: [{ weekday: 3, opensAt: "10:00", closesAt: "12:00" }] }));
    expect(ctx.db.select().from(businessHours).all().map((row) => row.weekday)).toEqual([3]);
    expect(ctx.db.select().from(closedDates).all()).toEqual([]);
  });

  it("names every bad field at once and changes nothing", async () => {
    const ctx = await shop({ days: [{ weekday: 1, opensAt: "09:00", closesAt: "18:00" }] });
    const auditBefore = ctx.db.select().from(auditLog).all().length;
    const found = problemsOf(() =>
      saveHours(ctx.db, ctx.owner, settings({
        timezone: "Mars/Olympus_Mons",
        days: [
          { weekday: 1, opensAt: "25:00", closesAt: "18:00" },
          { weekday: 2, opensAt: "18:00", closesAt: "09:00" },
          { weekday: 3, opensAt: "10:00", closesAt: "10:00" },
          { weekday: 4, opensAt: "24:00", closesAt: "24:30" },
        ],
        closedDates: ["2026-02-30"],
        offlineText: "x".repeat(1001),
        noAgentText: "x".repeat(1001),
        offlineRequired: ["fax"],
      })),
    );
    expect(found).toEqual({
      timezone: "error.timezone.invalid",
      "opensAt-1": "error.time.invalid",
      "closesAt-2": "error.closesAt.beforeOpens",
      "closesAt-3": "error.closesAt.beforeOpens",
      "opensAt-4": "error.time.invalid",
      "closesAt-4": "error.closesAt.invalid",
      closedDates: "error.closedDates.invalid",
      offlineText: "error.offlineText.tooLong",
      noAgentText: "error.offlineText.tooLong",
      offlineRequired: "error.offlineRequired.invalid",
    });
    expect(readHours(ctx.db, ctx.business()).days).toEqual([{ weekday: 1, opensAt: "09:00", closesAt: "18:00" }]);
    expect(ctx.db.select().from(auditLog).all()).toHaveLength(auditBefore);
  });

  it("accepts IANA time zones only, not fixed offsets or made-up names", async () => {
    const ctx = await shop();
    for (const timezone of ["+08:00", "GMT+8", "Asia/Nowhere", "", "x".repeat(100)]) {
      expect(problemsOf(() => saveHours(ctx.db, ctx.owner, settings({ timezone })))).toEqual({ timezone: "error.timezone.invalid" });
    }
    expect(saveHours(ctx.db, ctx.owner, settings({ timezone: "America/Argentina/Buenos_Aires" })).timezone).toBe("America/Argentina/Buenos_Aires");
  });

  it("accepts only dates that exist, written YYYY-MM-DD", async () => {
    const ctx = await shop();
    for (const date of ["2026-13-01", "2026-02-29", "26-12-25", "2026/12/25", "2026-12-25T00:00"]) {
      expect(problemsOf(() => saveHours(ctx.db, ctx.owner, settings({ closedDates: [date] })))).toEqual({ closedDates: "error.closedDates.invalid" });
    }
    expect(saveHours(ctx.db, ctx.owner, settings({ closedDates: ["2028-02-29"] })).closedDates).toEqual(["2028-02-29"]);
  });

  it("refuses more closed dates than the limit", async () => {
    const ctx = await shop();
    const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString().slice(0, 10);
    const tooMany = Array.from({ length: 101 }, (_, n) => day(n));
    expect(problemsOf(() => saveHours(ctx.db, ctx.owner, settings({ closedDates: tooMany })))).toEqual({ closedDates: "error.closedDates.tooMany" });
    expect(saveHours(ctx.db, ctx.owner, settings({ closedDates: tooMany.slice(1) })).closedDates).toHaveLength(100);
  });

  it("refuses two spans for the same weekday or a weekday that does not exist", async () => {
    const ctx = await shop();
    const twice = [{ weekday: 1, opensAt: "09:00", closesAt: "12:00" }, { weekday: 1, opensAt: "13:00", closesAt: "18:00" }];
    expect(problemsOf(() => saveHours(ctx.db, ctx.owner, settings({ days: twice })))).toEqual({ "opensAt-1": "error.hours.weekday" });
    const eighth = [{ weekday: 7, opensAt: "09:00", closesAt: "12:00" }];
    expect(problemsOf(() => saveHours(ctx.db, ctx.owner, settings({ days: eighth })))).toEqual({ "opensAt-7": "error.hours.weekday" });
  });
});

describe("offline when nobody is online", () => {
  it("offers the form when the shop chose so and nobody who serves the visitor is online, but not to a visitor waiting for their own agent", async () => {
    const ctx = await shop({ offlineWhenNoAgent: true });
    const agent = await addMember({ ...ctx, business: ctx.business() }, "agent", "agent@example.com");
    expect(offlineReason(ctx.db, ctx.business(), nobodyOnline)).toBe("noAgent");
    expect(offlineReason(ctx.db, ctx.business(), { onlineAgentIds: [agent.id], pool: anyone })).toBeNull();
    // Waiting for a named agent who is away is their choice; the shop's other agents count.
    expect(offlineReason(ctx.db, ctx.business(), { onlineAgentIds: [ctx.owner.id], pool: { groupId: null, requestedAgentId: agent.id } })).toBeNull();
    const open = await shop({ offlineWhenNoAgent: false });
    expect(offlineReason(open.db, open.business(), nobodyOnline)).toBeNull();
  });
});
