// The shared rate limits against a real redis-server: two clusters on one Redis stand for two
// processes, each with its own limiter of the same name.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import { RedisClient } from "bun";
import type { RateLimit } from "../../src/domain/rate-limiter";
import { sharedRateLimit } from "../../src/domain/redis-rate-limiter";
import { createLog, silentLog } from "../../src/log";
import { type Cluster, sharedRedis } from "../../src/realtime/cluster";
import { type RedisServer, startRedisServer } from "../redis-server";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

const clusters: Cluster[] = [];
afterEach(() => {
  for (const cluster of clusters.splice(0)) cluster.close();
});

/** One process's limiter called `name`, on the installation `prefix` of the Redis at `url`. */
async function processLimit(limit: number, windowMs: number, options: { url?: string; prefix: string; lines?: string[] }): Promise<RateLimit> {
  const log = options.lines ? createLog("info", (line) => options.lines!.push(line)) : silentLog;
  const cluster = sharedRedis(options.url ?? redis.url, options.prefix, log);
  clusters.push(cluster);
  await cluster.link!.ready();
  return sharedRateLimit(cluster, log, "sign-in", limit, windowMs);
}

/** Waits until the limiter asks Redis again: what it records then is in Redis. */
async function untilShared(limit: RateLimit, cluster: Cluster, prefix: string) {
  const probe = `probe:${crypto.randomUUID()}`;
  while (!(await cluster.link!.commands.exists(`${prefix}rl:sign-in:${probe}`))) {
    await limit.record([probe]);
    await Bun.sleep(50);
  }
}

async function twoProcesses(limit: number, windowMs: number) {
  const prefix = `kefu-test-${crypto.randomUUID()}:`;
  return { prefix, a: await processLimit(limit, windowMs, { prefix }), b: await processLimit(limit, windowMs, { prefix }) };
}

