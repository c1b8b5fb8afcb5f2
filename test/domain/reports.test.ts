import type { Database as SQLite } from "bun:sqlite";
import { describe, expect, it } from "bun:test";
import { tallyNextMessages, tallyProgress } from "../../src/domain/conversation-tallies";
import { NotFoundError } from "../../src/domain/errors";
import { chooseRange, localSlots, quickRange, rangeOf, startOfLocalDay } from "../../src/domain/report-range";
import { buildReport, percentile } from "../../src/domain/reports";
import { addMember, testApp } from "../support";

type TestApp = ReturnType<typeof testApp>;

const second = 1000;
const minute = 60 * second;
// 2026-11 in Shanghai (UTC+8, no summer time): local midnight of the 1st is 16:00 UTC on Oct 31.
const shanghai = "Asia/Shanghai";
const local = (isoLocal: string) => Date.parse(`${isoLocal}+08:00`);

interface Made {
  openedAt: number;
  agentId?: number | null;
  groupId?: number | null;
  assignedAt?: number | null;
  firstResponseAt?: number | null;
  closedAt?: number | null;
  rating?: number | null;
  status?: "queued" | "open" | "closed";
  messages?: { sender: "visitor" | "agent" | "system"; body?: string; at: number; agentId?: number }[];
}

let clientIds = 0;

