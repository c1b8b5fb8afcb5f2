import { describe, expect, it } from "bun:test";
import { LoginThrottle } from "../../src/domain/login-throttle";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("LoginThrottle", () => {
  it("allows up to the limit of failures, then says how long to wait", () => {
    const time = clock();
    const throttle = new LoginThrottle(3, 60_000, time.now);
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfterMs(["ip:1"])).toBe(0);
      throttle.recordFailure(["ip:1"]);
      time.advance(1000);
    }
    expect(throttle.retryAfterMs(["ip:1"])).toBe(57_000);
    expect(throttle.retryAfterMs(["ip:2"])).toBe(0);
  });

  it("forgets failures once they leave the window", () => {
    const time = clock();
    const throttle = new LoginThrottle(2, 60_000, time.now);
    throttle.recordFailure(["account:a"]);
    throttle.recordFailure(["account:a"]);
    time.advance(60_001);
    expect(throttle.retryAfterMs(["account:a"])).toBe(0);
  });

  it("blocks when any one of the keys is over the limit", () => {
    const throttle = new LoginThrottle(1, 60_000, clock().now);
    throttle.recordFailure(["ip:1", "account:a"]);
    expect(throttle.retryAfterMs(["ip:9", "account:a"])).toBeGreaterThan(0);
    throttle.forgive("account:a");
    expect(throttle.retryAfterMs(["ip:9", "account:a"])).toBe(0);
    expect(throttle.retryAfterMs(["ip:1"])).toBeGreaterThan(0);
  });

  it("keeps memory bounded by dropping the oldest keys", () => {
    const throttle = new LoginThrottle(1, 60_000, clock().now, 2);
    throttle.recordFailure(["a"]);
    throttle.recordFailure(["b"]);
    throttle.recordFailure(["c"]);
    expect(throttle.retryAfterMs(["a"])).toBe(0);
    expect(throttle.retryAfterMs(["c"])).toBeGreaterThan(0);
  });
});
