// Latencies kept as counts in buckets 1% wide (from 1 µs up), so that the client processes can
// hold millions of timings in a few kilobytes and the orchestrator can add them up exactly.
const floorMs = 0.001;
const growth = Math.log(1.01);

export class Histogram {
  private readonly buckets = new Map<number, number>();
  count = 0;
  max = 0;

  record(ms: number): void {
    const bucket = ms <= floorMs ? 0 : 1 + Math.floor(Math.log(ms / floorMs) / growth);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  add(other: Histogram | HistogramData): this {
    const data = other instanceof Histogram ? other.toJSON() : other;
    for (const [bucket, count] of data.buckets) this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + count);
    this.count += data.count;
    this.max = Math.max(this.max, data.max);
    return this;
  }

  /** The value at quantile q (0..1), to within 1%; the exact maximum for q = 1. NaN when empty. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    if (q >= 1) return this.max;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const bucket of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(bucket)!;
      // The middle of the bucket, never above the largest value recorded.
      if (seen >= rank) return bucket === 0 ? floorMs : Math.min(this.max, floorMs * Math.exp((bucket - 0.5) * growth));
    }
    return this.max;
  }

  toJSON(): HistogramData {
    return { buckets: [...this.buckets], count: this.count, max: this.max };
  }

  static from(data: HistogramData): Histogram {
    return new Histogram().add(data);
  }
}

export interface HistogramData {
  buckets: [number, number][];
  count: number;
  max: number;
}
