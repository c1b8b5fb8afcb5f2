// Checkpoints the WAL into the database file on a thread of its own, with its own connection: a
// checkpoint writes and syncs the file (tens of milliseconds on a VPS disk), and on the server's
// thread every message arriving meanwhile would wait for it. PASSIVE never blocks a writer; the
// server's connection never checkpoints by itself (wal_autocheckpoint = 0, see client.ts).
import { Database } from "bun:sqlite";

declare const self: Worker;

interface Start {
  path: string;
  everyMs: number;
}

self.onmessage = (event: MessageEvent<Start>) => {
  const { path, everyMs } = event.data;
  const sqlite = new Database(path);
  sqlite.exec("PRAGMA busy_timeout = 5000");
  const checkpoint = sqlite.prepare("PRAGMA wal_checkpoint(PASSIVE)");
  setInterval(() => {
    try {
      checkpoint.get();
    } catch (error) {
      self.postMessage({ error: String(error) });
    }
  }, everyMs);
};
