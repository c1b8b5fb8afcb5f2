// The servers the harness measures, each started fresh in a temp dir: Kefu (dist/kefu, or
// src/main.ts for a CPU profile) with an owner and the agents it needs, and the two relays. Each
// can be stopped, restarted on the same port and data (same origin, same cookies), or killed -9
// and restarted, and says where its messages are stored. Kefu can also be several processes on
// one data dir sharing a Redis (--processes): one target with an origin per process.
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { startRedisServer } from "../../test/redis-server";
import { cookieValue, cpuMs, pool, readUntil, rssKiB, run, stopProcess, track } from "./processes";

export const targetNames = ["kefu", "sqlite", "bare"] as const;
export type TargetName = (typeof targetNames)[number];
export const targetTitles: Record<TargetName, string> = { kefu: "Kefu", sqlite: "SQLite relay", bare: "bare relay" };

const root = resolve(import.meta.dir, "../..");
const binary = join(root, "dist/kefu");
const password = "bench-password-123";
export const locale = "en";

export interface Target {
  name: TargetName;
  origin: string;
  /** Every process's origin, the first one's first (one unless Kefu runs --processes N). */
  origins: string[];
  pid: number;
  dir: string;
  /** The SQLite file holding the messages, for the targets that store them. */
  database: string | null;
  startRssKiB: number;
  /** CPU time and RSS of all its processes now. */
  cpuMs(): number;
  rssKiB(): number;
  /** Stops the server (SIGTERM) and starts it again on the same port and data. */
  restart(): Promise<void>;
  /** kill -9, then starts it again on the same port and data; the milliseconds until it listened. */
  killAndRestart(): Promise<number>;
  stop(): Promise<void>;
  /** What the load generator needs: the widget key and one signed-in session per agent. */
  prepare(agents: number, conversationsPerAgent: number): Promise<{ widgetKey: string; agentCookies: string[] }>;
}

export interface TargetOptions {
  agents: number;
  processes: number;
  /** The Redis several processes share; null: the run starts its own redis-server. */
  redisUrl: string | null;
  fromSource: boolean;
  cpuProf: boolean;
  idleTimeout: number;
}

export function startTarget(name: TargetName, options: TargetOptions): Promise<Target> {
  if (name === "kefu") return startKefu(options);
  const dir = mkdtempSync(join(tmpdir(), `kefu-${name}-relay-`));
  const database = name === "sqlite" ? join(dir, "relay.db") : null;
  const script = join(root, "bench", `${name}-relay.ts`);
  return serverTarget(
    name,
    dir,
    database,
    (port) => [process.execPath, script, "--port", String(port), "--host", "127.0.0.1", "--idle-timeout", String(options.idleTimeout), ...(database ? ["--db", database] : [])],
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    async (origin, agents) => ({ widgetKey: "relay", agentCookies: await Promise.all(Array.from({ length: agents }, (_, i) => signIn(origin, agentEmail(i)))) }),
  );
}

const agentEmail = (i: number) => `agent${i + 1}@bench.test`;