describe("a rate limit shared in Redis", () => {
  it("counts the events of every process against one limit, and every process tells the same usage", async () => {
    const { a, b } = await twoProcesses(3, 60_000);
    expect(await a.attempt(["ip:1"])).toBe(0);
    expect(await b.attempt(["ip:1"])).toBe(0);
    expect(await a.attempt(["ip:1"])).toBe(0);
    const wait = await b.attempt(["ip:1"]);
    expect(wait).toBeGreaterThan(59_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    expect(await a.retryAfterMs(["ip:2", "ip:1"])).toBeGreaterThan(0);
    expect(await b.retryAfterMs(["ip:2"])).toBe(0);
    const usage = await a.usage("ip:1");
    expect(usage.used).toBe(3);
    expect(usage.resetMs).toBeGreaterThan(59_000);
    expect((await b.usage("ip:1")).used).toBe(3);
    expect(await b.usage("ip:3")).toEqual({ used: 0, resetMs: 0 });
  });

  it("lets exactly the limit through when processes attempt at the same moment", async () => {
    const { a, b } = await twoProcesses(5, 60_000);
    const waits = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).attempt(["account:owner@example.com"])));
    expect(waits.filter((wait) => wait === 0)).toHaveLength(5);
  });

  it("counts each key against the limit given for it", async () => {
    const { a, b } = await twoProcesses(1, 60_000);
    for (let i = 0; i < 4; i++) expect(await (i % 2 ? a : b).attempt(["token:7"], 4)).toBe(0);
    expect(await a.attempt(["token:7"], 4)).toBeGreaterThan(0);
    expect(await b.retryAfterMs(["token:7"], 5)).toBe(0);
  });

  it("takes back the newest event, and forgives a key altogether", async () => {
    const { a, b } = await twoProcesses(2, 60_000);
    await a.record(["ip:1", "account:a"]);
    await b.record(["ip:1", "account:a"]);
    expect(await a.retryAfterMs(["account:a"])).toBeGreaterThan(0);
    await b.release(["ip:1", "account:a"]);
    expect(await a.retryAfterMs(["ip:1"])).toBe(0);
    await a.record(["account:a"]);
    await b.forgive("account:a");
    expect(await a.usage("account:a")).toEqual({ used: 0, resetMs: 0 });
    expect((await a.usage("ip:1")).used).toBe(1);
  });

  it("forgets events once they leave the window, and the key expires with them", async () => {
    const { prefix, a, b } = await twoProcesses(1, 300);
    expect(await a.attempt(["visitor:1"])).toBe(0);
    expect(await b.attempt(["visitor:1"])).toBeGreaterThan(0);
    const commands = clusters[0]!.link!.commands;
    const key = `${prefix}rl:sign-in:visitor:1`;
    const ttl = Number(await commands.send("PTTL", [key]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300);
    await Bun.sleep(350);
    expect(await commands.exists(key)).toBe(false);
    expect(await b.attempt(["visitor:1"])).toBe(0);
  });

  it("loads its script again when Redis has forgotten it", async () => {
    const { a, b } = await twoProcesses(1, 60_000);
    expect(await a.attempt(["ip:1"])).toBe(0);
    await clusters[0]!.link!.commands.send("SCRIPT", ["FLUSH"]);
    expect(await b.attempt(["ip:1"])).toBeGreaterThan(0);
  });

  it("limits in each process while Redis is down, and shares the limit again once it is back", async () => {
    const own = await startRedisServer();
    try {
      const prefix = `kefu-test-${crypto.randomUUID()}:`;
      const lines: string[] = [];
      const a = await processLimit(2, 60_000, { url: own.url, prefix, lines });
      const b = await processLimit(2, 60_000, { url: own.url, prefix });
      expect(await a.attempt(["ip:1"])).toBe(0);
      await own.stop({ crash: true });
      // Until the clients notice, a command waits in their queue and would land on the restarted Redis.
      while (clusters.slice(-2).some((cluster) => cluster.link!.commands.connected)) await Bun.sleep(5);
      // Nobody locked out, nobody unlimited: each process counts as a lone one does.
      expect(await a.attempt(["ip:1"])).toBe(0);
      expect(await a.attempt(["ip:1"])).toBe(0);
      expect(await a.attempt(["ip:1"])).toBeGreaterThan(0);
      expect(await b.attempt(["ip:1"])).toBe(0);
      expect(lines.filter((line) => line.includes("WARN redis does not answer"))).toHaveLength(1);

      await own.restart();
      await untilShared(a, clusters.at(-2)!, prefix);
      await untilShared(b, clusters.at(-1)!, prefix);
      expect(await a.attempt(["ip:1"])).toBe(0);
      expect(await b.attempt(["ip:1"])).toBe(0);
      expect(await a.attempt(["ip:1"])).toBeGreaterThan(0);
      expect(lines.some((line) => line.includes("INFO redis answers again"))).toBe(true);
    } finally {
      await own.stop();
    }
  });

  it("limits on its own at once while Redis hangs, and asks it again only now and then", async () => {
    const { prefix, a } = await twoProcesses(1, 60_000);
    const pauser = new RedisClient(redis.url);
    try {
      await pauser.send("CLIENT", ["PAUSE", "1500", "ALL"]);
      let asked = performance.now();
      expect(await a.attempt(["ip:1"])).toBe(0);
      expect(performance.now() - asked).toBeGreaterThan(400);
      asked = performance.now();
      expect(await a.attempt(["ip:1"])).toBeGreaterThan(0);
      expect(performance.now() - asked).toBeLessThan(100);
      await untilShared(a, clusters[0]!, prefix);
    } finally {
      pauser.close();
    }
  });

  it("limits on its own when Redis is down as the process starts, and shares the limit once Redis is up", async () => {
    const own = await startRedisServer();
    try {
      await own.stop();
      const prefix = `kefu-test-${crypto.randomUUID()}:`;
      const cluster = sharedRedis(own.url, prefix, silentLog);
      clusters.push(cluster);
      const a = sharedRateLimit(cluster, silentLog, "sign-in", 1, 60_000);
      expect(await a.attempt(["ip:1"])).toBe(0);
      expect(await a.attempt(["ip:1"])).toBeGreaterThan(0);

      await own.restart();
      const b = await processLimit(1, 60_000, { url: own.url, prefix });
      expect(await b.attempt(["ip:1"])).toBe(0);
      // Each call while Redis is away tries to connect again (one attempt at a time).
      await untilShared(a, cluster, prefix);
      expect(await a.attempt(["ip:2"])).toBe(0);
      expect(await b.attempt(["ip:2"])).toBeGreaterThan(0);
    } finally {
      await own.stop();
    }
  });
});
