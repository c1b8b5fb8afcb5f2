// Slows password guessing: after `limit` failures within `windowMs` for a key (an IP, or an
// account), sign-in for that key is refused until the oldest failure leaves the window.
// Kept in memory: a restart forgives, which is acceptable for a single-process server.

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    // Bounds memory when an attacker cycles through many keys.
    private readonly maxKeys = 50_000,
  ) {}

  /** Milliseconds until a key is allowed again; 0 when every key is allowed now. */
  retryAfterMs(keys: string[]): number {
    const now = this.now();
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= this.limit) wait = Math.max(wait, recent[0]! + this.windowMs - now);
    }
    return wait;
  }

  recordFailure(keys: string[]): void {
    const now = this.now();
    for (const key of keys) {
      const recent = this.recent(key, now);
      recent.push(now);
      this.failures.delete(key); // re-insert so Map order is least recently failed first
      this.failures.set(key, recent.slice(-this.limit));
    }
    while (this.failures.size > this.maxKeys) {
      this.failures.delete(this.failures.keys().next().value!);
    }
  }

  forgive(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string, now: number): number[] {
    return (this.failures.get(key) ?? []).filter((at) => at > now - this.windowMs);
  }
}