/** A conversation with its messages, written as the app leaves them (raw rows, exact times). */
function conversation(sqlite: SQLite, made: Made): number {
  const visitorId = (sqlite.query("INSERT INTO visitors (business_id, external_id) VALUES (1, ?) RETURNING id").get(`v-${crypto.randomUUID()}`) as { id: number }).id;
  const { id } = sqlite
    .query(
      `INSERT INTO conversations (business_id, visitor_id, agent_id, group_id, status, created_at, assigned_at, first_response_at, closed_at, rating)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .get(
      visitorId,
      made.agentId ?? null,
      made.groupId ?? null,
      made.status ?? (made.closedAt ? "closed" : made.agentId ? "open" : "queued"),
      made.openedAt,
      made.assignedAt ?? null,
      made.firstResponseAt ?? null,
      made.closedAt ?? null,
      made.rating ?? null,
    ) as { id: number };
  const insert = sqlite.query("INSERT INTO messages (conversation_id, sender, agent_id, body, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?)");
  for (const m of made.messages ?? []) insert.run(id, m.sender, m.agentId ?? null, m.body ?? "hello", `c-${++clientIds}`, m.at);
  return id;
}

async function shop(ctx: TestApp) {
  ctx.sqlite.run("UPDATE businesses SET timezone = ? WHERE id = 1", [shanghai]);
  const ann = await addMember(ctx, "agent", "ann@example.com");
  const bob = await addMember(ctx, "agent", "bob@example.com");
  const sales = (ctx.sqlite.query("INSERT INTO groups (business_id, name) VALUES (1, 'Sales') RETURNING id").get() as { id: number }).id;
  return { ann, bob, sales };
}

const november = rangeOf(shanghai, "2026-11-01", "2026-11-30");
const report = (ctx: TestApp, filter = {}) => buildReport(ctx.db, { id: 1, timezone: shanghai }, november, filter);

describe("report ranges", () => {
  it("start at midnight on the shop's clock", () => {
    expect(new Date(november.start).toISOString()).toBe("2026-10-31T16:00:00.000Z");
    expect(new Date(november.end).toISOString()).toBe("2026-11-30T16:00:00.000Z");
    expect(november.days).toHaveLength(30);
  });

  it("keep whole local days across a change to summer time", () => {
    // New York left summer time on 2026-11-01 at 02:00: that day has 25 hours.
    expect(new Date(startOfLocalDay("America/New_York", "2026-11-01")).toISOString()).toBe("2026-11-01T04:00:00.000Z");
    expect(new Date(startOfLocalDay("America/New_York", "2026-11-02")).toISOString()).toBe("2026-11-02T05:00:00.000Z");
  });

  it("offer the last days, this month and last month, ending today in the shop's zone", () => {
    // 17:00 UTC on Dec 3 is already Dec 4 in Shanghai.
    const now = Date.parse("2026-12-03T17:00:00Z");
    expect(quickRange(shanghai, "7", now)).toMatchObject({ from: "2026-11-28", to: "2026-12-04" });
    expect(quickRange(shanghai, "thisMonth", now)).toMatchObject({ from: "2026-12-01", to: "2026-12-04" });
    expect(quickRange(shanghai, "lastMonth", now)).toMatchObject({ from: "2026-11-01", to: "2026-11-30" });
    expect(chooseRange(shanghai, {}, now)).toMatchObject({ from: "2026-11-05", to: "2026-12-04" });
  });

  it("refuse impossible, reversed and overlong ranges by field", () => {
    expect(() => chooseRange("UTC", { from: "2026-02-30", to: "2026-03-01" })).toThrow("invalid: from");
    expect(() => chooseRange("UTC", { from: "2026-03-02", to: "2026-03-01" })).toThrow("invalid: to");
    expect(() => chooseRange("UTC", { from: "2024-01-01", to: "2026-03-01" })).toThrow("invalid: to");
  });
});

describe("a report", () => {
  it("counts a conversation at 23:30 local on the last day, and not one at 00:10 the day after", async () => {
    const ctx = testApp();
    await shop(ctx);
    conversation(ctx.sqlite, { openedAt: local("2026-11-30T23:30:00") });
    conversation(ctx.sqlite, { openedAt: local("2026-12-01T00:10:00") });
    conversation(ctx.sqlite, { openedAt: local("2026-11-01T00:05:00") });
    const built = report(ctx);
    expect(built.totals.started).toBe(2);
    expect(built.daily.find((d) => d.date === "2026-11-30")!.started).toBe(1);
    expect(built.daily.find((d) => d.date === "2026-11-01")!.started).toBe(1);
    // Monday 23:00 and Sunday 00:00 on the shop's clock (2026-11-30 is a Monday).
    expect(built.heatmap[1]![23]).toBe(1);
    expect(built.heatmap[0]![0]).toBe(1);
    expect(built.heatmap.flat().reduce((a, b) => a + b)).toBe(2);
  });

  it("counts a transferred conversation for the agent it went to, with the wait until the first agent joined", async () => {
    const ctx = testApp();
    const { ann, bob, sales } = await shop(ctx);
    const t0 = local("2026-11-10T10:00:00");
    conversation(ctx.sqlite, {
      openedAt: t0,
      agentId: bob.id,
      groupId: sales,
      // A transfer moves assigned_at to the transfer: the wait comes from Ann's join instead.
      assignedAt: t0 + 2 * minute,
      firstResponseAt: t0 + minute,
      closedAt: t0 + 10 * minute,
      messages: [
        { sender: "visitor", at: t0 },
        { sender: "system", body: "joined", at: t0 + 30 * second },
        { sender: "agent", agentId: ann.id, at: t0 + minute },
        { sender: "system", body: "transferred", at: t0 + 2 * minute },
        { sender: "agent", agentId: bob.id, at: t0 + 3 * minute },
        { sender: "visitor", at: t0 + 4 * minute },
      ],
    });
    tallyNextMessages(ctx.db);
    const built = report(ctx);
    expect(built.byAgent).toHaveLength(1);
    expect(built.byAgent[0]).toMatchObject({ id: bob.id, name: "bob" });
    expect(built.byAgent[0]!.figures).toMatchObject({
      started: 1,
      answered: 1,
      missed: 0,
      firstResponseMedian: minute,
      queueWaitMedian: 30 * second,
      durationMedian: 10 * minute,
      visitorMessages: 2,
      agentMessages: 2,
    });
    expect(built.byGroup[0]).toMatchObject({ id: sales, name: "Sales" });
    expect(report(ctx, { agentId: ann.id }).totals.started).toBe(0);
    expect(report(ctx, { agentId: bob.id, groupId: sales }).totals.started).toBe(1);
  });

  it("counts one closed with no agent reply as missed, and one still waiting as neither", async () => {
    const ctx = testApp();
    await shop(ctx);
    const t0 = local("2026-11-12T09:00:00");
    conversation(ctx.sqlite, { openedAt: t0, closedAt: t0 + 5 * minute, messages: [{ sender: "visitor", at: t0 }] });
    conversation(ctx.sqlite, { openedAt: t0 + minute, messages: [{ sender: "visitor", at: t0 + minute }] });
    const built = report(ctx);
    expect(built.totals).toMatchObject({ started: 2, answered: 0, missed: 1, firstResponseMedian: null, queueWaitMedian: null, durationMedian: 5 * minute });
    expect(built.byAgent).toMatchObject([{ id: null }]);
    expect(built.daily.find((d) => d.date === "2026-11-12")).toMatchObject({ started: 2, answered: 0, missed: 1 });
  });

  it("gives the median and 90th percentile of first responses", async () => {
    const ctx = testApp();
    const { ann } = await shop(ctx);
    const t0 = local("2026-11-15T12:00:00");
    for (let i = 1; i <= 10; i++) {
      conversation(ctx.sqlite, { openedAt: t0 + i * minute, agentId: ann.id, firstResponseAt: t0 + i * minute + i * 10 * second });
    }
    expect(report(ctx).totals).toMatchObject({ answered: 10, firstResponseMedian: 50 * second, firstResponseP90: 90 * second });
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([], 50)).toBeNull();
  });

  it("averages ratings, counts each score and takes 4 and 5 stars as satisfied", async () => {
    const ctx = testApp();
    const { ann } = await shop(ctx);
    const t0 = local("2026-11-20T15:00:00");
    for (const rating of [5, 4, 2]) conversation(ctx.sqlite, { openedAt: t0, agentId: ann.id, rating, closedAt: t0 + minute });
    conversation(ctx.sqlite, { openedAt: t0, agentId: ann.id, closedAt: t0 + minute });
    const { totals } = report(ctx);
    expect(totals.rated).toBe(3);
    expect(totals.ratingAverage).toBeCloseTo(11 / 3);
    expect(totals.ratingCounts).toEqual([0, 1, 0, 1, 1]);
    expect(totals.csat).toBeCloseTo(200 / 3);
  });

  it("counts messages no batch has tallied yet, so today is whole", async () => {
    const ctx = testApp();
    await shop(ctx);
    const t0 = local("2026-11-21T08:00:00");
    const messages = Array.from({ length: 5 }, (_, i) => ({ sender: "visitor" as const, at: t0 + i * second }));
    conversation(ctx.sqlite, { openedAt: t0, messages });
    expect(tallyNextMessages(ctx.db, 3)).toBe(true);
    expect(tallyProgress(ctx.db)).toBe(3);
    expect(report(ctx).totals.visitorMessages).toBe(5);
    tallyNextMessages(ctx.db, 3);
    expect(report(ctx).totals.visitorMessages).toBe(5);
  });

  it("gives the totals of as many days just before the range, to compare", async () => {
    const ctx = testApp();
    const { ann } = await shop(ctx);
    conversation(ctx.sqlite, { openedAt: local("2026-10-31T23:00:00"), agentId: ann.id, firstResponseAt: local("2026-10-31T23:01:00") });
    conversation(ctx.sqlite, { openedAt: local("2026-10-02T00:00:00") });
    conversation(ctx.sqlite, { openedAt: local("2026-10-01T23:59:00") });
    conversation(ctx.sqlite, { openedAt: local("2026-11-02T10:00:00") });
    ctx.sqlite.run("INSERT INTO offline_messages (business_id, body, created_at) VALUES (1, 'call me', ?)", [local("2026-10-15T12:00:00")]);
    const { totals, previous } = report(ctx);
    expect(totals.started).toBe(1);
    expect(previous.range).toMatchObject({ from: "2026-10-02", to: "2026-10-31" });
    expect(previous.totals).toMatchObject({ started: 2, answered: 1, firstResponseMedian: minute });
    expect(previous.offlineMessages).toBe(1);
    expect(report(ctx, { agentId: ann.id }).previous.totals.started).toBe(1);
  });

  it("counts the messages left in the range, on the shop's clock", async () => {
    const ctx = testApp();
    await shop(ctx);
    const left = ctx.sqlite.query("INSERT INTO offline_messages (business_id, body, created_at) VALUES (1, 'call me', ?)");
    left.run(local("2026-11-30T23:59:00"));
    left.run(local("2026-12-01T00:01:00"));
    expect(report(ctx).offlineMessages).toBe(1);
  });

  it("does not find another shop's agent or group", async () => {
    const ctx = testApp();
    await shop(ctx);
    ctx.sqlite.run("INSERT INTO businesses (name, widget_key, identity_secret) VALUES ('Other', 'other-key', 'secret')");
    const otherGroup = (ctx.sqlite.query("INSERT INTO groups (business_id, name) VALUES (2, 'Theirs') RETURNING id").get() as { id: number }).id;
    expect(() => report(ctx, { groupId: otherGroup })).toThrow(NotFoundError);
    expect(() => report(ctx, { agentId: 999 })).toThrow(NotFoundError);
  });
});

describe("local time slots", () => {
  it("give the day, weekday and hour on the shop's clock, across a change to summer time", () => {
    const slot = localSlots("America/New_York");
    // 2026-11-01: summer time ends at 02:00 (EDT, UTC-4, becomes EST, UTC-5).
    expect(slot(Date.parse("2026-11-01T05:30:00Z"))).toEqual({ date: "2026-11-01", weekday: 0, hour: 1 });
    expect(slot(Date.parse("2026-11-01T06:30:00Z"))).toEqual({ date: "2026-11-01", weekday: 0, hour: 1 });
    expect(slot(Date.parse("2026-11-01T07:30:00Z"))).toEqual({ date: "2026-11-01", weekday: 0, hour: 2 });
    expect(slot(Date.parse("2026-11-02T04:59:00Z"))).toEqual({ date: "2026-11-01", weekday: 0, hour: 23 });
    // Kathmandu is 5:45 ahead: a quarter-hour offset.
    expect(localSlots("Asia/Kathmandu")(Date.parse("2026-11-30T18:14:00Z"))).toEqual({ date: "2026-11-30", weekday: 1, hour: 23 });
    expect(localSlots("Asia/Kathmandu")(Date.parse("2026-11-30T18:15:00Z"))).toEqual({ date: "2026-12-01", weekday: 2, hour: 0 });
  });
});

describe("conversation tallies", () => {
  it("go with their conversation, and the next conversation, under a new id, starts from nothing", async () => {
    const ctx = testApp();
    await shop(ctx);
    const t0 = local("2026-11-21T08:00:00");
    const id = conversation(ctx.sqlite, { openedAt: t0, messages: [{ sender: "visitor", at: t0 }, { sender: "visitor", at: t0 + second }] });
    tallyNextMessages(ctx.db);
    const tally = ctx.sqlite.query("SELECT conversation_id FROM conversation_tallies WHERE conversation_id = ?");
    expect(tally.all(id)).toHaveLength(1);
    ctx.sqlite.run("DELETE FROM messages WHERE conversation_id = ?", [id]);
    ctx.sqlite.run("DELETE FROM conversations WHERE id = ?", [id]);
    expect(tally.all(id)).toEqual([]);
    expect(conversation(ctx.sqlite, { openedAt: t0 })).toBeGreaterThan(id);
    expect(report(ctx).totals).toMatchObject({ started: 1, visitorMessages: 0 });
  });
});
