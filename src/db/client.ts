import { Database as SQLite } from "bun:sqlite";
import { chmodSync } from "node:fs";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import * as schema from "./schema";
import { embeddedMigrations } from "./migrations";

export type Database = ReturnType<typeof drizzle<typeof schema>>;
/** The database or a transaction on it: what a query needs. */
export type Queryable = BaseSQLiteDatabase<"sync", unknown, typeof schema>;

export interface OpenedDatabase {
  db: Database;
  sqlite: SQLite;
  close(): void;
}

/** Opens (or creates) the database at `path` (":memory:" for tests) and applies the pragmas. */
export function openDatabase(path: string): OpenedDatabase {
  const sqlite = new SQLite(path, { create: true, strict: true });
  // The database holds password hashes: owner-only, even in a data dir made by someone else.
  if (path !== ":memory:") chmodSync(path, 0o600);
  sqlite.exec("PRAGMA journal_mode = WAL");
  sqlite.exec("PRAGMA busy_timeout = 5000");
  sqlite.exec("PRAGMA synchronous = NORMAL");
  sqlite.exec("PRAGMA foreign_keys = ON");
  const db = drizzle({ client: sqlite, schema });
  return { db, sqlite, close: () => sqlite.close() };
}

/**
 * Durability, decided with power loss in mind. synchronous = NORMAL in WAL mode: a commit survives
 * the process dying at once (kill -9, a crash); the WAL reaches the disk at each checkpoint. A
 * worker thread checkpoints every second on its own connection (src/checkpoint-worker.ts), never
 * inside a message's commit nor on the thread that serves, so a power loss or an OS crash can lose
 * at most about the last second acknowledged. FULL would sync every commit: 1-2 ms each on a VPS
 * disk, with the event loop blocked meanwhile.
 */
export const checkpointEveryMs = 1000;

const immediateRunners = new WeakMap<SQLite, { immediate(work: () => unknown): unknown }>();

/**
 * Runs `work` in an IMMEDIATE transaction, made once per connection, without drizzle's
 * transaction object per call: for the path every message takes. Inside a transaction already
 * open (a group commit's savepoint for this send, see realtime/group-commit.ts) it is part of that
 * one, whose rollback covers it. `work` queries through `db` itself.
 */
export function immediately<T>(db: Database, work: () => T): T {
  const sqlite = db.$client;
  if (sqlite.inTransaction) return work();
  let runner = immediateRunners.get(sqlite);
  if (!runner) {
    runner = sqlite.transaction((inside: () => unknown) => inside());
    immediateRunners.set(sqlite, runner);
  }
  return runner.immediate(work) as T;
}

/** Applies every embedded migration not yet applied; returns how many ran. */
export function migrate({ db, sqlite }: OpenedDatabase): number {
  const before = appliedMigrationCount(sqlite);
  // drizzle's own runner, fed from the embedded files instead of a folder on disk; it keeps
  // drizzle-kit's bookkeeping table so `drizzle-kit` tools still agree with us.
  const internals = db as unknown as {
    dialect: { migrate(migrations: unknown, session: unknown, config: unknown): void };
    session: unknown;
  };
  internals.dialect.migrate(embeddedMigrations(), internals.session, { migrationsFolder: "embedded" });
  return appliedMigrationCount(sqlite) - before;
}

export function appliedMigrationCount(sqlite: SQLite): number {
  const table = sqlite
    .query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return 0;
  return (sqlite.query("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n;
}
