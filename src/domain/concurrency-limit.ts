// At most a few of a costly kind of work at once, and a short line for more. The threat: work
// anyone can start, such as checking a password (argon2id: ~64 MB and a core for a while), run
// forty times at once from one script, which ate the server's memory and every core.

export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly slots: number,
    /** How many may wait for a slot; past that, work is refused at once. */
    private readonly queue: number,
  ) {}

  /** Runs `work` when a slot is free: its value, or null when it was refused because the line is full. */
  async run<T>(work: () => Promise<T>): Promise<{ value: T } | null> {
    if (this.running >= this.slots) {
      if (this.waiting.length >= this.queue) return null;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return { value: await work() };
    } finally {
      // The slot passes straight to the next in line, or is given back.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
