// Who is connected: sockets counted per agent and per visitor. Going offline is announced only
// after a grace period, so a page reload (close, then open within a second) does not flap.
// This is the driver for one process; with --redis-url, redis-presence.ts shares it.
import type { Log } from "../log";

export interface PresenceListener {
  online(id: number): void;
  offline(id: number): void;
}

/** One audience's presence. The readers are synchronous: they run on every visitor message. */
export interface Presence {
  connected(id: number): void;
  disconnected(id: number): void;
  /** Online, or within the grace period after the last socket closed. */
  isOnline(id: number): boolean;
  onlineIds(): readonly number[];
  /** Since when `id` has been online (epoch ms), or undefined when it is not. */
  onlineSince(id: number): number | undefined;
}

/** Both audiences' presence, and what housekeeping asks of it. */
export interface Presences {
  readonly agents: Presence;
  readonly visitors: Presence;
  /**
   * Since when each agent has had no console, null while they have one: for auto-away and the
   * requeue of absent agents. An agent not seen since the start counts as gone since then.
   */
  agentAbsences(): Promise<(agentId: number) => number | null>;
  /** The lease holder's work: ids of processes that died go offline (nothing to do alone). */
  reap(): Promise<void>;
  stop(): void;
}

export interface PresenceOptions {
  /** How long a closed last socket still counts as online (a reload must not flap). */
  graceMs: number;
  /** With Redis, how often each process says it is alive (redis-presence.ts). */
  heartbeatMs?: number;
  log: Log;
}

/** Presence in this process alone. */
export function localPresences(listeners: { agents: PresenceListener; visitors: PresenceListener }, { graceMs }: PresenceOptions): Presences {
  /** Since when each agent who had a console open since the start has had none. */
  const absentSince = new Map<number, number>();
  const startedAt = Date.now();
  const agents = new LocalPresence(
    {
      online: (id) => {
        absentSince.delete(id);
        listeners.agents.online(id);
      },
      offline: (id) => {
        absentSince.set(id, Date.now());
        listeners.agents.offline(id);
      },
    },
    graceMs,
  );
  const visitors = new LocalPresence(listeners.visitors, graceMs);
  return {
    agents,
    visitors,
    agentAbsences: async () => (id) => (agents.isOnline(id) ? null : (absentSince.get(id) ?? startedAt)),
    reap: async () => {},
    stop() {
      agents.stop();
      visitors.stop();
    },
  };
}

export class LocalPresence implements Presence {
  private readonly sockets = new Map<number, number>();
  private readonly leaving = new Map<number, ReturnType<typeof setTimeout>>();
  /** When each online id came online: a reload within the grace period keeps its time. */
  private readonly since = new Map<number, number>();
  /** onlineIds() as last built: asked for on every visitor message, changed only when someone comes or goes. */
  private ids: readonly number[] | null = null;

  constructor(
    private readonly listener: PresenceListener,
    private readonly graceMs: number,
  ) {}

  connected(id: number): void {
    const pending = this.leaving.get(id);
    if (pending) {
      clearTimeout(pending);
      this.leaving.delete(id);
    }
    const count = (this.sockets.get(id) ?? 0) + 1;
    this.sockets.set(id, count);
    if (count === 1 && !pending) this.ids = null;
    if (count === 1 && !pending) {
      this.since.set(id, Date.now());
      this.listener.online(id);
    }
  }

  disconnected(id: number): void {
    const count = (this.sockets.get(id) ?? 1) - 1;
    if (count > 0) {
      this.sockets.set(id, count);
      return;
    }
    this.sockets.delete(id);
    this.leaving.set(
      id,
      setTimeout(() => {
        this.leaving.delete(id);
        this.since.delete(id);
        this.ids = null;
        this.listener.offline(id);
      }, this.graceMs),
    );
  }

  isOnline(id: number): boolean {
    return this.sockets.has(id) || this.leaving.has(id);
  }

  onlineIds(): readonly number[] {
    this.ids ??= [...new Set([...this.sockets.keys(), ...this.leaving.keys()])];
    return this.ids;
  }

  onlineSince(id: number): number | undefined {
    return this.since.get(id);
  }

  stop(): void {
    for (const timer of this.leaving.values()) clearTimeout(timer);
    this.leaving.clear();
  }
}
