// Work on timers beside serving requests. What must be done once for the whole data dir (search
// indexing and tallies, closing idle conversations, the absent-agent sweep, digests, pruning, and
// with Redis reaping dead processes' presence) is done by the process holding the housekeeping
// lease; alone, that is always this one. Closing the sockets of expired sessions concerns each
// process's own sockets, so every process does it.
import type { Database } from "./db/client";
import { closeIdleConversations } from "./domain/conversations";
import { indexNextMessages, searchIndexEveryMs } from "./domain/search-index";
import { tallyNextMessages } from "./domain/conversation-tallies";
import { pruneDeliveries } from "./domain/deliveries";
import type { Log } from "./log";
import { queueDigests } from "./outbound/digests";
import type { Outbound } from "./outbound/outbound";
import type { Hub } from "./realtime/hub";
import { lease, leaseTimings } from "./realtime/lease";

export const housekeepingTimings = {
  sweepEveryMs: 30_000,
  /** Dead processes' ids and ended grace periods (Redis only): presence is right within this after the grace. */
  reapEveryMs: 1_000,
  lease: leaseTimings,
};

export interface Housekeeping {
  /** Whether this process does the once-for-all work now. */
  leading(): boolean;
  stop(): Promise<void>;
}

export function startHousekeeping(
  db: Database,
  app: { hub: Hub; outbound: Outbound },
  publicUrl: string | null,
  log: Log,
  timings = housekeepingTimings,
): Housekeeping {
  const { hub } = app;
  const housekeeping = lease(hub.cluster, "housekeeping", log, timings.lease);
  // Search indexing and the reports' tallies, off the send path: a batch every second, and while
  // more are waiting (at start, after a burst) the next batch as soon as the requests that
  // queued meanwhile have run.
  let indexingAgain: ReturnType<typeof setImmediate> | null = null;
  const indexMessages = () => {
    indexingAgain = null;
    if (!housekeeping.held()) return;
    try {
      const moreToIndex = indexNextMessages(db);
      if (tallyNextMessages(db) || moreToIndex) indexingAgain = setImmediate(indexMessages);
    } catch (error) {
      log.error("search indexing failed", { error });
    }
  };
  const indexer = setInterval(() => {
    if (!indexingAgain) indexMessages();
  }, searchIndexEveryMs);
  indexMessages();
  // Conversations quiet past their shop's idle limit close by themselves; agents gone past their
  // shop's auto-away and hold times become away and lose their conversations to the queue.
  const sweep = async () => {
    try {
      if (housekeeping.held()) {
        closeIdleConversations(db, hub);
        await hub.sweepAbsentAgents();
        // Agents away from the console hear what they missed by email.
        if (housekeeping.held() && queueDigests(db, hub.agents.onlineIds(), publicUrl)) app.outbound.runner.wake();
        pruneDeliveries(db);
      }
      // Sessions that expired meanwhile: this process's sockets opened with them close too.
      hub.sessionsChanged();
    } catch (error) {
      log.error("housekeeping failed", { error });
    }
  };
  const sweeper = setInterval(sweep, timings.sweepEveryMs);
  // Alone there is nobody else's presence to reap: no timer.
  const reaper = hub.cluster.link
    ? setInterval(() => {
        if (housekeeping.held()) hub.presence.reap().catch((error) => log.error("presence reaping failed", { error: String(error) }));
      }, timings.reapEveryMs)
    : null;
  return {
    leading: () => housekeeping.held(),
    async stop() {
      clearInterval(sweeper);
      clearInterval(indexer);
      if (reaper) clearInterval(reaper);
      if (indexingAgain) clearImmediate(indexingAgain);
      await housekeeping.stop();
    },
  };
}
