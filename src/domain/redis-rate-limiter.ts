// The rate limits of several processes, kept in the shared Redis so that a second process does not
// double them (a password guesser would get twice the tries). A key's window is a sorted set of its
// events' times, read and changed by one Lua script per call: two processes never both take the
// last slot, and the time is Redis's own (TIME), so the processes' clocks are never compared.
// While Redis does not answer, each process limits on its own as a lone process does (logged): a
// restarted Redis must neither lock everyone out of signing in nor leave sign-in unlimited.
import type { Log } from "../log";
import type { Cluster } from "../realtime/cluster";
import type { RedisLink } from "../realtime/redis-link";
import { type RateLimit, RateLimiter } from "./rate-limiter";

/** How long a route waits for Redis before limiting on its own instead. */
const answerWithinMs = 500;
/** Once Redis did not answer, how long routes limit on their own before one asks it again. */
const askAgainAfterMs = 1_000;

// KEYS: the limit's keys. ARGV: the operation, the window (ms), the limit, this event's id.
// An event older than the window is dropped on every read; past the limit the oldest go too.
const script = `
local operation, window, limit, event = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local function used(key)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  return redis.call('ZCARD', key)
end
local function oldest(key)
  return tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2])
end
if operation == 'usage' then
  local count = used(KEYS[1])
  if count == 0 then return {0, 0} end
  return {count, math.ceil(oldest(KEYS[1]) + window - now)}
end
if operation == 'release' then
  for _, key in ipairs(KEYS) do redis.call('ZPOPMAX', key) end
  return 0
end
if operation == 'forgive' then
  redis.call('DEL', unpack(KEYS))
  return 0
end
if operation ~= 'record' then
  local wait = 0
  for _, key in ipairs(KEYS) do
    if used(key) >= limit then wait = math.max(wait, oldest(key) + window - now) end
  end
  if operation == 'wait' or wait > 0 then return math.ceil(wait) end
end
for _, key in ipairs(KEYS) do
  used(key)
  redis.call('ZADD', key, now, event)
  local surplus = redis.call('ZCARD', key) - limit
  if surplus > 0 then redis.call('ZREMRANGEBYRANK', key, 0, surplus - 1) end
  redis.call('PEXPIRE', key, window)
end
return 0
`;
const scriptSha = new Bun.CryptoHasher("sha1").update(script).digest("hex");

type Operation = "attempt" | "wait" | "record" | "release" | "usage" | "forgive";

/** A limit shared by every process on the cluster's Redis; this process's own when it is alone. */
export function sharedRateLimit(cluster: Cluster, log: Log, name: string, limit: number, windowMs: number): RateLimit {
  return cluster.link ? new RedisRateLimiter(cluster.link, cluster.key(`rl:${name}:`), log, limit, windowMs) : new RateLimiter(limit, windowMs);
}

export class RedisRateLimiter implements RateLimit {
  /** Limits while Redis does not answer. */
  private readonly alone: RateLimiter;
  private redisDown = false;
  private askAgainAt = 0;
  private connecting: Promise<void> | null = null;
  private readonly eventPrefix = crypto.randomUUID();
  private events = 0;

  constructor(
    private readonly link: RedisLink,
    private readonly keyPrefix: string,
    private readonly log: Log,
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.alone = new RateLimiter(limit, windowMs);
  }

  attempt(keys: string[], limit = this.limit): Promise<number> {
    return this.run("attempt", keys, limit, () => this.alone.attempt(keys, limit));
  }

  retryAfterMs(keys: string[], limit = this.limit): Promise<number> {
    return this.run("wait", keys, limit, () => this.alone.retryAfterMs(keys, limit));
  }

  async record(keys: string[], limit = this.limit): Promise<void> {
    await this.run("record", keys, limit, () => this.alone.record(keys, limit));
  }

  async release(keys: string[]): Promise<void> {
    await this.run("release", keys, this.limit, () => this.alone.release(keys));
  }

  usage(key: string): Promise<{ used: number; resetMs: number }> {
    return this.run("usage", [key], this.limit, () => this.alone.usage(key), (answer) => {
      const [used, resetMs] = answer as [number, number];
      return { used, resetMs };
    });
  }

  async forgive(key: string): Promise<void> {
    await this.run("forgive", [key], this.limit, () => this.alone.forgive(key));
  }

  private async run<T>(operation: Operation, keys: string[], limit: number, alone: () => T, read = (answer: unknown) => answer as T): Promise<T> {
    if (keys.length === 0) return alone();
    if (await this.connected()) {
      const args = [String(keys.length), ...keys.map((key) => this.keyPrefix + key), operation, String(this.windowMs), String(limit), `${this.eventPrefix}:${this.events++}`];
      try {
        const answer = read(await withinTime(this.evaluate(args)));
        if (this.redisDown) this.log.info("redis answers again: rate limits shared by every process", { limit: this.keyPrefix });
        this.redisDown = false;
        return answer;
      } catch (error) {
        this.wentDown(error);
      }
    }
    return alone();
  }

  /**
   * Whether to ask Redis. Bun's client queues commands while disconnected, so a route would hang
   * until Redis is back: once it is known down, limit alone until the link has reconnected. A
   * Redis that hangs keeps its connection: ask it again only now and then.
   */
  private async connected(): Promise<boolean> {
    const commands = this.link.commands;
    if (commands.connected) return !this.redisDown || performance.now() >= this.askAgainAt;
    // Not connected yet (the first command of this process, or Redis was down when it started);
    // one attempt at a time, since Bun's connect() may retry for long.
    if (!this.connecting) {
      this.connecting = commands.connect().finally(() => (this.connecting = null));
      this.connecting.catch(() => {}); // one nobody waits for (Redis known down) is no unhandled rejection
    }
    if (this.redisDown) return false;
    try {
      await withinTime(this.connecting);
      return true;
    } catch (error) {
      this.wentDown(error);
      return false;
    }
  }

  private async evaluate(args: string[]): Promise<unknown> {
    try {
      return await this.link.commands.send("EVALSHA", [scriptSha, ...args]);
    } catch (error) {
      // A restarted Redis has forgotten its scripts; EVAL loads it again.
      if (!String(error).includes("NOSCRIPT")) throw error;
      return this.link.commands.send("EVAL", [script, ...args]);
    }
  }

  private wentDown(error: unknown): void {
    if (!this.redisDown) this.log.warn("redis does not answer: rate limits count in each process until it does", { limit: this.keyPrefix, error: String(error) });
    this.redisDown = true;
    this.askAgainAt = performance.now() + askAgainAfterMs;
  }
}

function withinTime<T>(answer: Promise<T>): Promise<T> {
  let timer: Timer | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${answerWithinMs} ms`)), answerWithinMs);
  });
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}
