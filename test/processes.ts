// Two Kefu apps on one database file and one Redis stand for two processes of one installation.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AppOptions, createApp } from "../src/app";
import { migrate, openDatabase } from "../src/db/client";
import { ensureDefaultBusiness } from "../src/domain/businesses";
import { silentLog } from "../src/log";

/** A database file in a new temporary directory, for the processes of one test. */
export function sharedDatabaseFile(): string {
  return join(mkdtempSync(join(tmpdir(), "kefu-two-")), "kefu.db");
}

/** One process: its own connection to the shared database file, its own broker, listening. */
export function startProcess(file: string, redisUrl: string, overrides: Partial<AppOptions> = {}) {
  const opened = openDatabase(file);
  migrate(opened);
  const business = ensureDefaultBusiness(opened.db);
  const app = createApp({
    db: opened.db,
    sqlite: opened.sqlite,
    secret: "1".repeat(64),
    config: { publicUrl: null, trustProxy: false, redisUrl },
    uploadsDir: mkdtempSync(join(tmpdir(), "kefu-uploads-")),
    log: silentLog,
    presenceGraceMs: 50,
    ...overrides,
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
