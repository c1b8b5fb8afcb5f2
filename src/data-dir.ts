// The data dir (kefu.db, uploads/, the server secret) and what guards it before anything is
// served from it. Each guard is a way a shop was once hurt:
// - two servers on one data dir split realtime between them silently: one process holds a lock,
//   or, with --redis-url, every process holds a share of it and starts in turn;
// - a lost or emptied kefu.db beside an existing secret or uploads started a brand-new shop whose
//   /setup anyone could take: refused;
// - a damaged database was served, and one written by a newer Kefu ran on a schema this binary
//   does not know: both refused, with what to do instead.
import { Database as SQLite } from "bun:sqlite";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { appliedMigrationCount, migrate, type OpenedDatabase, openDatabase, pendingMigrations } from "./db/client";
import { embeddedMigrations } from "./db/migrations";
import { ensureDefaultBusiness } from "./domain/businesses";
import { serverSecretFile } from "./server-secret";

export const databaseFile = "kefu.db";
const lockFile = "kefu.lock";
/** Taken in turn by the processes that share the data dir while each starts or stops (shareDataDir). */
const startLockFile = "kefu.start.lock";
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
 * The data dir's locks, on kefu.lock: SQLite's own file locks (fcntl), so the system drops them when
 * a process dies, even by kill -9. A write in locking_mode EXCLUSIVE keeps the file's EXCLUSIVE lock,
 * a read its SHARED lock, until the connection closes.
 */
function lockConnection(dataDir: string, file: string, waitMs: number): SQLite {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock = new SQLite(join(dataDir, file), { create: true });
  lock.exec(`PRAGMA busy_timeout = ${waitMs}`);
  lock.exec("PRAGMA locking_mode = EXCLUSIVE");
  return lock;
}

function isBusy(error: unknown): boolean {
  return /locked|busy/i.test(String((error as Error).message));
}

/** Takes the file's lock for this connection alone; false when another connection holds any lock on it. */
function holdAlone(lock: SQLite): boolean {
  try {
    lock.exec("CREATE TABLE IF NOT EXISTS held (pid INTEGER)");
    lock.exec("BEGIN EXCLUSIVE");
    lock.exec(`DELETE FROM held; INSERT INTO held VALUES (${process.pid})`);
    lock.exec("COMMIT");
    return true;
  } catch (error) {
    if (!isBusy(error)) throw error;
    return false;
  }
}

/** Takes a share of the file's lock; false when another connection holds it alone. */
function holdShare(lock: SQLite): boolean {
  try {
    lock.query("SELECT count(*) FROM sqlite_master").get();
    return true;
  } catch (error) {
    if (!isBusy(error)) throw error;
    return false;
  }
}

/** Opens `file`'s lock and takes it with `take`; null (nothing left open) when another holds it. */
function tryLock(dataDir: string, file: string, waitMs: number, take: (lock: SQLite) => boolean): SQLite | null {
  const lock = lockConnection(dataDir, file, waitMs);
  if (take(lock)) return lock;
  lock.close();
  return null;
}

/**
 * How this data dir is held while Kefu serves it. Alone (no --redis-url): one process, which holds
 * kefu.lock exclusively. Shared (--redis-url): each process holds a share of kefu.lock, so a process
 * without Redis is refused while they run, and they are refused while it runs.
 */
export interface DataDirHold {
  /** No other process serves the data dir: this one may migrate it, and may trust a clean stop's mark. */
  readonly alone: boolean;
  /** This process's start is done (database checked and migrated, first shop and secret made): the next may start. */
  started(): void;
  /** At stop: closes the database, cleanly (see closeCleanly) when no other process serves it, and lets go. */
  stop(opened: OpenedDatabase): void;
  /** Lets go without a database to close: a start that failed, a command that closed its own. */
  close(): void;
}

/** Refused: another Kefu serves the data dir; what to do depends on how it does. */
function servedByAnother(dataDir: string): DataDirError {
  // A share can be taken beside processes that share the data dir (--redis-url), not beside one that holds it alone.
  const probe = tryLock(dataDir, lockFile, 0, holdShare);
  probe?.close();
  return new DataDirError(
    probe
      ? `Kefu processes started with --redis-url are serving ${dataDir}. Stop them first, or start this one with the same --redis-url to join them.`
      : `another Kefu is already serving ${dataDir}. Stop it first, or give this one a data dir of its own (--data-dir).`,
    3,
  );
}

