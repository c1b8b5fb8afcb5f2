// A sliding-window limit per key: after `limit` events within `windowMs` for a key, the key is
// refused until its oldest event leaves the window. Sign-in counts failures per IP and per
// account; the chat counts each visitor's messages. Kept in memory: a restart forgives, which is
// acceptable for a single-process server. Time is the monotonic clock's: a wall clock stepped
// back (NTP, a VM restored) would otherwise lock every key out for the size of the step.

export type Awaitable<T> = T | Promise<T>;

/**
 * A limit as the routes use it. This process's `RateLimiter` answers at once; several processes
 * share one in Redis (redis-rate-limiter.ts), which answers later, so routes `await` every answer.
 */
export interface RateLimit {
  /** Counts an event for every key and answers 0, or answers the wait and counts nothing: one step, so concurrent attempts cannot all pass. */
  attempt(keys: string[], limit?: number): Awaitable<number>;
  retryAfterMs(keys: string[], limit?: number): Awaitable<number>;
  record(keys: string[], limit?: number): Awaitable<void>;
  release(keys: string[]): Awaitable<void>;
  usage(key: string): Awaitable<{ used: number; resetMs: number }>;
  forgive(key: string): Awaitable<void>;
}

export class RateLimiter implements RateLimit {
  private readonly events = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
    // Bounds memory when an attacker cycles through many keys.
    private readonly maxKeys = 50_000,
  ) {}

  /**
   * Milliseconds until a key is allowed again; 0 when every key is allowed now. `limit` overrides
   * the limiter's for keys that each have their own (an API token's requests per minute).
   */
  retryAfterMs(keys: string[], limit = this.limit): number {
    const now = this.now();
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= limit) wait = Math.max(wait, recent[0]! + this.windowMs - now);
    }
    return wait;
  }

  attempt(keys: string[], limit = this.limit): number {
    const wait = this.retryAfterMs(keys, limit);
    if (wait === 0) this.record(keys, limit);
    return wait;
  }

  record(keys: string[], limit = this.limit): void {
    const now = this.now();
    for (const key of keys) {
      const recent = this.recent(key, now);
      recent.push(now);
      if (recent.length > limit) recent.shift();
      this.events.delete(key); // re-insert so Map order is least recently used first
      this.events.set(key, recent);
    }
    while (this.events.size > this.maxKeys) {
      this.events.delete(this.events.keys().next().value!);
    }
  }

  /** Takes back the newest event of each key: an attempt counted before its outcome that went well. */
  release(keys: string[]): void {
    for (const key of keys) this.events.get(key)?.pop();
  }

  /** How many events the key has in the window, and in how many ms the oldest of them leaves it. */
  usage(key: string): { used: number; resetMs: number } {
    const now = this.now();
    const recent = this.recent(key, now);
    return { used: recent.length, resetMs: recent.length ? recent[0]! + this.windowMs - now : 0 };
  }

  forgive(key: string): void {
    this.events.delete(key);
  }

  /** The key's events still in the window, oldest first (the expired ones dropped from the front). */
  private recent(key: string, now: number): number[] {
    const events = this.events.get(key);
    if (!events) return [];
    let expired = 0;
    while (expired < events.length && events[expired]! <= now - this.windowMs) expired++;
    if (expired > 0) events.splice(0, expired);
    return events;
  }
}
