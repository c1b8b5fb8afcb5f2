// Work that must be done once for all the processes sharing Redis (housekeeping) is done by the
// one holding a lease: a key set with NX and PX to its token, kept by renewing it before it
// expires. A holder that dies stops renewing, and another process takes the key when it expires.
// Alone (no Redis), this process always holds it.
import type { Log } from "../log";
import type { Cluster } from "./cluster";

export interface Lease {
  /** Whether this process may do the work now; false from the moment a renewal fails. */
  held(): boolean;
  /** Gives the lease up, so another process takes it at once rather than after it expires. */
  stop(): Promise<void>;
}

export const leaseTimings = { expiresMs: 10_000, renewEveryMs: 3_000 };

/** Takes the key if free, or extends it if ours: 1 when this process holds it now. */
const takeOrRenew = `local holder = redis.call("GET", KEYS[1])
if holder == ARGV[1] then redis.call("PEXPIRE", KEYS[1], ARGV[2]) return 1 end
if holder then return 0 end
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
return 1`;

const giveUp = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end
return 0`;

export function lease(cluster: Cluster, name: string, log: Log, timings = leaseTimings): Lease {
  const { link } = cluster;
  if (!link) return { held: () => true, stop: async () => {} };
  const key = cluster.key(`lease:${name}`);
  const token = cluster.processId;
  /** Until when (this process's monotonic clock) the lease is ours: counted from when the renewal was sent, so before Redis lets it expire. */
  let heldUntil = 0;
  let asking = false;
  let stopped = false;
  const ask = async () => {
    if (asking || stopped) return;
    asking = true;
    const sent = performance.now();
    const wasHeld = sent < heldUntil;
    try {
      const holds = await link.commands.send("EVAL", [takeOrRenew, "1", key, token, String(timings.expiresMs)]);
      heldUntil = holds === 1 && !stopped ? sent + timings.expiresMs : 0;
    } catch (error) {
      heldUntil = 0;
      // Said once, as it is lost; while Redis stays down the link says so itself.
      if (wasHeld) log.warn("lease renewal failed", { lease: name, error: String(error) });
    } finally {
      asking = false;
    }
    const holds = performance.now() < heldUntil;
    if (holds !== wasHeld) log.info(holds ? "took the lease" : "lost the lease", { lease: name });
  };
  void ask();
  const renewing = setInterval(ask, timings.renewEveryMs);
  renewing.unref();
  return {
    held: () => performance.now() < heldUntil,
    async stop() {
      stopped = true;
      clearInterval(renewing);
      heldUntil = 0;
      await link.commands.send("EVAL", [giveUp, "1", key, token]).catch((error) => log.warn("lease release failed", { lease: name, error: String(error) }));
    },
  };
}
