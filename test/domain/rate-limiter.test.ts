import { describe, expect, it } from "bun:test";
import { RateLimiter } from "../../src/domain/rate-limiter";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("RateLimiter", () => {
  it("allows up to the limit of failures, then says how long to wait", () => {
    const time = clock();
    const throttle = new RateLimiter(3, 60_000, time.now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfterMs(["ip:1"])).toBe(0);
      throttle.record(["ip:1"]);
      time.advance(1000);
    }
    expect(throttle.retryAfterMs(["ip:1"])).toBe(57_000);
    expect(throttle.retryAfterMs(["ip:2"])).toBe(0);
  });

  it("counts each key against its own limit when one is given, and tells its use and when a slot frees", () => {
    const time = clock();
    const throttle = new RateLimiter(1, 60_000, time.now);
    for (let i = 0; i < 5; i++) {
      expect(throttle.retryAfterMs(["token:1"], 5)).toBe(0);
      throttle.record(["token:1"], 5);
      time.advance(1000);
    }
    expect(throttle.retryAfterMs(["token:1"], 5)).toBe(55_000);
    expect(throttle.retryAfterMs(["token:1"], 6)).toBe(0);
    expect(throttle.usage("token:1")).toEqual({ used: 5, resetMs: 55_000 });
    expect(throttle.usage("token:2")).toEqual({ used: 0, resetMs: 0 });
  });

  it("counts an attempt under the limit for every key, and counts nothing when one key is over it", () => {
    const time = clock();
    const throttle = new RateLimiter(2, 60_000, time.now);
    expect(throttle.attempt(["ip:1", "account:a"])).toBe(0);
    time.advance(1000);
    expect(throttle.attempt(["ip:1"])).toBe(0);
    expect(throttle.attempt(["ip:1", "account:a"])).toBe(59_000);
    expect(throttle.usage("account:a").used).toBe(1);
  });

  it("forgets failures once they leave the window", () => {
    const time = clock();
    const throttle = new RateLimiter(2, 60_000, time.now);
    throttle.record(["account:a"]);
    throttle.record(["account:a"]);
    time.advance(60_001);
    expect(throttle.retryAfterMs(["account:a"])).toBe(0);
  });

  it("blocks when any one of the keys is over the limit", () => {
    const throttle = new RateLimiter(1, 60_000, clock().now);
    throttle.record(["ip:1", "account:a"]);
    expect(throttle.retryAfterMs(["ip:9", "account:a"])).toBeGreaterThan(0);
    throttle.forgive("account:a");
    expect(throttle.retryAfterMs(["ip:9", "account:a"])).toBe(0);
    expect(throttle.retryAfterMs(["ip:1"])).toBeGreaterThan(0);
  });

  it("keeps memory bounded by dropping the oldest keys", () => {
    const throttle = new RateLimiter(1, 60_000, clock().now, 2);
    throttle.record(["a"]);
    throttle.record(["b"]);
    throttle.record(["c"]);
    expect(throttle.retryAfterMs(["a"])).toBe(0);
    expect(throttle.retryAfterMs(["c"])).toBeGreaterThan(0);
  });

  it("keeps time with the monotonic clock: a wall clock stepped back an hour locks nobody out", () => {
    const realNow = Date.now;
    let wall = realNow();
    Date.now = () => wall;
    try {
      const throttle = new RateLimiter(2, 10_000);
      throttle.record(["visitor:1"]);
      throttle.record(["visitor:1"]);
      wall -= 60 * 60_000;
      expect(throttle.retryAfterMs(["visitor:1"])).toBeLessThanOrEqual(10_000);
    } finally {
      Date.now = realNow;
    }
  });
});