/** Holds the data dir for this process alone (one process, no Redis, or a command such as `kefu migrate`). */
export function lockDataDir(dataDir: string): DataDirHold {
  const lock = tryLock(dataDir, lockFile, 0, holdAlone);
  if (!lock) throw servedByAnother(dataDir);
  return {
    alone: true,
    started() {},
    stop(opened) {
      closeCleanly(opened, dataDir);
      lock.close();
    },
    close: () => lock.close(),
  };
}

/** Whether a Kefu serves the data dir now, alone or shared: a command beside it must not migrate the database. */
export function isServed(dataDir: string): boolean {
  const probe = tryLock(dataDir, lockFile, 0, holdAlone);
  probe?.close();
  return probe === null;
}

/** How long a start waits for another process's start or stop to end: a migration or a full check of a large database takes a while. */
const startWaitMs = 120_000;
/** How long the question "does any other process serve?" waits out a lock that another process's start or stop holds for a moment. */
const othersWaitMs = 500;

/**
 * Holds a share of the data dir for one of several processes (--redis-url). Starts and stops take
 * turns on a second lock (kefu.start.lock), so that two cold starts at once make one first shop and
 * one server secret, and only the last process to stop closes the database cleanly.
 */
export function shareDataDir(dataDir: string): DataDirHold {
  let turn: SQLite | null = lockConnection(dataDir, startLockFile, startWaitMs);
  const endTurn = () => {
    turn?.close();
    turn = null;
  };
  try {
    if (!holdAlone(turn)) throw new DataDirError(`another Kefu has been starting or stopping on ${dataDir} for ${startWaitMs / 1000} s; try again once it is done.`, 3);
    const nobodyElse = tryLock(dataDir, lockFile, othersWaitMs, holdAlone);
    nobodyElse?.close();
    // The share this process keeps while it serves.
    const share = tryLock(dataDir, lockFile, 0, holdShare);
    if (!share) {
      throw new DataDirError(
        `another Kefu serves ${dataDir} alone, without --redis-url. Stop it first, then start every process with the same --redis-url.`,
        3,
      );
    }
    return {
      alone: nobodyElse !== null,
      started: endTurn,
      stop(opened) {
        // In turn, so that of two stopping at once, one sees itself last. A stop goes on even if its turn never came.
        turn = lockConnection(dataDir, startLockFile, startWaitMs);
        holdAlone(turn);
        share.close();
        const last = tryLock(dataDir, lockFile, othersWaitMs, holdAlone);
        if (last) closeCleanly(opened, dataDir);
        else opened.close();
        last?.close();
        endTurn();
      },
      close() {
        share.close();
        endTurn();
      },
    };
  } catch (error) {
    endTurn();
    throw error;
  }
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
 * always, unless the file is exactly as a clean stop left it, or other processes serve it (their
 * start checked it). Not `alone`, it refuses to migrate: the others would run on a schema changed
 * beneath them. Creates the data dir on first run.
 */
export function openCheckedDatabase(dataDir: string, alone = true): { opened: OpenedDatabase; applied: number; fullCheck: boolean } {
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
    const fullCheck = alone && !untouched;
    checkDatabase(opened, path, existed, fullCheck);
    const pending = pendingMigrations(opened.sqlite).length;
    if (!alone && pending > 0) {
      throw new DataDirError(
        `${path} needs ${pending} migration(s) from this version of Kefu, but other Kefu processes are serving it. An upgrade that changes the database stops every process: stop them all, start this version, then start the others.`,
        3,
      );
    }
    const applied = migrate(opened);
    mkdirSync(join(dataDir, "uploads"), { recursive: true });
    return { opened, applied, fullCheck };
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
export function openDataDir(dataDir: string, alone = true): OpenedDatabase {
  const { opened } = openCheckedDatabase(dataDir, alone);
  ensureDefaultBusiness(opened.db);
  return opened;
}
