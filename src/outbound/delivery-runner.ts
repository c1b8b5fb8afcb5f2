// Sends what waits in the deliveries table, off every request: each second, and at once when
// something new is queued. One round at a time, a few sends in parallel; each sender answers an
// outcome instead of throwing, and the row records it (domain/deliveries.ts).
import type { Database } from "../db/client";
import { type AttemptOutcome, type Delivery, type DeliveryChannel, recordAttempt, takeDueDeliveries } from "../domain/deliveries";
import type { Log } from "../log";

export type Sender = (delivery: Delivery) => Promise<AttemptOutcome>;

const everyMs = 1000;
const sendsAtOnce = 8;
const stopWaitMs = 2000;

export class DeliveryRunner {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly db: Database,
    private readonly senders: Record<DeliveryChannel, Sender>,
    private readonly log: Log,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.wake(), everyMs);
  }

  /** Runs a round now (or right after the one running), e.g. after a delivery was queued. */
  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Stops the timer and waits a little for the sends in flight; one cut short is leased and tried again after a restart. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.race([this.running, Bun.sleep(stopWaitMs)]);
  }

  private async round(): Promise<void> {
    try {
      for (;;) {
        const due = takeDueDeliveries(this.db, Date.now(), sendsAtOnce);
        if (!due.length) return;
        await Promise.all(due.map((delivery) => this.send(delivery)));
      }
    } catch (error) {
      this.log.error("deliveries failed", { error });
    }
  }

  private async send(delivery: Delivery): Promise<void> {
    let outcome: AttemptOutcome;
    try {
      outcome = await this.senders[delivery.channel](delivery);
    } catch (error) {
      outcome = { ok: false, code: null, response: error instanceof Error ? error.message : String(error) };
    }
    recordAttempt(this.db, delivery, outcome);
  }
}
