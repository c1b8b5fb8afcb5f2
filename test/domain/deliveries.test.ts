import { describe, expect, it } from "bun:test";
import { deliveries } from "../../src/db/schema";
import { enqueueDeliveries, giveUpAfterMs, keptForMs, pruneDeliveries, recordAttempt, retryDelayMs, sendingLeaseMs, takeDueDeliveries } from "../../src/domain/deliveries";
import { testApp } from "../support";

function queued(ctx: ReturnType<typeof testApp>, now: number) {
  enqueueDeliveries(ctx.db, [{ businessId: ctx.business.id, channel: "webhook", event: "message.created", payload: "{}" }], now);
  return ctx.db.select().from(deliveries).all().at(-1)!;
}

/** Queued and taken by a runner, as a try is recorded. */
function taken(ctx: ReturnType<typeof testApp>, now: number) {
  queued(ctx, now);
  return takeDueDeliveries(ctx.db, now, 10)[0]!;
}

describe("deliveries", () => {
  it("wait 5 s after the first failure, doubling each time up to two hours", () => {
    expect([1, 2, 3, 4, 5].map(retryDelayMs)).toEqual([5_000, 10_000, 20_000, 40_000, 80_000]);
    expect(retryDelayMs(20)).toBe(2 * 60 * 60 * 1000);
  });

  it("are leased while being sent, so a second round does not send them again", () => {
    const ctx = testApp();
    const now = 1_000_000;
    queued(ctx, now);
    expect(takeDueDeliveries(ctx.db, now, 10)).toHaveLength(1);
    expect(takeDueDeliveries(ctx.db, now + 1000, 10)).toHaveLength(0);
    expect(takeDueDeliveries(ctx.db, now + sendingLeaseMs, 10)).toHaveLength(1);
  });

  it("keep the outcome of the newest claim: a send that outlived its lease and was taken again cannot overwrite it", () => {
    const ctx = testApp();
    const now = 1_000_000;
    queued(ctx, now);
    const [slow] = takeDueDeliveries(ctx.db, now, 10);
    const [retaken] = takeDueDeliveries(ctx.db, now + sendingLeaseMs, 10);
    expect(recordAttempt(ctx.db, retaken!, { ok: true, code: 204, response: "" }, now + sendingLeaseMs + 100)).toMatchObject({ status: "delivered", attempts: 1 });
    // The first send answers at last, after the second one delivered it.
    expect(recordAttempt(ctx.db, slow!, { ok: false, code: null, response: "no answer within 30 s" }, now + sendingLeaseMs + 200)).toBeUndefined();
    expect(ctx.db.select().from(deliveries).all()).toMatchObject([{ status: "delivered", attempts: 1, lastCode: 204, nextAttemptAt: null }]);
  });

  it("are tried again after a failure, keep the last answer, and count as delivered on success", () => {
    const ctx = testApp();
    const now = 1_000_000;
    const delivery = taken(ctx, now);
    const failed = recordAttempt(ctx.db, delivery, { ok: false, code: 500, response: "x".repeat(1000) }, now);
    expect(failed).toMatchObject({ status: "pending", attempts: 1, nextAttemptAt: now + 5_000, lastCode: 500 });
    expect(failed!.lastResponse).toHaveLength(300);
    const [again] = takeDueDeliveries(ctx.db, now + 5_000, 10);
    const delivered = recordAttempt(ctx.db, again!, { ok: true, code: 204, response: "" }, now + 5_000);
    expect(delivered).toMatchObject({ status: "delivered", attempts: 2, nextAttemptAt: null, lastCode: 204 });
  });

  it("are marked failed once the next try would fall past a day", () => {
    const ctx = testApp();
    const now = 1_000_000;
    const delivery = taken(ctx, now);
    const late = recordAttempt(ctx.db, { ...delivery, attempts: 30 }, { ok: false, code: null, response: "timeout" }, now + giveUpAfterMs - 1000);
    expect(late).toMatchObject({ status: "failed", nextAttemptAt: null });
  });

  it("are forgotten two weeks on once delivered or failed, never while still being tried", () => {
    const ctx = testApp();
    const now = 1_000_000;
    const delivered = taken(ctx, now);
    recordAttempt(ctx.db, delivered, { ok: true, code: 200, response: "" }, now);
    queued(ctx, now);
    expect(pruneDeliveries(ctx.db, now + keptForMs - 1)).toBe(0);
    expect(pruneDeliveries(ctx.db, now + keptForMs + 1)).toBe(1);
    expect(ctx.db.select().from(deliveries).all()).toMatchObject([{ status: "pending" }]);
  });
});
