// Drives the built binary (dist/kefu) and a real Chromium. Both must exist: a missing one is an
// error that fails the suite, never a reason to skip it.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { type Browser, chromium } from "playwright-core";

export const binaryPath = resolve(import.meta.dir, "../dist/kefu");
export const chromiumPath = "/usr/bin/chromium";
export const shotsDir = "/tmp/kefu-shots";

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

/** Copies the binary into an empty temp dir, serves on a free port, waits for /healthz. */
export async function startKefu(): Promise<Kefu> {
  const { dir, kefu } = binaryInEmptyDir();
  const dataDir = join(dir, "kefu-data");
  let output = "";
  const startedAt = performance.now();
  const proc = Bun.spawn([kefu, "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir], {
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
  const stop = async () => {
    await stopProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await waitFor("the listening address", () => output.match(/https?:\/\/[^\s/]+:\d+/)?.[0], proc, () => output);
    await waitFor("GET /healthz to answer 200", async () => {
      const response = await fetch(`${url}/healthz`).catch(() => null);
      return response?.status === 200 ? true : undefined;
    }, proc, () => output);
    return { url, dir, dataDir, kefu, coldStartMs: performance.now() - startedAt, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
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

async function stopProcess(proc: Subprocess): Promise<void> {
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
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
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

/** The `name=value` pair of the session cookie a response sets. */
export function sessionCookie(response: Response): string {
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith("kefu_session="));
  if (!cookie) throw new Error(`no session cookie in the ${response.status} response`);
  return cookie.split(";")[0]!;
}
