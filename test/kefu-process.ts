// Two Kefu apps on one database file and one Redis stand for two processes: each opens its own
// connection to the file and to Redis, builds its own app and listens.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppOptions, createApp } from "../src/app";
import { migrate, openDatabase } from "../src/db/client";
import { ensureDefaultBusiness } from "../src/domain/businesses";
import { silentLog } from "../src/log";

/** Without `redisKeyPrefix` in `overrides`, the keys are named from the shared secret, as in production. */
export function kefuProcess(file: string, redisUrl: string, overrides: Omit<Partial<AppOptions>, "config"> & { config?: Partial<AppOptions["config"]> } = {}) {
  const opened = openDatabase(file);
  migrate(opened);
  const business = ensureDefaultBusiness(opened.db);
  const app = createApp({
    db: opened.db,
    sqlite: opened.sqlite,
    secret: "1".repeat(64),
    uploadsDir: mkdtempSync(join(tmpdir(), "kefu-uploads-")),
    log: silentLog,
    presenceGraceMs: 50,
    ...overrides,
    config: { publicUrl: null, trustProxy: false, redisUrl, ...overrides.config },
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

/** A fresh database file for the processes of one test. */
export function sharedDatabaseFile(): string {
  return join(mkdtempSync(join(tmpdir(), "kefu-two-")), "kefu.db");
}

export type KefuProcess = ReturnType<typeof kefuProcess>;

/** Two processes of one installation on a new database file; their Redis keys are theirs alone. */
export async function twoProcesses(redisUrl: string): Promise<[KefuProcess, KefuProcess]> {
  const file = sharedDatabaseFile();
  const redisKeyPrefix = `kefu-test-${crypto.randomUUID()}:`;
  const a = kefuProcess(file, redisUrl, { redisKeyPrefix });
  const b = kefuProcess(file, redisUrl, { redisKeyPrefix });
  // Both listen on their cluster channels before anything is told.
  await Promise.all([a.app.hub.cluster.link!.ready(), b.app.hub.cluster.link!.ready()]);
  return [a, b];
}
