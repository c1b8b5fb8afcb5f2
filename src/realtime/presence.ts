// Who is connected: sockets counted per agent and per visitor. Going offline is announced only
// after a grace period, so a page reload (close, then open within a second) does not flap.

export interface PresenceListener {
  online(id: number): void;
  offline(id: number): void;
}

export class Presence {
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

  /** Online, or within the grace period after the last socket closed. */
  isOnline(id: number): boolean {
    return this.sockets.has(id) || this.leaving.has(id);
  }

  onlineIds(): readonly number[] {
    this.ids ??= [...new Set([...this.sockets.keys(), ...this.leaving.keys()])];
    return this.ids;
  }

  /** Since when `id` has been online (epoch ms), or undefined when it is not. */
  onlineSince(id: number): number | undefined {
    return this.since.get(id);
  }

  stop(): void {
    for (const timer of this.leaving.values()) clearTimeout(timer);
    this.leaving.clear();
  }
}
