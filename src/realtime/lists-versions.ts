// How many times each shop's conversation lists have changed. A console page shows the version its
// lists were read at; once its socket listens, the lists are sent again whole when the version
// moved meanwhile (list-fanout.ts). With several processes the page and its socket may be served
// by different ones, so the count lives in Redis: each change INCRs it after its commit, and a
// reader GETs it. A reader's version is never ahead of what it read (the INCR follows the commit),
// so a mistake costs at most a needless refresh.
import type { Cluster } from "./cluster";
import type { RedisLink } from "./redis-link";

export interface ListsVersions {
  /** A list line changed; on the send path, so it returns at once. */
  changed(businessId: number): void;
  /** From 1, so that 0 is "not known" (what a page shows when it could not be read). In memory when alone. */
  current(businessId: number): number | Promise<number>;
}

export function localListsVersions(): ListsVersions {
  const versions = new Map<number, number>();
  return {
    changed(businessId) {
      versions.set(businessId, (versions.get(businessId) ?? 1) + 1);
    },
    current: (businessId) => versions.get(businessId) ?? 1,
  };
}

export function sharedListsVersions(cluster: Cluster & { link: RedisLink }): ListsVersions {
  const { commands } = cluster.link;
  const key = (businessId: number) => cluster.key(`lists:${businessId}`);
  /** Shops whose INCR failed while Redis was away: counted again once it is back. */
  const missed = new Set<number>();
  const changed = (businessId: number) => {
    commands.incr(key(businessId)).catch(() => missed.add(businessId));
  };
  cluster.link.onReconnect(() => {
    for (const businessId of missed) changed(businessId);
    missed.clear();
  });
  return {
    changed,
    async current(businessId) {
      try {
        return Number((await commands.get(key(businessId))) ?? 0) + 1;
      } catch {
        return 0;
      }
    },
  };
}
