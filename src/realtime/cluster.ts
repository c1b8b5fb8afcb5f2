// The processes serving one data dir. Alone (no --redis-url) there is nothing to share and every
// seam keeps its in-process driver; with Redis, this names the shared keys and channels of this
// installation and carries what one process tells the others (local effects of an event that
// happened elsewhere: following a thread, closing a socket, forgetting a cache).
import type { Log } from "../log";
import { RedisLink } from "./redis-link";

export interface Cluster {
  /** This process among those sharing Redis; tells from it are not heard by it. */
  readonly processId: string;
  /** The shared Redis, or null when this process is alone. */
  readonly link: RedisLink | null;
  /** A key or channel name of this installation in the shared Redis. */
  key(name: string): string;
  /** Sends to the other processes' hearers of `kind`; nothing when alone. */
  tell(kind: string, message: object): void;
  /** Calls `hearer` with what other processes tell of `kind`; resolves once listening. */
  hear(kind: string, hearer: (message: unknown) => void): Promise<void>;
  close(): void;
}

/** One process: nobody to tell, nothing to hear. */
export function soleProcess(): Cluster {
  return {
    processId: crypto.randomUUID(),
    link: null,
    key: (name) => name,
    tell() {},
    hear: async () => {},
    close() {},
  };
}

/**
 * Several processes on one Redis. `keyPrefix` keeps this installation's keys and channels apart
 * from another's on the same Redis (pub/sub channels ignore the database number).
 */
export function sharedRedis(url: string, keyPrefix: string, log: Log): Cluster {
  const link = new RedisLink(url, log);
  const processId = crypto.randomUUID();
  const key = (name: string) => keyPrefix + name;
  return {
    processId,
    link,
    key,
    tell(kind, message) {
      link.publish(key(`cluster:${kind}`), JSON.stringify({ from: processId, message }));
    },
    hear(kind, hearer) {
      return link.listen(key(`cluster:${kind}`), (raw) => {
        // Still input: a hearer that throws, or a message that is not ours, must not stop the others.
        try {
          const told = JSON.parse(raw) as { from?: unknown; message?: unknown } | null;
          if (told?.from !== processId) hearer(told?.message);
        } catch (error) {
          log.error("cluster message not applied", { kind, error });
        }
      });
    },
    close: () => link.close(),
  };
}

/** The prefix of an installation: from its server secret, which every process of one data dir reads. */
export function installationPrefix(secret: string): string {
  return `kefu:${new Bun.CryptoHasher("sha256").update(`redis prefix ${secret}`).digest("hex").slice(0, 12)}:`;
}
