import { Database as SQLite } from "bun:sqlite";
import { chmodSync } from "node:fs";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import * as schema from "./schema";
import { embeddedMigrations, type Migration } from "./migrations";

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
  // Waiting first: switching to WAL takes a lock, and another connection (a command beside a running
  // Kefu, another process starting) may hold one for a moment.
  sqlite.exec("PRAGMA busy_timeout = 5000");
  sqlite.exec("PRAGMA journal_mode = WAL");
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

/**
 * Applies every migration not yet applied (all the embedded ones unless told), in one transaction;
 * returns how many ran. It keeps drizzle-kit's bookkeeping table, so `drizzle-kit` tools still agree.
 */
export function migrate({ sqlite }: OpenedDatabase, migrations: Migration[] = embeddedMigrations()): number {
  sqlite.run(`CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`);
  const pending = pendingMigrations(sqlite, migrations);
  if (pending.length === 0) return 0;
  // A table rebuild (drizzle-kit's copy into __new_, drop, rename) needs foreign keys off, and its own
  // PRAGMA does nothing inside a transaction: with them on, dropping the old table first deletes its
  // rows, which cascades into (or fails on) the rows that point at them. SQLite's own recipe: off,
  // transaction, foreign_key_check, commit, on.
  sqlite.run("PRAGMA foreign_keys = OFF");
  // The rebuild's RENAME puts the new table under the old name; the modern RENAME re-checks every
  // trigger and view of the schema each time (a third of a fresh install's migration time), which a
  // rebuild that re-creates its own triggers does not need.
  sqlite.run("PRAGMA legacy_alter_table = ON");
  try {
    sqlite.transaction(() => {
      const brokenBefore = danglingRows(sqlite);
      for (const migration of pending) {
        for (const statement of migration.sql) sqlite.run(statement);
        sqlite.run(`INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES (?, ?)`, [migration.hash, migration.folderMillis]);
      }
      const broken = danglingRows(sqlite);
      if (broken.length > brokenBefore.length) {
        throw new Error(`the migrations would leave rows pointing at nothing (${broken[0]!.table} -> ${broken[0]!.parent}); nothing was changed`);
      }
    }).immediate();
  } finally {
    sqlite.run("PRAGMA legacy_alter_table = OFF");
    sqlite.run("PRAGMA foreign_keys = ON");
  }
  return pending.length;
}

/** The migrations newer than the last one applied: all of them on a new database. */
export function pendingMigrations(sqlite: SQLite, migrations: Migration[] = embeddedMigrations()): Migration[] {
  const last = appliedMigrationCount(sqlite)
    ? (sqlite.query(`SELECT created_at FROM "__drizzle_migrations" ORDER BY created_at DESC LIMIT 1`).get() as { created_at: number } | null)
    : null;
  return migrations.filter((migration) => !last || Number(last.created_at) < migration.folderMillis);
}

function danglingRows(sqlite: SQLite) {
  return sqlite.query("PRAGMA foreign_key_check").all() as { table: string; parent: string }[];
}

export function appliedMigrationCount(sqlite: SQLite): number {
  const table = sqlite
    .query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!table) return 0;
  return (sqlite.query("SELECT count(*) AS n FROM __drizzle_migrations").get() as { n: number }).n;
}