async function startKefu(options: TargetOptions): Promise<Target> {
  if (!options.fromSource && !existsSync(binary)) throw new Error(`no ${binary}: run npm run build first`);
  const dir = mkdtempSync(join(tmpdir(), "kefu-chat-load-"));
  const dataDir = join(dir, "data");
  let base: string[];
  if (options.fromSource) {
    base = [process.execPath];
    if (options.cpuProf) base.push("--cpu-prof-md", `--cpu-prof-dir=${dir}`);
    base.push(join(root, "src/main.ts"));
  } else {
    copyFileSync(binary, join(dir, "kefu"));
    base = [join(dir, "kefu")];
  }
  const cli = base.filter((a) => !a.startsWith("--cpu-prof"));
  const userAdd = (email: string, name: string, role: string) =>
    run([...cli, "user", "add", "--data-dir", dataDir, "--email", email, "--name", name, "--role", role, "--password", password], dir);
  const started = performance.now();
  await userAdd("owner@bench.test", "Bench Owner", "owner");
  await pool(options.agents, 4, (i) => userAdd(agentEmail(i), `Agent ${i + 1}`, "agent").then(() => {}));
  console.log(`  kefu user add: owner + ${options.agents} agents in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const redis = options.processes > 1 && !options.redisUrl ? await startRedisServer() : null;
  const redisUrl = options.redisUrl ?? redis?.url;
  const serve = (process: number) =>
    serverTarget(
      "kefu",
      dir,
      join(dataDir, "kefu.db"),
      // Behind a proxy, as in production: each visitor's address comes from X-Forwarded-For.
      (port) => [
        ...base,
        "serve",
        "--port",
        String(port),
        "--host",
        "127.0.0.1",
        "--trust-proxy",
        "--data-dir",
        dataDir,
        "--log-level",
        "warn",
        ...(options.processes > 1 ? ["--redis-url", redisUrl!] : []),
      ],
      /Open (http:\/\/127\.0\.0\.1:\d+)/,
      prepareKefu,
      options.processes > 1 ? `server-p${process + 1}` : "server",
    );
  if (options.processes === 1) return serve(0);
  // One after the other: the first start migrates the database and makes the server secret.
  const processes: Target[] = [];
  for (let i = 0; i < options.processes; i++) processes.push(await serve(i));
  console.log(`  ${options.processes} Kefu processes on one data dir, Redis at ${redisUrl}${redis ? " (started for this run)" : ""}`);
  return severalProcesses(processes, async () => {
    await redis?.stop();
  });
}

/** Several Kefu processes as one target: pages and sockets spread over their origins, CPU and RSS summed. */
function severalProcesses(processes: Target[], afterStop: () => Promise<void>): Target {
  const first = processes[0]!;
  const alone = () => Promise.reject(new Error("restarting is for one process (no --processes)"));
  return {
    ...first,
    origins: processes.map((p) => p.origin),
    startRssKiB: processes.reduce((sum, p) => sum + p.startRssKiB, 0),
    cpuMs: () => processes.reduce((sum, p) => sum + p.cpuMs(), 0),
    rssKiB: () => processes.reduce((sum, p) => sum + p.rssKiB(), 0),
    restart: alone,
    killAndRestart: alone,
    async stop() {
      for (const p of processes) await p.stop();
      await afterStop();
    },
    prepare: first.prepare,
  };
}

async function prepareKefu(origin: string, agents: number, perAgent: number): Promise<{ widgetKey: string; agentCookies: string[] }> {
  const owner = await signIn(origin, "owner@bench.test");
  const widgetKey = await widgetKeyOf(origin, owner);
  await allowConversations(origin, owner, perAgent);
  // Kefu checks each password with argon2: a few at a time.
  const agentCookies: string[] = new Array(agents);
  await pool(agents, 4, async (i) => {
    agentCookies[i] = await signIn(origin, agentEmail(i));
  });
  return { widgetKey, agentCookies };
}

/** A server process that can be stopped and started again on the port it got the first time. */
async function serverTarget(
  name: TargetName,
  dir: string,
  database: string | null,
  command: (port: number) => string[],
  ready: RegExp,
  prepare: (origin: string, agents: number, perAgent: number) => Promise<{ widgetKey: string; agentCookies: string[] }>,
  log = "server",
): Promise<Target> {
  let starts = 0;
  const launch = async (port: number) => {
    const child = track(Bun.spawn(command(port), { cwd: dir, stdout: "pipe", stderr: Bun.file(join(dir, `${log}-${++starts}.log`)) }));
    try {
      const match = await readUntil(child.stdout as ReadableStream<Uint8Array>, ready, 60_000);
      return { child, origin: match[1]! };
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
  };
  let { child, origin }: { child: Subprocess; origin: string } = await launch(0);
  const port = Number(new URL(origin).port);
  const relaunch = async () => {
    ({ child, origin } = await launch(port));
    if (origin !== target.origin) throw new Error(`restarted on ${origin}, not ${target.origin}`);
    target.pid = child.pid;
  };
  const target: Target = {
    name,
    origin,
    origins: [origin],
    pid: child.pid,
    dir,
    database,
    startRssKiB: rssKiB(child.pid),
    cpuMs: () => cpuMs(target.pid),
    rssKiB: () => rssKiB(target.pid),
    async restart() {
      await stopProcess(child);
      await relaunch();
    },
    async killAndRestart() {
      child.kill("SIGKILL");
      await child.exited;
      const started = performance.now();
      await relaunch();
      return performance.now() - started;
    },
    stop: () => stopProcess(child),
    prepare: (agents, perAgent) => prepare(target.origin, agents, perAgent),
  };
  return target;
}

async function signIn(origin: string, email: string): Promise<string> {
  const response = await fetch(`${origin}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { origin, "content-type": "application/x-www-form-urlencoded", "accept-language": locale },
    body: new URLSearchParams({ email, password }),
  });
  await response.arrayBuffer();
  const token = cookieValue(response, "kefu_session");
  if (response.status !== 303 || !token) throw new Error(`sign-in of ${email} failed: HTTP ${response.status}`);
  return token;
}

async function widgetKeyOf(origin: string, ownerCookie: string): Promise<string> {
  const response = await fetch(`${origin}/console/settings`, { headers: { cookie: `kefu_session=${ownerCookie}`, "accept-language": locale } });
  const page = await response.text();
  const key = /id="widget-key"[^>]*value="([^"]+)"/.exec(page)?.[1];
  if (!key) throw new Error(`no #widget-key on /console/settings (HTTP ${response.status})`);
  return key;
}

/**
 * Raises the shop's per-agent limit so that every active visitor is assigned: the run measures
 * chat, not a queue (whose waiting list every agent's console follows live).
 */
async function allowConversations(origin: string, ownerCookie: string, perAgent: number): Promise<void> {
  // The settings form takes any subset of its fields: a field left out stays as it is.
  const response = await fetch(`${origin}/console/settings`, {
    method: "POST",
    headers: { cookie: `kefu_session=${ownerCookie}`, origin, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ capacity: String(Math.min(100, Math.max(5, perAgent))) }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`setting the per-agent limit failed: HTTP ${response.status}`);
}

/** The client ids of the visitors' and agents' messages stored in a target's database. */
export function storedClientIds(database: string): { ids: Set<string>; system: number } {
  const sqlite = new Database(database);
  try {
    const rows = sqlite.query("SELECT client_id AS id FROM messages WHERE sender IN ('visitor', 'agent')").all() as { id: string }[];
    const system = (sqlite.query("SELECT count(*) AS n FROM messages WHERE sender NOT IN ('visitor', 'agent')").get() as { n: number }).n;
    return { ids: new Set(rows.map((row) => row.id)), system };
  } finally {
    sqlite.close();
  }
}
