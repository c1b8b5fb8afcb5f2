import { Database } from "bun:sqlite";
import { describe, expect, it } from "bun:test";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closeCleanly, DataDirError, databaseFile, isServed, lockDataDir, openCheckedDatabase, openDataDir, shareDataDir } from "../src/data-dir";
import { migrate, openDatabase, pendingMigrations } from "../src/db/client";
import { embeddedMigrations } from "../src/db/migrations";
import { loadOrCreateServerSecret } from "../src/server-secret";

const newDataDir = () => join(mkdtempSync(join(tmpdir(), "kefu-data-dir-")), "data");

function refusal(open: () => unknown): DataDirError {
  try {
    open();
  } catch (error) {
    if (error instanceof DataDirError) return error;
    throw error;
  }
  throw new Error("the data dir was accepted");
}

/** A data dir that has served a shop: its database with messages, its secret and an upload. */
function usedDataDir(): string {
  const dataDir = newDataDir();
  const opened = openDataDir(dataDir);
  opened.sqlite.run("INSERT INTO visitors (business_id, external_id) VALUES (1, 'v')");
  opened.sqlite.run("INSERT INTO conversations (business_id, visitor_id) VALUES (1, 1)");
  const insert = opened.sqlite.prepare("INSERT INTO messages (conversation_id, sender, body, client_id) VALUES (1, 'visitor', ?, ?)");
  for (let i = 0; i < 2000; i++) insert.run(`message ${i} ${"x".repeat(200)}`, `c-${i}`);
  opened.sqlite.run("PRAGMA wal_checkpoint(TRUNCATE)");
  opened.close();
  loadOrCreateServerSecret(dataDir);
  writeFileSync(join(dataDir, "uploads", "a-file"), "bytes");
  return dataDir;
}

describe("one process per data dir (no Redis)", () => {
  it("refuses a second holder with exit code 3 and says what to do, and lets one in once the first let go", () => {
    const dataDir = newDataDir();
    const first = lockDataDir(dataDir);
    const second = refusal(() => lockDataDir(dataDir));
    expect(second.exitCode).toBe(3);
    expect(second.message).toContain(`another Kefu is already serving ${dataDir}`);
    first.close();
    lockDataDir(dataDir).close();
  });
});

describe("several processes on one data dir (--redis-url)", () => {
  it("share it, and refuse a process without Redis while they run; a process without Redis, once alone, refuses them", () => {
    const dataDir = newDataDir();
    const first = shareDataDir(dataDir);
    first.started();
    const second = shareDataDir(dataDir);
    second.started();
    expect([first.alone, second.alone]).toEqual([true, false]);
    expect(isServed(dataDir)).toBe(true);
    const alone = refusal(() => lockDataDir(dataDir));
    expect(alone.exitCode).toBe(3);
    expect(alone.message).toContain(`Kefu processes started with --redis-url are serving ${dataDir}. Stop them first, or start this one with the same --redis-url`);
    first.close();
    second.close();

    const local = lockDataDir(dataDir);
    const shared = refusal(() => shareDataDir(dataDir));
    expect(shared.exitCode).toBe(3);
    expect(shared.message).toContain(`another Kefu serves ${dataDir} alone, without --redis-url`);
    expect(isServed(dataDir)).toBe(true);
    local.close();
    expect(isServed(dataDir)).toBe(false);
    shareDataDir(dataDir).close();
  });

  it("refuse a start that would migrate the database while another process serves it; with nothing to migrate it joins", () => {
    const dataDir = newDataDir();
    mkdirSync(dataDir, { recursive: true });
    // The database as the previous version left it: every migration but the newest.
    const older = openDatabase(join(dataDir, databaseFile));
    migrate(older, embeddedMigrations().slice(0, -1));
    older.close();
    const running = shareDataDir(dataDir);
    running.started();
    const upgrade = shareDataDir(dataDir);
    const refused = refusal(() => openCheckedDatabase(dataDir, upgrade.alone));
    expect(refused.exitCode).toBe(3);
    expect(refused.message).toContain("needs 1 migration(s) from this version of Kefu, but other Kefu processes are serving it");
    expect(refused.message).toContain("stop them all, start this version, then start the others");
    upgrade.close();
    running.close();
    const check = openDatabase(join(dataDir, databaseFile));
    expect(pendingMigrations(check.sqlite)).toHaveLength(1);
    check.close();

    // Every process stopped: the upgrade migrates; then one more of the same version joins it.
    const upgraded = shareDataDir(dataDir);
    const first = openCheckedDatabase(dataDir, upgraded.alone);
    expect(first.applied).toBe(1);
    upgraded.started();
    const joining = shareDataDir(dataDir);
    const second = openCheckedDatabase(dataDir, joining.alone);
    expect(second).toMatchObject({ applied: 0, fullCheck: false });
    joining.started();
    joining.stop(second.opened);
    upgraded.stop(first.opened);
  });

  it("leave the clean-stop mark only from the last one to stop", () => {
    const dataDir = usedDataDir();
    const mark = join(dataDir, "kefu.db.clean");
    const first = shareDataDir(dataDir);
    const firstDatabase = openDataDir(dataDir, first.alone);
    first.started();
    const second = shareDataDir(dataDir);
    const secondDatabase = openDataDir(dataDir, second.alone);
    second.started();
    first.stop(firstDatabase);
    expect(existsSync(mark)).toBe(false);
    second.stop(secondDatabase);
    expect(existsSync(mark)).toBe(true);
    const next = openCheckedDatabase(dataDir);
    expect(next.fullCheck).toBe(false);
    next.opened.close();
  });
});

