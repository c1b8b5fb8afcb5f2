// What the load harness needs from the operating system and from its own child processes:
// starting and stopping them (never outliving the run), reading their CPU time and memory from
// /proc, and talking to them over IPC.
import { readFileSync } from "node:fs";
import type { Subprocess } from "bun";

/** Every process this run started, killed on any way out so nothing outlives the run. */
const children = new Set<Subprocess>();

export function track<T extends Subprocess>(child: T): T {
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

export function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, Math.max(0, ms)));

/** Milliseconds since 1970 with sub-millisecond precision; comparable between processes on one machine. */
export const wallNow = () => performance.timeOrigin + performance.now();

/** Runs `task` over 0..count-1 with at most `limit` in flight. */
export async function pool(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

/** Resident memory of a process in KiB (VmRSS), or NaN once it is gone. */
export function rssKiB(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** User + system CPU time of a process, in milliseconds (clock ticks are 100 Hz on Linux). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Busy CPU time of the whole machine (all cores), in milliseconds. */
export function machineBusyMs(): number {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) * 10;
}

export function openFileLimit(): number {
  const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
  return Number(line?.split(/\s+/)[3] ?? NaN);
}

/** Runs a command to its end; its stdout, or an error with what it printed. */
export async function run(cmd: string[], cwd: string): Promise<string> {
  const child = track(Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe" }));
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`${cmd.slice(0, 4).join(" ")} failed (${code}): ${err || out}`);
  return out;
}

/** Reads a child's stdout until `pattern` appears, then keeps draining it so the child never blocks. */
export async function readUntil(stream: ReadableStream<Uint8Array>, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), sleep(deadline - Date.now()).then(() => null)]);
    if (!chunk || chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
    const match = pattern.exec(text);
    if (match) {
      void (async () => {
        for (;;) if ((await reader.read()).done) return;
      })().catch(() => {});
      return match;
    }
  }
  throw new Error(`the server did not print ${pattern} within ${timeoutMs} ms; it printed: ${text.slice(0, 500)}`);
}

/** SIGTERM, then SIGKILL if it has not stopped within 15 s. */
export async function stopProcess(child: Subprocess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const exited = await Promise.race([child.exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!exited) {
    child.kill("SIGKILL");
    await child.exited;
  }
}

export function cookieValue(response: Response, name: string): string | null {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(";");
    const at = pair!.indexOf("=");
    if (pair!.slice(0, at).trim() === name) return pair!.slice(at + 1);
  }
  return null;
}

/**
 * Messages from one process by type, each taken in order whether it arrives before or after it
 * is awaited (a worker answers "progress" while it is still sending).
 */
export class Channel {
  private readonly queues = new Map<string, unknown[]>();
  private readonly waiters = new Map<string, ((message: unknown) => void)[]>();

  push(message: unknown): void {
    const type = (message as { type: string }).type;
    const waiter = this.waiters.get(type)?.shift();
    if (waiter) waiter(message);
    else this.queues.set(type, [...(this.queues.get(type) ?? []), message]);
  }

  take<T>(type: string): Promise<T> {
    const queued = this.queues.get(type);
    if (queued?.length) return Promise.resolve(queued.shift() as T);
    return new Promise((done) => this.waiters.set(type, [...(this.waiters.get(type) ?? []), done as (message: unknown) => void]));
  }
}
