// Several processes write one database file. A transaction that reads and then writes must begin
// IMMEDIATE: a deferred one reads a snapshot, and when another process has written meanwhile its
// write fails at once with SQLITE_BUSY_SNAPSHOT (no busy timeout helps), so the request answers 500.
import { describe, expect, it } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { migrate, openDatabase } from "../../src/db/client";
import { ensureDefaultBusiness } from "../../src/domain/businesses";
import { createAnonymousVisitor } from "../../src/domain/visitors";
import { signedIn, testApp } from "../support";

const src = join(import.meta.dir, "../../src");
const holder = join(import.meta.dir, "../fixtures/write-holder.ts");

/** Transactions that only read, for one consistent snapshot: deferred, so they never hold up a writer. */
const readingOnly = ["domain/customer-export.ts", "domain/reports.ts"];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/**
 * Every drizzle `.transaction((tx) => ...)` call of src/, with the behaviour it asks for (null: drizzle's
 * default, deferred). bun:sqlite's own (db/client.ts `immediately`, the group commit) run with `.immediate()`.
 */
function transactionCalls(): { at: string; behavior: string | null }[] {
  const calls: { at: string; behavior: string | null }[] = [];
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, "utf8");
    for (const { index: start } of text.matchAll(/\.transaction\(\s*\(tx\)/g)) {
      let depth = 0;
      let end = start + ".transaction".length;
      for (; end < text.length; end++) {
        if (text[end] === "(") depth++;
        else if (text[end] === ")" && --depth === 0) break;
      }
      const behavior = /\{ behavior: "(\w+)" \}\s*,?\s*\)$/.exec(text.slice(start, end + 1))?.[1] ?? null;
      calls.push({ at: `${relative(src, file)}:${text.slice(0, start).split("\n").length}`, behavior });
    }
  }
  return calls;
}

describe("writing transactions", () => {
  it("are all IMMEDIATE; only the named reading ones are deferred, and say so", () => {
    const calls = transactionCalls();
    expect(calls.length).toBeGreaterThan(50);
    const wrong = calls.filter(({ at, behavior }) => behavior !== (readingOnly.includes(at.split(":")[0]!) ? "deferred" : "immediate"));
    expect(wrong).toEqual([]);
  });

  it("wait for another process's write instead of failing the request", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "kefu-writing-")), "kefu.db");
    const opened = openDatabase(path);
    migrate(opened);
    const ctx = { ...testApp({ db: opened.db, sqlite: opened.sqlite }), ...opened, business: ensureDefaultBusiness(opened.db) };
    const { client } = await signedIn(ctx, "owner");
    const { visitor } = createAnonymousVisitor(ctx.db, "0".repeat(64), ctx.business.id, { ip: null, userAgent: null, page: null });

    /** Runs `request` while another process holds the write lock; it must wait, not fail. */
    async function whileAnotherProcessWrites(request: () => Promise<Response>): Promise<number> {
      const other = Bun.spawn([process.execPath, holder, path, "300"], { stdout: "pipe", stderr: "inherit" });
      const reader = other.stdout.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain("holding");
      const { status } = await request();
      expect(await other.exited).toBe(0);
      return status;
    }

    // Settings read the stored values, then write what differs; a note checks the visitor, then adds itself.
    expect(await whileAnotherProcessWrites(() => client.post("/console/settings", { uploadMaxMb: "7" }))).toBe(200);
    expect(await whileAnotherProcessWrites(() => client.post(`/console/visitors/${visitor.id}/notes`, { body: "called back" }))).toBe(200);
    expect(opened.sqlite.query("SELECT upload_max_bytes AS bytes FROM businesses").get()).toEqual({ bytes: 7 * 1024 * 1024 });
    expect(opened.sqlite.query("SELECT body FROM visitor_notes").all()).toEqual([{ body: "called back" }]);
  });
});
