// Two Kefu apps on one database file and one Redis stand for two processes of one installation:
// each has its own connection to the file, its own broker and caches, and listens on its own port.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../../src/app";
import { migrate, openDatabase } from "../../src/db/client";
import { ensureDefaultBusiness } from "../../src/domain/businesses";
import { silentLog } from "../../src/log";

/** One process: its own connection to the shared database file, its own broker, listening. */
export function startProcess(file: string, redisUrl: string, redisKeyPrefix?: string) {
  const opened = openDatabase(file);
  migrate(opened);
  const business = ensureDefaultBusiness(opened.db);
  const app = createApp({
    db: opened.db,
    sqlite: opened.sqlite,
    secret: "1".repeat(64),
    config: { publicUrl: null, trustProxy: false, redisUrl },
    redisKeyPrefix,
    uploadsDir: mkdtempSync(join(tmpdir(), "kefu-uploads-")),
    log: silentLog,
    presenceGraceMs: 50,
  }).listen({ port: 0, hostname: "127.0.0.1" });
  const base = `http://127.0.0.1:${app.server!.port}`;
  return {
    app,
    db: opened.db,
    sqlite: opened.sqlite,
    business,
    base,
    ws: (path: string) => `${base.replace("http", "ws")}${path}`,
    async stop() {
      await app.stop(true);
      opened.sqlite.close();
    },
  };
}

export type Process = ReturnType<typeof startProcess>;

/** Two processes of one installation on a new database file; their Redis keys are theirs alone. */
export async function twoProcesses(redisUrl: string): Promise<[Process, Process]> {
  const file = join(mkdtempSync(join(tmpdir(), "kefu-two-")), "kefu.db");
  const prefix = `kefu-test-${crypto.randomUUID()}:`;
  const a = startProcess(file, redisUrl, prefix);
  const b = startProcess(file, redisUrl, prefix);
  // Both listen on their cluster channels before anything is told.
  await Promise.all([a.app.hub.cluster.link!.ready(), b.app.hub.cluster.link!.ready()]);
  return [a, b];
}
