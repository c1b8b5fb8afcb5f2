// Real Kefu processes (`bun src/main.ts serve`) on one data dir: with --redis-url they start in turn
// and serve it together; without it one process holds it alone; a process killed with kill -9
// holds nothing.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { shareDataDir } from "../src/data-dir";
import { migrate, openDatabase, pendingMigrations } from "../src/db/client";
import { embeddedMigrations } from "../src/db/migrations";
import { type RedisServer, startRedisServer } from "./redis-server";

const main = join(import.meta.dir, "../src/main.ts");

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

interface Serving {
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** Where it listens, once it does; null when it exited first. */
  url: Promise<string | null>;
  stderr: Promise<string>;
}

/** Starts `kefu serve` on the data dir, with the test Redis unless told `alone`. */
function serve(dataDir: string, { alone = false } = {}): Serving {
  const args = [process.execPath, main, "serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir, "--log-level", "error"];
  const child = Bun.spawn(alone ? args : [...args, "--redis-url", redis.url], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const url = (async () => {
    let out = "";
    for await (const chunk of child.stdout) {
      out += new TextDecoder().decode(chunk);
      const found = /Open (http:\/\/\S+?)(\/setup)? to/.exec(out);
      if (found) return found[1]!;
    }
    return null;
  })();
  return { process: child, url, stderr: new Response(child.stderr).text() };
}

async function stopped(serving: Serving, signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<number> {
  serving.process.kill(signal);
  return await serving.process.exited;
}

const count = (dataDir: string, table: string) => {
  const db = new Database(join(dataDir, "kefu.db"), { readonly: true });
  try {
    return (db.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe("several Kefu processes on one data dir", () => {
  it("start together from an empty data dir with one shop and one secret, and refuse a process without Redis", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "kefu-shared-")), "data");
    const [a, b] = [serve(dataDir), serve(dataDir)];
    try {
      const urls = await Promise.all([a.url, b.url]);
      expect(urls.every((url) => url !== null)).toBe(true);
      for (const url of urls) expect((await fetch(`${url}/setup`)).status).toBe(200);
      expect(count(dataDir, "businesses")).toBe(1);
      expect(readFileSync(join(dataDir, "secret"), "utf8")).toMatch(/^[0-9a-f]{64}\n$/);

      const alone = serve(dataDir, { alone: true });
      expect(await alone.process.exited).toBe(3);
      expect(await alone.stderr).toContain(`Kefu processes started with --redis-url are serving ${dataDir}`);
      expect(await alone.url).toBeNull();
    } finally {
      expect(await stopped(a)).toBe(0);
      expect(await stopped(b)).toBe(0);
    }
    // The last one stopped: one process alone may serve it again.
    const alone = serve(dataDir, { alone: true });
    expect(await alone.url).not.toBeNull();
    expect(await stopped(alone)).toBe(0);
  }, 30_000);

  it("keep serving when one is killed with kill -9, and let it start again", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "kefu-shared-")), "data");
    const a = serve(dataDir);
    await a.url;
    const b = serve(dataDir);
    const bUrl = await b.url;
    expect(await stopped(a, "SIGKILL")).not.toBe(0);
    expect((await fetch(`${bUrl}/setup`)).status).toBe(200);
    const again = serve(dataDir);
    const againUrl = await again.url;
    expect(againUrl).not.toBeNull();
    expect((await fetch(`${againUrl}/setup`)).status).toBe(200);
    expect(await stopped(b)).toBe(0);
    expect(await stopped(again)).toBe(0);
    expect(count(dataDir, "businesses")).toBe(1);
  }, 30_000);

  it("refuse a command beside them that would migrate the database under them", async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), "kefu-shared-")), "data");
    mkdirSync(dataDir, { recursive: true });
    const older = openDatabase(join(dataDir, "kefu.db"));
    migrate(older, embeddedMigrations().slice(0, -1));
    older.close();
    // The processes of the previous version, serving it.
    const serving = shareDataDir(dataDir);
    serving.started();
    try {
      const add = Bun.spawn([process.execPath, main, "user", "add", "--email", "new@example.com", "--name", "New", "--role", "agent", "--data-dir", dataDir], {
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(await add.exited).toBe(3);
      expect(await new Response(add.stderr).text()).toContain("but other Kefu processes are serving it");
    } finally {
      serving.close();
    }
    const check = openDatabase(join(dataDir, "kefu.db"));
    expect(pendingMigrations(check.sqlite)).toHaveLength(1);
    check.close();
  }, 30_000);
});
