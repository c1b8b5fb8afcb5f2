// The data dir (kefu.db, uploads/, the server secret) and what guards it before anything is
// served from it. Each guard is a way a shop was once hurt:
// - two servers on one data dir split realtime between them silently: one process holds a lock;
// - a lost or emptied kefu.db beside an existing secret or uploads started a brand-new shop whose
//   /setup anyone could take: refused;
// - a damaged database was served, and one written by a newer Kefu ran on a schema this binary
//   does not know: both refused, with what to do instead.
import { Database as SQLite } from "bun:sqlite";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { appliedMigrationCount, migrate, type OpenedDatabase, openDatabase } from "./db/client";
import { embeddedMigrations } from "./db/migrations";
import { ensureDefaultBusiness } from "./domain/businesses";
import { serverSecretFile } from "./server-secret";

export const databaseFile = "kefu.db";
const lockFile = "kefu.lock";
/** Left by a clean stop: the database file as it was then. A start that finds it unchanged trusts it. */
const cleanStopFile = "kefu.db.clean";

/** A data dir Kefu will not serve from, with what to do about it; `exitCode` for the command. */
export class DataDirError extends Error {
  constructor(
    message: string,
    /** 3: another Kefu holds the data dir; 4: its database is refused. */
    readonly exitCode: 3 | 4,
  ) {
    super(message);
  }
}

/**
 * Holds the data dir for this process: an exclusive SQLite lock on kefu.lock (an fcntl lock, so the
 * system drops it when the process dies, even by kill -9). Release it with close().
 */
export function lockDataDir(dataDir: string): { close(): void } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock = new SQLite(join(dataDir, lockFile), { create: true });
  try {
    lock.exec("PRAGMA busy_timeout = 0");
    lock.exec("PRAGMA locking_mode = EXCLUSIVE");
    // Writing takes the lock; EXCLUSIVE mode keeps it until the connection closes.
    lock.exec("CREATE TABLE IF NOT EXISTS held (pid INTEGER)");
    lock.exec("BEGIN EXCLUSIVE");
    lock.exec(`DELETE FROM held; INSERT INTO held VALUES (${process.pid})`);
    lock.exec("COMMIT");
  } catch (error) {
    lock.close();
    if (!/locked|busy/i.test(String((error as Error).message))) throw error;
    throw new DataDirError(
      `another Kefu is already serving ${dataDir}. Stop it first, or give this one a data dir of its own (--data-dir).`,
      3,
    );
  }
  return { close: () => lock.close() };
}

/** Whether this data dir already holds a shop's files: the server secret, or anything uploaded. */
function hasShopFiles(dataDir: string): boolean {
  const uploads = join(dataDir, "uploads");
  return existsSync(join(dataDir, serverSecretFile)) || (existsSync(uploads) && readdirSync(uploads).length > 0);
}

function refuse(path: string, problem: string): DataDirError {
  return new DataDirError(`${path} ${problem} Restore it from a backup (see "Backup and restore" in the README), or move the data dir away to start afresh.`, 4);
}

/** The database file's size and time, and its WAL's size: what a clean stop leaves and a start compares. */
function fileState(path: string): string {
  const wal = `${path}-wal`;
  const { size, mtimeMs } = statSync(path);
  return `${size} ${mtimeMs} ${existsSync(wal) ? statSync(wal).size : 0}`;
}

/**
 * Closes the database at a clean stop: its WAL checkpointed into it, and the file's state noted so
 * that the next start, finding it untouched, can skip the full check (a second per 100 MB).
 */
export function closeCleanly(opened: OpenedDatabase, dataDir: string): void {
  opened.sqlite.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  opened.close();
  writeFileSync(join(dataDir, cleanStopFile), fileState(join(dataDir, databaseFile)), { mode: 0o600 });
}

/**
 * Opens the data dir's database after checking it can be trusted, and brings it up to date;
 * `applied` is how many migrations ran, `fullCheck` whether every page was read (quick_check):
 * always, unless the file is exactly as a clean stop left it. Creates the data dir on first run.
 */
export function openCheckedDatabase(dataDir: string): { opened: OpenedDatabase; applied: number; fullCheck: boolean } {
  // Owner-only: the directory holds the database and the server secret.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, databaseFile);
  const existed = existsSync(path) && statSync(path).size > 0;
  // Read once and gone: a crash from here on leaves no mark, and the next start checks in full.
  const marker = join(dataDir, cleanStopFile);
  const untouched = existed && existsSync(marker) && readFileSync(marker, "utf8") === fileState(path);
  rmSync(marker, { force: true });
  if (!existed && hasShopFiles(dataDir)) {
    throw refuse(path, "is missing or empty, but this data dir already has a shop's secret or uploaded files: its database was lost.");
  }
  let opened: OpenedDatabase;
  try {
    opened = openDatabase(path);
  } catch (error) {
    throw refuse(path, `cannot be opened as a database (${(error as Error).message}).`);
  }
  try {
    checkDatabase(opened, path, existed, !untouched);
    const applied = migrate(opened);
    mkdirSync(join(dataDir, "uploads"), { recursive: true });
    return { opened, applied, fullCheck: !untouched };
  } catch (error) {
    opened.close();
    throw error;
  }
}

function checkDatabase({ sqlite }: OpenedDatabase, path: string, existed: boolean, everyPage: boolean): void {
  let problems = ["ok"];
  try {
    // Untouched since a clean stop, reading the schema is enough to know it opens.
    if (everyPage) problems = (sqlite.query("PRAGMA quick_check").all() as { quick_check: string }[]).map((row) => row.quick_check);
    else sqlite.query("SELECT count(*) FROM sqlite_master").get();
  } catch (error) {
    throw refuse(path, `is damaged (${(error as Error).message}).`);
  }
  if (problems.join() !== "ok") throw refuse(path, `is damaged (quick_check: ${problems.slice(0, 3).join("; ")}).`);
  if (existed && appliedMigrationCount(sqlite) === 0 && hasTables(sqlite)) {
    throw refuse(path, "is not a Kefu database (it has tables, but no record of Kefu's migrations).");
  }
  const known = new Set(embeddedMigrations().map((migration) => migration.folderMillis));
  const unknown = appliedMigrationCount(sqlite) === 0 ? [] : (sqlite.query("SELECT created_at AS at FROM __drizzle_migrations").all() as { at: number }[]).filter((row) => !known.has(Number(row.at)));
  if (unknown.length > 0) {
    throw new DataDirError(
      `${path} was written by a newer Kefu: it has ${unknown.length} migration(s) this version does not know. Run that version again, or restore a backup made by this one.`,
      4,
    );
  }
}

function hasTables(sqlite: SQLite): boolean {
  return sqlite.query("SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1").get() !== null;
}

/** The checked, up-to-date database with its default business, for serving and for `kefu user add`. */
export function openDataDir(dataDir: string): OpenedDatabase {
  const { opened } = openCheckedDatabase(dataDir);
  ensureDefaultBusiness(opened.db);
  return opened;
}