describe("a database Kefu will not serve", () => {
  it("starts a new shop in an empty data dir, and in a data dir with an empty kefu.db and nothing else", () => {
    openDataDir(newDataDir()).close();
    const dataDir = newDataDir();
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, databaseFile), "");
    const opened = openDataDir(dataDir);
    expect(opened.sqlite.query("SELECT count(*) AS n FROM businesses").get()).toEqual({ n: 1 });
    opened.close();
  });

  it("refuses an empty or missing kefu.db beside a shop's secret or uploads: nobody may take its /setup", () => {
    const emptied = usedDataDir();
    // As a restore gone wrong leaves it: an empty kefu.db, its WAL files removed.
    for (const name of ["-wal", "-shm"]) rmSync(join(emptied, databaseFile + name), { force: true });
    writeFileSync(join(emptied, databaseFile), "");
    const refused = refusal(() => openDataDir(emptied));
    expect(refused.exitCode).toBe(4);
    expect(refused.message).toContain("is missing or empty, but this data dir already has a shop's secret or uploaded files");
    expect(statSync(join(emptied, databaseFile)).size).toBe(0);

    const uploadsOnly = newDataDir();
    mkdirSync(join(uploadsOnly, "uploads"), { recursive: true });
    writeFileSync(join(uploadsOnly, "uploads", "a-file"), "bytes");
    expect(refusal(() => openDataDir(uploadsOnly)).exitCode).toBe(4);
  });

  it("refuses a damaged database and names what quick_check found", () => {
    const dataDir = usedDataDir();
    const path = join(dataDir, databaseFile);
    // Scribble over a page in the middle of the file, as a bad disk or a torn copy would.
    const file = openSync(path, "r+");
    const pageSize = 4096;
    const middle = Math.floor(statSync(path).size / pageSize / 2) * pageSize;
    const header = Buffer.alloc(16);
    readSync(file, header, 0, 16, 0);
    writeSync(file, Buffer.alloc(pageSize, 0xa5), 0, pageSize, middle);
    closeSync(file);
    expect(header.toString("latin1", 0, 15)).toBe("SQLite format 3");
    const refused = refusal(() => openDataDir(dataDir));
    expect(refused.exitCode).toBe(4);
    expect(refused.message).toContain("is damaged");
  });

  it("refuses a database a newer Kefu wrote, and a database that is not Kefu's", () => {
    const dataDir = usedDataDir();
    const db = new Database(join(dataDir, databaseFile));
    db.run("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('from-the-future', ?)", [Date.now() + 365 * 86_400_000]);
    db.close();
    const newer = refusal(() => openCheckedDatabase(dataDir));
    expect(newer.exitCode).toBe(4);
    expect(newer.message).toContain("was written by a newer Kefu: it has 1 migration(s) this version does not know");

    const other = newDataDir();
    mkdirSync(other, { recursive: true });
    const foreign = new Database(join(other, databaseFile));
    foreign.run("CREATE TABLE notes (text TEXT)");
    foreign.close();
    expect(refusal(() => openDataDir(other)).message).toContain("is not a Kefu database");
  });
});

describe("the check at start", () => {
  it("reads every page unless the database is exactly as a clean stop left it, and again after anything touched it", async () => {
    const dataDir = usedDataDir();
    const first = openCheckedDatabase(dataDir);
    expect(first.fullCheck).toBe(true);
    closeCleanly(first.opened, dataDir);
    const second = openCheckedDatabase(dataDir);
    expect(second.fullCheck).toBe(false);
    // This start took the clean stop's mark: a crash now leaves none, so the next start checks in full.
    second.opened.close();
    const afterCrash = openCheckedDatabase(dataDir);
    expect(afterCrash.fullCheck).toBe(true);
    closeCleanly(afterCrash.opened, dataDir);
    // Something wrote to the file while Kefu was stopped (a restore, a copy, a bad disk).
    await Bun.sleep(5);
    const db = new Database(join(dataDir, databaseFile));
    db.run("UPDATE businesses SET name = 'Touched'");
    db.close();
    const touched = openCheckedDatabase(dataDir);
    expect(touched.fullCheck).toBe(true);
    touched.opened.close();
  });
});
