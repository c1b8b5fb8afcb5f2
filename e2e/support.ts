// Drives the built binary (dist/kefu) and a real Chromium. Both must exist: a missing one is an
// error that fails the suite, never a reason to skip it.
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createConnection, createServer, type Socket } from "node:net";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const binaryPath = resolve(import.meta.dir, "../dist/kefu");
export const chromiumPath = "/usr/bin/chromium";
/** Where e2e tests leave screenshots to look at; KEFU_SHOTS_DIR keeps parallel runs apart. */
export const shotsDir = process.env.KEFU_SHOTS_DIR ?? "/tmp/kefu-shots";

function requireBinary(): void {
  if (!existsSync(binaryPath)) throw new Error(`${binaryPath} is missing: run "npm run build" before "bun test e2e"`);
}

/** Only what the binary needs: no PORT, KEFU_* or proxy settings leak in from the caller. */
function cleanEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", LANG: "C.UTF-8" };
}

/** A fresh, empty temp directory holding a copy of the binary and nothing else. */
export function binaryInEmptyDir(): { dir: string; kefu: string } {
  requireBinary();
  const dir = mkdtempSync(join(tmpdir(), "kefu-e2e-"));
  const kefu = join(dir, "kefu");
  copyFileSync(binaryPath, kefu);
  return { dir, kefu };
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one `kefu` command to completion (cwd: the binary's own directory). */
export async function runKefu(kefu: string, args: string[], cwd: string): Promise<RunResult> {
  const proc = Bun.spawn([kefu, ...args], { cwd, env: cleanEnv(), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { exitCode, stdout, stderr };
}

export interface Kefu {
  /** http://localhost:PORT */
  url: string;
  dir: string;
  dataDir: string;
  kefu: string;
  /** From spawn to the first 200 on /healthz. */
  coldStartMs: number;
  output(): string;
  stop(): Promise<void>;
}

/** Copies the binary into an empty temp dir, serves on a free port, waits for /healthz. `flags` are added to `kefu serve`'s. */
export async function startKefu(flags: string[] = []): Promise<Kefu> {
  const { dir, kefu } = binaryInEmptyDir();
  const dataDir = join(dir, "kefu-data");
  const running = await serveKefu(kefu, dir, dataDir, 0, () => "", flags);
  const stop = async () => {
    await stopProcess(running.proc);
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: running.url, dir, dataDir, kefu, coldStartMs: running.coldStartMs, output: running.output, stop };
}

/** Another `kefu serve` of `kefu`'s binary on its data dir: several processes (`flags` has --redis-url). Stop it before `kefu`. */
export async function startAnotherKefu(kefu: Kefu, flags: string[]): Promise<Kefu> {
  const running = await serveKefu(kefu.kefu, kefu.dir, kefu.dataDir, 0, () => "", flags);
  return { ...kefu, url: running.url, coldStartMs: running.coldStartMs, output: running.output, stop: () => stopProcess(running.proc) };
}

export interface RunningProcess {
  proc: Subprocess;
  url: string;
  coldStartMs: number;
  output(): string;
}

/** Spawns `kefu serve` on `port` (0: a free one) and waits for its address and /healthz. */
export async function serveKefu(kefu: string, dir: string, dataDir: string, port: number, earlierOutput: () => string, flags: string[] = []): Promise<RunningProcess> {
  let output = "";
  const startedAt = performance.now();
  const proc = Bun.spawn([kefu, "--port", String(port), "--host", "127.0.0.1", "--data-dir", dataDir, ...flags], {
    cwd: dir,
    env: cleanEnv(),
    stdout: "pipe",
    stderr: "pipe",
  });
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  void collect(proc.stdout);
  void collect(proc.stderr);
  const all = () => earlierOutput() + output;
  try {
    const url = await waitFor("the listening address", () => output.match(/https?:\/\/[^\s/]+:\d+/)?.[0], proc, all);
    // The process itself: the printed address is --public-url's when flags give one (a proxy's).
    // Not kept alive: a test may count the connections the process holds.
    const own = port ? `http://127.0.0.1:${port}` : url;
    await waitFor("GET /healthz to answer 200", async () => {
      const response = await fetch(`${own}/healthz`, { headers: { connection: "close" } }).catch(() => null);
      return response?.status === 200 ? true : undefined;
    }, proc, all);
    return { proc, url, coldStartMs: performance.now() - startedAt, output: () => output };
  } catch (error) {
    await stopProcess(proc);
    throw error;
  }
}

/** A Kefu that can be stopped and started again on the same port and data dir. */
export interface RestartableKefu extends Kefu {
  port: number;
  /** Whether the server process is running now. */
  running(): boolean;
  /**
   * Ends the server process: SIGTERM (a clean shutdown) or SIGKILL (a crash). A process still
   * running after `timeoutMs` is killed with SIGKILL (`forced`); `ms` is how long it took to exit.
   */
  halt(signal: "SIGTERM" | "SIGKILL", timeoutMs?: number): Promise<{ ms: number; forced: boolean }>;
  /** Starts the server again on the same port and data dir; waits for /healthz. */
  start(): Promise<void>;
  /** halt(signal), then start(). */
  restart(signal: "SIGTERM" | "SIGKILL"): Promise<void>;
}

/** Like startKefu, but the server can be halted and started again on the same port. */
export async function startRestartableKefu(): Promise<RestartableKefu> {
  const { dir, kefu } = binaryInEmptyDir();
  const dataDir = join(dir, "kefu-data");
  let previousOutput = "";
  let current: RunningProcess;
  try {
    current = await serveKefu(kefu, dir, dataDir, 0, () => "");
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const url = current.url;
  const port = Number(new URL(url).port);
  const isRunning = () => current.proc.exitCode === null && current.proc.signalCode === null;
  const halt = async (signal: "SIGTERM" | "SIGKILL", timeoutMs = 10_000) => {
    if (!isRunning()) return { ms: 0, forced: false };
    const startedAt = performance.now();
    current.proc.kill(signal);
    const exited = await Promise.race([current.proc.exited.then(() => true), Bun.sleep(timeoutMs).then(() => false)]);
    const ms = performance.now() - startedAt;
    if (!exited) {
      current.proc.kill("SIGKILL");
      await current.proc.exited;
    }
    return { ms, forced: !exited };
  };
  const start = async () => {
    if (isRunning()) throw new Error("kefu is already running");
    previousOutput += current.output();
    // The port was just freed; a few tries cover a socket that lingers for a moment.
    for (let attempt = 1; ; attempt++) {
      try {
        current = await serveKefu(kefu, dir, dataDir, port, () => previousOutput);
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
        await Bun.sleep(100);
      }
    }
    if (current.url !== url) throw new Error(`kefu came back on ${current.url}, not ${url}`);
  };
  return {
    url,
    port,
    dir,
    dataDir,
    kefu,
    coldStartMs: current.coldStartMs,
    output: () => previousOutput + current.output(),
    running: isRunning,
    halt,
    start,
    restart: async (signal) => {
      await halt(signal);
      await start();
    },
    stop: async () => {
      await stopProcess(current.proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  proc: Subprocess,
  output: () => string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    if (proc.exitCode !== null) throw new Error(`kefu exited with ${proc.exitCode} while waiting for ${what}:\n${output()}`);
    await Bun.sleep(5);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${output()}`);
}

export async function stopProcess(proc: Subprocess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill("SIGTERM");
  const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
  if (!exited) {
    proc.kill("SIGKILL");
    await proc.exited;
  }
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium)`);
  mkdirSync(shotsDir, { recursive: true });
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
}

/** Debian's Chromium as every e2e test runs it; also for a persistent profile (an installable app needs one, not incognito). */
export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  // A fake microphone that needs no permission prompt, so voice messages can be recorded.
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
];

/** The rows of one query of a running Kefu's database, opened read-only: what the pages show against what is stored. */
export function queryKefu<T>(kefu: Pick<Kefu, "dataDir">, sql: string, ...params: (string | number)[]): T[] {
  const db = new Database(join(kefu.dataDir, "kefu.db"), { readonly: true });
  try {
    return db.query(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** A form POST from one of Kefu's own pages (it passes the CSRF check). */
export function postForm(
  kefu: Pick<Kefu, "url">,
  path: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(kefu.url + path, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", "accept-language": "en", origin: kefu.url, ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/** Sets up a fresh Kefu's shop: creates the owner, signed in, and reads the shop's widget key. */
export async function setUpShop(
  kefu: Pick<Kefu, "url" | "dataDir">,
  owner = { name: "Mei", email: "mei@example.com", password: "a long password" },
): Promise<{ ownerCookie: string; widgetKey: string }> {
  const setup = await postForm(kefu, "/setup", owner);
  if (setup.status !== 303) throw new Error(`setup answered ${setup.status}`);
  const db = new Database(join(kefu.dataDir, "kefu.db"), { readonly: true });
  try {
    const { widgetKey } = db.query("SELECT widget_key AS widgetKey FROM businesses").get() as { widgetKey: string };
    return { ownerCookie: sessionCookie(setup), widgetKey };
  } finally {
    db.close();
  }
}

/**
 * A shop's page with the widget snippet, on another site than Kefu: it answers on localhost while
 * tests reach Kefu at 127.0.0.1, so the chat runs as a third-party iframe. `kefuUrl` is where the
 * page loads the widget from (Kefu, or a proxy in front of it).
 */
export function startHostShop(kefuUrl: string, widgetKey: string): { url: string; stop(): void } {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: () =>
      new Response(
        `<!doctype html><html><head><meta charset="utf-8"><title>Host shop</title></head><body><h1>Host shop</h1>
<script async src="${kefuUrl}/widget.js" data-key="${widgetKey}"></script></body></html>`,
        { headers: { "content-type": "text/html; charset=utf-8" } },
      ),
  });
  return { url: `http://localhost:${server.port}/`, stop: () => server.stop(true) };
}

/**
 * Most e2e files' start: a fresh Kefu with its shop set up, the widget on a host page of another
 * origin, and a browser. `stop()` ends all three (in afterAll).
 */
export async function startShopOnAnotherSite(owner?: Parameters<typeof setUpShop>[1]) {
  const [kefu, browser] = await Promise.all([startKefu(), launchBrowser()]);
  const { ownerCookie, widgetKey } = await setUpShop(kefu, owner);
  const host = startHostShop(kefu.url, widgetKey);
  const stop = async () => {
    await browser.close();
    host.stop();
    await kefu.stop();
  };
  return { kefu, browser, ownerCookie, widgetKey, host, stop };
}

/** A phone's viewport, as the visitor tests use it. */
export const phone = { width: 390, height: 844 };

/** A visitor at phone width in `locale` on the host shop's page, with the widget opened. */
export async function visitorAtPhoneWidth(browser: Browser, hostUrl: string, locale: string): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: phone });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.goto(hostUrl);
  await page.locator("[data-kefu] .launcher").click();
  return page;
}

/** The console in a page of `context`, signed in with `sessionCookie` (`kefu_session=...`): an online agent. */
export async function openConsole(context: BrowserContext, kefuUrl: string, sessionCookie: string): Promise<Page> {
  await context.addCookies([{ name: "kefu_session", value: sessionCookie.slice("kefu_session=".length), url: kefuUrl }]);
  const page = await context.newPage();
  await page.goto(`${kefuUrl}/console`);
  return page;
}

/** The `name=value` pair of the session cookie a response sets. */
export function sessionCookie(response: Response): string {
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith("kefu_session="));
  if (!cookie) throw new Error(`no session cookie in the ${response.status} response`);
  return cookie.split(";")[0]!;
}

/**
 * A TCP proxy in front of Kefu, for one browser context: `cut()` drops every connection through
 * it at once and refuses new ones (a lost network: WebSockets close abnormally, 1006, and their
 * reconnect attempts fail) until `restore()`. Chromium's own offline emulation
 * (`context.setOffline`) only holds WebSocket frames back; it never closes an open socket.
 */
export interface TcpProxy {
  /** http://127.0.0.1:PORT, forwarding to the target. */
  url: string;
  cut(): void;
  restore(): void;
  stop(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let refusing = false;
  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: hostname, port: Number(port) });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      socket.on("error", () => {});
    }
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      refusing = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      refusing = false;
    },
    async stop() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
