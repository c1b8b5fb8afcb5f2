// Rate limits that must hold for the whole installation, not per process: two apps on one database
// file and one Redis stand for two processes behind one load balancer.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createApiToken } from "../../src/domain/api-tokens";
import { limits } from "../../src/domain/limits";
import { kefuProcess, sharedDatabaseFile } from "../kefu-process";
import { type RedisServer, startRedisServer } from "../redis-server";
import { addMember, visitChat } from "../support";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

/** Two processes of one installation; each test its own, so their counts start from nothing. */
function twoProcesses() {
  const file = sharedDatabaseFile();
  const prefix = `kefu-test-${crypto.randomUUID()}:`;
  return [kefuProcess(file, redis.url, { redisKeyPrefix: prefix }), kefuProcess(file, redis.url, { redisKeyPrefix: prefix })] as const;
}

function signIn(process: ReturnType<typeof kefuProcess>, password: string) {
  return fetch(`${process.base}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: process.base },
    body: new URLSearchParams({ email: "owner@example.com", password }),
    redirect: "manual",
  });
}

test("failed sign-ins spread over two processes are limited as one", async () => {
  const [a, b] = twoProcesses();
  try {
    await addMember(a, "owner", "owner@example.com");
    for (let i = 0; i < limits.loginFailuresPerWindow; i++) {
      expect((await signIn(i % 2 ? a : b, "wrong guess")).status).toBe(401);
    }
    for (const process of [a, b]) {
      const refused = await signIn(process, "wrong guess");
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // The right password waits as well: the guesser cannot tell it from a wrong one.
    expect((await signIn(b, "correct horse")).status).toBe(429);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("an API token's requests over two processes reach its limit once, and both tell the same remaining count", async () => {
  const [a, b] = twoProcesses();
  try {
    const agent = await addMember(a, "owner", "owner@example.com");
    const { token } = createApiToken(a.db, "1".repeat(64), agent.id, "script", { requestsPerMinute: 10 });
    const call = (process: ReturnType<typeof kefuProcess>) => fetch(`${process.base}/api/v1/conversations`, { headers: { authorization: `Bearer ${token}` } });
    for (let i = 1; i <= 10; i++) {
      const answer = await call(i % 2 ? a : b);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("ratelimit-remaining")).toBe(String(10 - i));
    }
    for (const process of [a, b]) {
      const refused = await call(process);
      expect(refused.status).toBe(429);
      expect(refused.headers.get("ratelimit-remaining")).toBe("0");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(50);
    }
  } finally {
    await a.stop();
    await b.stop();
  }
});

test("a visitor's messages left over two processes count against one hourly limit", async () => {
  const [a, b] = twoProcesses();
  try {
    const cookie = await visitChat(a.base, a.business.widgetKey);
    const leave = (process: ReturnType<typeof kefuProcess>, message: string) =>
      fetch(`${process.base}/chat/${process.business.widgetKey}/leave-message`, {
        method: "POST",
        headers: { cookie, origin: process.base, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ name: "", phone: "", email: "", message }),
      });
    for (let n = 1; n <= limits.offlineMessagesPerVisitorHour; n++) expect((await leave(n % 2 ? a : b, `message ${n}`)).status).toBe(200);
    expect((await leave(a, "one more")).status).toBe(429);
    expect((await leave(b, "one more")).status).toBe(429);
  } finally {
    await a.stop();
    await b.stop();
  }
});
