// Several processes may serve one data dir (--redis-url), each with its own copy of the caches
// the send path reads (a shop's automatic answers, its webhook endpoints, its agents' devices...).
// A cache changed here tells the others which key changed; they read that key again themselves.
// Alone, there is nobody to tell (realtime/cluster-effects.ts builds the shared one).
export interface OtherProcesses {
  /** What this cache holds under `key` changed here (after the change, read again here too). */
  changed(key: number): void;
  /**
   * `refresh(key)` runs for each key another process changed; `refreshAll` when some changes may
   * have been missed (the shared Redis was away).
   */
  hear(refresh: (key: number) => void, refreshAll: () => void): void;
}

export const noOtherProcesses: OtherProcesses = { changed() {}, hear() {} };
