// Persisted chat delivery under load: many connected visitors, some of them sending at a fixed
// total rate, each message timed from `send` to the sender's own confirmation (the fragment
// carrying its client id, which Kefu publishes only after the row is committed). The same
// harness drives a bare Bun publish relay (bench/bare-relay.ts) for the ratio.
//
//   npm run build && npx bun bench/chat-load.ts                 # Kefu, then the bare relay
//   npx bun bench/chat-load.ts --target kefu --visitors 2000 --active 200 --rate 200 --duration 5
//
// Options (defaults in brackets):
//   --target kefu|bare|both [both]    --order kefu,bare [kefu,bare]
//   --visitors N [10000]   connected visitor sockets (each its own GET /chat/<key> for a cookie)
//   --active N [1000]      how many of them send
//   --rate R [1000]        total messages per second, spread evenly over the active visitors
//   --duration S [20]      seconds of sending
//   --agents N [100]       agents (kefu user add), each signed in with one /ws/agent socket
//   --workers N [1]        client processes holding the sockets (each needs ~N/workers fds)
//   --concurrency N [200]  GETs / socket opens in flight at once (split over the workers)
//   --settle S [5]         seconds to wait with every socket connected before the idle RSS
//   --drain S [10]         seconds after the last send to wait for confirmations ("lost" after)
//   --body-bytes N [0]     pad each message body to about N bytes (0: a short sentence)
//   --from-source          run `bun src/main.ts` instead of dist/kefu (needed for --cpu-prof)
//   --cpu-prof             with --from-source: write a CPU profile (markdown) of the server
//   --restart-before-connect  restart the server (same port and data) after the GETs and before
//                          the sockets, so the idle RSS counts the sockets, not the page renders
//   --warmup               before the timed part, each active visitor sends one message (at the
//                          same rate), so every conversation is open and assigned: the timed part
//                          then measures steady chat, and the openings are reported on their own
//   --quiet-wait S [180]   before sending, wait up to S s for other processes on the machine to
//                          use < 15% of a core (0: don't wait); the report shows what they used
//   --bare-idle-timeout S [30]  the bare relay's WebSocket idleTimeout (Kefu's is 30 s; Bun pings
//                          a socket idle that long, and sockets that connected together get pinged
//                          together)
//   --json FILE            also write every figure as JSON
//   --keep                 keep the temp dir (database, server log, profile)
//   --max-seconds S [1500] hard stop for the whole run
//
// Everything goes to 127.0.0.1 only. The run is bounded (counts and a hard deadline) and stops
// by itself. Needs `ulimit -n` above visitors/workers + agents + a few hundred.
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

const root = resolve(import.meta.dir, "..");
const binary = join(root, "dist/kefu");
const bareScript = join(import.meta.dir, "bare-relay.ts");
const password = "bench-password-123";
const locale = "en";

// ---------------------------------------------------------------- options

interface Options {
  targets: ("kefu" | "bare")[];
  visitors: number;
  active: number;
  rate: number;
  duration: number;
  agents: number;
  workers: number;
  concurrency: number;
  settle: number;
  drain: number;
  bodyBytes: number;
  fromSource: boolean;
  cpuProf: boolean;
  restartBeforeConnect: boolean;
  warmup: boolean;
  quietWait: number;
  bareIdleTimeout: number;
  json: string | null;
  keep: boolean;
  maxSeconds: number;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const at = argv.indexOf(`--${name}`);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const num = (name: string, fallback: number, min = 0): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`--${name} must be a number >= ${min}, not "${raw}"`);
    return value;
  };
  const target = get("target") ?? "both";
  if (!["kefu", "bare", "both"].includes(target)) throw new Error(`--target must be kefu, bare or both`);
  const order = (get("order") ?? "kefu,bare").split(",") as ("kefu" | "bare")[];
  const options: Options = {
    targets: target === "both" ? order : [target as "kefu" | "bare"],
    visitors: Math.floor(num("visitors", 10_000, 1)),
    active: Math.floor(num("active", 1000, 1)),
    rate: num("rate", 1000, 1),
    duration: num("duration", 20, 1),
    agents: Math.floor(num("agents", 100, 0)),
    workers: Math.floor(num("workers", 1, 1)),
    concurrency: Math.floor(num("concurrency", 200, 1)),
    settle: num("settle", 5, 0),
    drain: num("drain", 10, 1),
    bodyBytes: Math.floor(num("body-bytes", 0, 0)),
    fromSource: argv.includes("--from-source"),
    cpuProf: argv.includes("--cpu-prof"),
    restartBeforeConnect: argv.includes("--restart-before-connect"),
    warmup: argv.includes("--warmup"),
    quietWait: num("quiet-wait", 180, 0),
    bareIdleTimeout: Math.floor(num("bare-idle-timeout", 30, 1)),
    json: get("json") ?? null,
    keep: argv.includes("--keep"),
    maxSeconds: num("max-seconds", 1500, 10),
  };
  if (options.active > options.visitors) throw new Error("--active cannot exceed --visitors");
  if (options.cpuProf && !options.fromSource) throw new Error("--cpu-prof needs --from-source (the compiled binary takes no runtime flags)");
  return options;
}

// ---------------------------------------------------------------- small helpers

/** Every process this run started, killed on any way out so nothing outlives the run. */
const children = new Set<Subprocess>();
function killChildren(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, Math.max(0, ms)));
const wallNow = () => performance.timeOrigin + performance.now();

/** Runs `task` over 0..count-1 with at most `limit` in flight. */
async function pool(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
}

function procStatus(pid: number): { rssKiB: number; hwmKiB: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? NaN);
    return { rssKiB: field("VmRSS"), hwmKiB: field("VmHWM") };
  } catch {
    return null;
  }
}

/** User + system CPU time of a process, in milliseconds (clock ticks are 100 Hz on Linux). */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** Busy CPU time of the whole machine (all cores), in milliseconds. */
function machineBusyMs(): number {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) * 10;
}

function openFileLimit(): number {
  const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
  return Number(line?.split(/\s+/)[3] ?? NaN);
}

const mb = (kib: number | undefined) => (kib === undefined || Number.isNaN(kib) ? "n/a" : `${(kib / 1024).toFixed(1)} MB`);

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

function cookieValue(response: Response, name: string): string | null {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(";");
    const at = pair!.indexOf("=");
    if (pair!.slice(0, at).trim() === name) return pair!.slice(at + 1);
  }
  return null;
}

/** Messages from one process, taken in order whether they arrive before or after they are awaited. */
class Channel {
  private readonly queue: unknown[] = [];
  private waiter: ((message: unknown) => void) | null = null;

  push(message: unknown): void {
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter(message);
    } else this.queue.push(message);
  }

  next(): Promise<unknown> {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    return new Promise((done) => (this.waiter = done));
  }
}

// ---------------------------------------------------------------- worker (client sockets)

interface WorkerSetup {
  type: "setup";
  worker: number;
  origin: string;
  widgetKey: string;
  visitors: number;
  active: number;
  rate: number;
  duration: number;
  drain: number;
  concurrency: number;
  bodyBytes: number;
  agentCookies: string[];
  tag: string;
}

interface WorkerReady {
  type: "ready";
  worker: number;
  visitorsOpen: number;
  agentsOpen: number;
  failures: string[];
  cookieMs: number;
  connectMs: number;
}

interface WorkerDone {
  type: "done";
  worker: number;
  sent: number;
  confirmed: number;
  warmConfirmed: number;
  warmLost: number;
  duplicated: number;
  misdelivered: number;
  refused: number;
  errors: Record<string, number>;
  lostSample: string[];
  latencies: number[];
  sendOffsets: number[];
  confirmedIds: string[] | null;
  systemSeen: number;
  closedDuringRun: number;
  closeCodes: Record<string, number>;
  maxSendLagMs: number;
  stalls: { second: number; ms: number }[];
  unstalledLatencies: number[];
  firstSendWall: number;
  lastSendWall: number;
  lastConfirmWall: number;
  visitorFrames: number;
  agentFrames: number;
  agentBytes: number;
}

interface Sent {
  warm: boolean;
  slot: number;
  sentAt: number;
  offset: number;
  confirmedAt: number;
  refused: boolean;
}

async function workerMain(): Promise<void> {
  const parent = new Channel();
  process.on("message", (message) => parent.push(message));
  const setup = (await parent.next()) as WorkerSetup;
  const send = (message: unknown) => process.send!(message);
  const { origin, widgetKey } = setup;
  const wsOrigin = origin.replace(/^http/, "ws");
  const failures: string[] = [];
  const fail = (what: string) => {
    if (failures.length < 20) failures.push(what);
  };

  // 1. A cookie per visitor: GET /chat/<key>, exactly as a browser's first visit.
  const tokens: string[] = new Array(setup.visitors);
  const cookieStart = performance.now();
  await pool(setup.visitors, setup.concurrency, async (i) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const response = await fetch(`${origin}/chat/${widgetKey}`, { headers: { "accept-language": locale, "user-agent": "kefu-bench" } });
        await response.arrayBuffer();
        const token = cookieValue(response, "kefu_visitor");
        if (response.status === 200 && token) {
          tokens[i] = token;
          return;
        }
        fail(`GET /chat -> ${response.status}`);
      } catch (error) {
        fail(`GET /chat: ${(error as Error).message}`);
      }
      await sleep(100);
    }
  });
  const cookieMs = performance.now() - cookieStart;
  // Let the orchestrator read the server's memory before any socket exists.
  send({ type: "cookies", worker: setup.worker, count: tokens.filter(Boolean).length });
  await parent.next();

  // 2. The sockets. Frames are handled by slot index; nothing per socket but the WebSocket.
  const sockets: (WebSocket | null)[] = new Array(setup.visitors).fill(null);
  const pending = new Map<string, Sent>();
  const systemIds = new Set<string>();
  const errors: Record<string, number> = {};
  const closeCodes: Record<string, number> = {};
  let running = false;
  let closing = false;
  let duplicated = 0;
  let misdelivered = 0;
  let refused = 0;
  let confirmed = 0;
  let closedDuringRun = 0;
  let visitorFrames = 0;
  let agentFrames = 0;
  let agentBytes = 0;
  let lastConfirmWall = 0;
  const latencies: number[] = [];
  const sendOffsets: number[] = [];
  const warmLatencies: number[] = [];
  let warmConfirmed = 0;
  const confirmedIds: string[] = [];
  const messageIds = /id="message-([A-Za-z0-9_-]+)"/g;

  const onVisitorFrame = (slot: number, data: unknown) => {
    const now = performance.now();
    visitorFrames++;
    const text = typeof data === "string" ? data : Buffer.from(data as ArrayBuffer).toString();
    if (text.charCodeAt(0) === 123 /* { */) {
      try {
        const event = JSON.parse(text) as { type: string; clientId?: string; message?: string };
        if (event.type === "error") {
          errors[event.message ?? "?"] = (errors[event.message ?? "?"] ?? 0) + 1;
          const entry = event.clientId ? pending.get(event.clientId) : undefined;
          if (entry && !entry.refused) {
            entry.refused = true;
            refused++;
          }
        }
      } catch {
        errors["unparseable JSON frame"] = (errors["unparseable JSON frame"] ?? 0) + 1;
      }
      return;
    }
    for (const match of text.matchAll(messageIds)) {
      const id = match[1]!;
      if (id.startsWith("system-")) {
        systemIds.add(id);
        continue;
      }
      const entry = pending.get(id);
      if (!entry) continue;
      if (entry.slot !== slot) {
        misdelivered++;
        continue;
      }
      if (entry.confirmedAt !== 0) {
        duplicated++;
        continue;
      }
      entry.confirmedAt = now;
      confirmedIds.push(id);
      if (entry.warm) {
        warmConfirmed++;
        warmLatencies.push(Math.round((now - entry.sentAt) * 1000) / 1000);
        continue;
      }
      confirmed++;
      latencies.push(Math.round((now - entry.sentAt) * 1000) / 1000);
      sendOffsets.push(Math.round(entry.offset));
      lastConfirmWall = performance.timeOrigin + now;
    }
  };

  const onClose = (code: number) => {
    if (closing) return;
    closeCodes[code] = (closeCodes[code] ?? 0) + 1;
    if (running) closedDuringRun++;
  };

  function connect(url: string, cookie: string, onFrame: (data: unknown) => void): Promise<WebSocket | null> {
    return new Promise((done) => {
      const ws = new WebSocket(url, { headers: { cookie, origin, "accept-language": locale, "user-agent": "kefu-bench" } } as never);
      let opened = false;
      const timer = setTimeout(() => {
        if (!opened) {
          fail(`socket open timed out: ${url}`);
          ws.close();
          done(null);
        }
      }, 15_000);
      ws.onopen = () => {
        opened = true;
        clearTimeout(timer);
        ws.send(JSON.stringify({ type: "resume", after: 0 }));
        done(ws);
      };
      ws.onmessage = (event) => onFrame(event.data);
      ws.onclose = (event) => {
        if (!opened) {
          clearTimeout(timer);
          fail(`socket closed before open: ${event.code} ${event.reason}`);
          done(null);
        } else onClose(event.code);
      };
      ws.onerror = () => {
        // onclose follows with the code
      };
    });
  }

  const connectStart = performance.now();
  // Agents first, so they are online (and get the conversations) before anyone writes.
  const agentSockets: WebSocket[] = [];
  await pool(setup.agentCookies.length, setup.concurrency, async (i) => {
    const ws = await connect(`${wsOrigin}/ws/agent`, `kefu_session=${setup.agentCookies[i]}`, (data) => {
      agentFrames++;
      agentBytes += typeof data === "string" ? data.length : (data as ArrayBuffer).byteLength;
    });
    if (ws) agentSockets.push(ws);
  });
  await pool(setup.visitors, setup.concurrency, async (i) => {
    if (!tokens[i]) return;
    for (let attempt = 0; attempt < 3 && !sockets[i]; attempt++) {
      sockets[i] = await connect(`${wsOrigin}/chat/${widgetKey}/ws`, `kefu_visitor=${tokens[i]}`, (data) => onVisitorFrame(i, data));
      if (!sockets[i]) await sleep(200);
    }
  });
  const connectMs = performance.now() - connectStart;
  const ready: WorkerReady = {
    type: "ready",
    worker: setup.worker,
    visitorsOpen: sockets.filter(Boolean).length,
    agentsOpen: agentSockets.length,
    failures,
    cookieMs,
    connectMs,
  };
  // Start the timed part from a clean heap: the setup above made a lot of garbage, and a major
  // collection in the middle of the run would stall this process and show up as latency.
  Bun.gc(true);
  send(ready);

  const activeSlots: number[] = [];
  for (let i = 0; i < setup.visitors && activeSlots.length < setup.active; i++) if (sockets[i]) activeSlots.push(i);
  const gapMs = 1000 / setup.rate;
  const filler = setup.bodyBytes > 0 ? " " + "x".repeat(Math.max(0, setup.bodyBytes - 40)) : "";

  // 3. Optionally a warm-up: one message per active visitor at the same rate, which opens (and
  // assigns) every conversation before the timed part, so that part measures the steady state.
  let command = (await parent.next()) as { type: string; startAtWall: number };
  if (command.type === "warmup") {
    const warmStart = performance.now();
    for (let k = 0; k < activeSlots.length; k++) {
      const wait = warmStart + k * gapMs - performance.now();
      if (wait >= 1) await sleep(wait);
      const slot = activeSlots[k]!;
      const clientId = `${setup.tag}w${setup.worker}v${slot}warm`;
      pending.set(clientId, { warm: true, slot, sentAt: performance.now(), offset: 0, confirmedAt: 0, refused: false });
      sockets[slot]!.send(JSON.stringify({ type: "send", clientId, body: `Hello, I am visitor ${slot}.` }));
    }
    const until = performance.now() + setup.drain * 1000;
    while (warmConfirmed < activeSlots.length && performance.now() < until) await sleep(20);
    const sorted = Float64Array.from(warmLatencies).sort();
    send({
      type: "warmed",
      sent: activeSlots.length,
      confirmed: warmConfirmed,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      max: sorted[sorted.length - 1] ?? NaN,
      seconds: (performance.now() - warmStart) / 1000,
    });
    Bun.gc(true);
    command = (await parent.next()) as { type: string; startAtWall: number };
  }

  // 4. On "go", send at a fixed rate, then wait for the stragglers.
  const go = command;
  const total = activeSlots.length ? Math.round(setup.rate * setup.duration) : 0;
  await sleep(Math.max(0, go.startAtWall - wallNow()));
  running = true;
  // This process's own stalls (event loop blocked > 20 ms), e.g. when Bun's pings reach every
  // idle socket at once: a stall here delays confirmations without the server being slow.
  const stalls: { at: number; ms: number }[] = [];
  let loopMark = performance.now();
  const stallWatch = setInterval(() => {
    const now = performance.now();
    if (now - loopMark > 20) stalls.push({ at: loopMark, ms: now - loopMark });
    loopMark = now;
  }, 2);
  const t0 = performance.now();
  let n = 0;
  let maxSendLagMs = 0;
  let firstSendWall = 0;
  let lastSendWall = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - t0) / gapMs) + 1);
      while (n < due) {
        const slot = activeSlots[n % activeSlots.length]!;
        const ws = sockets[slot]!;
        const clientId = `${setup.tag}w${setup.worker}v${slot}n${n}`;
        const scheduled = n * gapMs;
        const sentAt = performance.now();
        maxSendLagMs = Math.max(maxSendLagMs, sentAt - t0 - scheduled);
        pending.set(clientId, { warm: false, slot, sentAt, offset: scheduled, confirmedAt: 0, refused: false });
        ws.send(JSON.stringify({ type: "send", clientId, body: `Hello, message ${n} from visitor ${slot}.${filler}` }));
        if (n === 0) firstSendWall = performance.timeOrigin + sentAt;
        lastSendWall = performance.timeOrigin + sentAt;
        n++;
      }
      if (n >= total) {
        clearInterval(timer);
        done();
      }
    };
    const timer = setInterval(tick, 1);
    tick();
  });
  const drainUntil = performance.now() + setup.drain * 1000;
  while (performance.now() < drainUntil && confirmed + refusedUnconfirmed() < n) await sleep(20);
  running = false;
  clearInterval(stallWatch);

  function refusedUnconfirmed(): number {
    let count = 0;
    if (refused === 0) return 0;
    for (const entry of pending.values()) if (entry.refused && entry.confirmedAt === 0) count++;
    return count;
  }

  // Latencies of the messages that were not in flight during one of this process's own stalls.
  const bigStalls = stalls.filter((x) => x.ms >= 50);
  const unstalledLatencies: number[] = [];
  for (const entry of pending.values()) {
    if (entry.warm || entry.confirmedAt === 0) continue;
    if (bigStalls.some((x) => x.at < entry.confirmedAt && x.at + x.ms > entry.sentAt)) continue;
    unstalledLatencies.push(entry.confirmedAt - entry.sentAt);
  }
  const lostSample: string[] = [];
  let warmLost = 0;
  for (const [id, entry] of pending) {
    if (entry.confirmedAt !== 0) continue;
    if (entry.warm) warmLost++;
    else if (lostSample.length < 5) lostSample.push(id);
  }
  const done: WorkerDone = {
    type: "done",
    worker: setup.worker,
    sent: n,
    confirmed,
    warmConfirmed,
    warmLost,
    duplicated,
    misdelivered,
    refused,
    errors,
    lostSample,
    latencies,
    sendOffsets,
    confirmedIds: confirmedIds.length <= 500_000 ? confirmedIds : null,
    systemSeen: systemIds.size,
    closedDuringRun,
    closeCodes,
    maxSendLagMs,
    stalls: stalls.map((x) => ({ second: Math.floor((x.at - t0) / 1000), ms: Math.round(x.ms) })),
    unstalledLatencies,
    firstSendWall,
    lastSendWall,
    lastConfirmWall,
    visitorFrames,
    agentFrames,
    agentBytes,
  };
  send(done);

  // 5. Close everything when told (the orchestrator reads the server's RSS first).
  await parent.next();
  closing = true;
  for (const ws of sockets) ws?.close(1000, "bench done");
  for (const ws of agentSockets) ws.close(1000, "bench done");
  await sleep(300);
  process.exit(0);
}

// ---------------------------------------------------------------- targets (servers)

interface Target {
  name: "kefu" | "bare";
  origin: string;
  pid: number;
  dir: string;
  dataDir: string | null;
  startRss: number;
  /** Stops the server and starts it again on the same port and data (same origin, same cookies). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A server process that can be stopped and started again on the port it got the first time. */
async function serverTarget(
  name: "kefu" | "bare",
  dir: string,
  dataDir: string | null,
  command: (port: number) => string[],
  ready: RegExp,
): Promise<Target> {
  let starts = 0;
  const launch = async (port: number) => {
    const child = Bun.spawn(command(port), { cwd: dir, stdout: "pipe", stderr: Bun.file(join(dir, `server-${++starts}.log`)) });
    children.add(child);
    try {
      const match = await readUntil(child.stdout as ReadableStream<Uint8Array>, ready, 15_000);
      return { child, origin: match[1]! };
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
  };
  let { child, origin } = await launch(0);
  const port = Number(new URL(origin).port);
  const target: Target = {
    name,
    origin,
    pid: child.pid,
    dir,
    dataDir,
    startRss: procStatus(child.pid)?.rssKiB ?? NaN,
    async restart() {
      await stopProcess(child);
      ({ child, origin } = await launch(port));
      if (origin !== target.origin) throw new Error(`restarted on ${origin}, not ${target.origin}`);
      target.pid = child.pid;
    },
    stop: () => stopProcess(child),
  };
  return target;
}

/** Reads a child's stdout until `pattern` appears, then keeps draining it so the child never blocks. */
async function readUntil(stream: ReadableStream<Uint8Array>, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
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

async function stopProcess(child: Subprocess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const exited = await Promise.race([child.exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!exited) {
    child.kill("SIGKILL");
    await child.exited;
  }
}

async function run(cmd: string[], cwd: string): Promise<string> {
  const child = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  children.add(child);
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`${cmd.slice(0, 4).join(" ")} failed (${code}): ${err || out}`);
  return out;
}

async function startKefu(options: Options): Promise<Target> {
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
  const userAdd = (email: string, name: string, role: string) =>
    run([...base.filter((a) => !a.startsWith("--cpu-prof")), "user", "add", "--data-dir", dataDir, "--email", email, "--name", name, "--role", role, "--password", password], dir);
  await userAdd("owner@bench.test", "Bench Owner", "owner");
  const started = performance.now();
  await pool(options.agents, 4, (i) => userAdd(`agent${i + 1}@bench.test`, `Agent ${i + 1}`, "agent").then(() => {}));
  console.log(`  kefu user add: owner + ${options.agents} agents in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  return serverTarget(
    "kefu",
    dir,
    dataDir,
    (port) => [...base, "serve", "--port", String(port), "--host", "127.0.0.1", "--data-dir", dataDir, "--log-level", "warn"],
    /Open (http:\/\/127\.0\.0\.1:\d+)/,
  );
}

async function startBare(options: Options): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), "kefu-bare-relay-"));
  return serverTarget(
    "bare",
    dir,
    null,
    (port) => [process.execPath, bareScript, "--port", String(port), "--host", "127.0.0.1", "--idle-timeout", String(options.bareIdleTimeout)],
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
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
async function allowEveryConversation(origin: string, ownerCookie: string, perAgent: number): Promise<void> {
  const response = await fetch(`${origin}/console/settings/capacity`, {
    method: "POST",
    headers: { cookie: `kefu_session=${ownerCookie}`, origin, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ capacity: String(Math.min(100, Math.max(5, perAgent))) }),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`setting the per-agent limit failed: HTTP ${response.status}`);
}

// ---------------------------------------------------------------- one run against one target

interface RunResult {
  target: "kefu" | "bare";
  visitorsOpen: number;
  agentsOpen: number;
  setupFailures: string[];
  warmup: null | { sent: number; confirmed: number; p50: number; p99: number; max: number; seconds: number };
  cookieSeconds: number;
  connectSeconds: number;
  rssStartMB: number;
  rssAfterCookiesMB: number;
  rssAfterRestartMB: number | null;
  rssIdleMB: number;
  rssIdleDeltaMB: number;
  rssEndMB: number;
  rssPeakMB: number;
  sent: number;
  confirmed: number;
  lost: number;
  refused: number;
  duplicated: number;
  misdelivered: number;
  errors: Record<string, number>;
  lostSample: string[];
  closedDuringRun: number;
  closeCodes: Record<string, number>;
  sentPerSecond: number;
  achievedPerSecond: number;
  latency: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  latencyAfterFirst2s: { p50: number; p99: number; max: number };
  /** Without the messages in flight while the load generator itself stalled >= 50 ms. */
  latencyUnstalled: { count: number; p50: number; p99: number; p999: number; max: number };
  perSecond: { second: number; confirmed: number; p50: number; p99: number; max: number }[];
  /** Server CPU milliseconds in each second from "go" (the first 0.3 s is before the first send). */
  serverCpuPerSecond: number[];
  maxSendLagMs: number;
  clientStalls: { second: number; ms: number }[];
  serverCpuMsPerMessage: number;
  serverCpuPercent: number;
  serverIdleCpuPercent: number;
  otherProcessesCpuPercent: number;
  clientCpuPercent: number;
  systemSeenByVisitors: number;
  agentFrames: number;
  agentMB: number;
  db: null | {
    rows: number;
    visitorRows: number;
    systemRows: number;
    agentRows: number;
    conversations: number;
    assigned: number;
    confirmedMissingFromDb: number;
    inDbNeverConfirmed: number | null;
    ok: boolean;
  };
  serverErrors: string[];
  profile: string | null;
}

async function runTarget(name: "kefu" | "bare", options: Options, tag: string): Promise<RunResult> {
  console.log(`\n== ${name}: ${options.visitors} visitors (${options.active} active), ${options.agents} agents, ${options.rate} msg/s for ${options.duration} s`);
  const target = name === "kefu" ? await startKefu(options) : await startBare(options);
  console.log(`  server pid ${target.pid} at ${target.origin}, RSS at start ${mb(target.startRss)}`);
  const workers: Subprocess[] = [];
  try {
    // Agents sign in (Kefu checks the password with argon2, so a few at a time).
    let widgetKey = "bare";
    let agentCookies: string[] = [];
    if (name === "kefu") {
      const owner = await signIn(target.origin, "owner@bench.test");
      widgetKey = await widgetKeyOf(target.origin, owner);
      await allowEveryConversation(target.origin, owner, Math.ceil(options.active / Math.max(1, options.agents)));
      agentCookies = new Array(options.agents);
      await pool(options.agents, 4, async (i) => {
        agentCookies[i] = await signIn(target.origin, `agent${i + 1}@bench.test`);
      });
    } else {
      agentCookies = await Promise.all(Array.from({ length: options.agents }, () => signIn(target.origin, "agent@bench.test")));
    }

    // Split visitors, active visitors, the rate and the agents over the worker processes.
    const w = options.workers;
    const share = (total: number, i: number) => Math.floor(total / w) + (i < total % w ? 1 : 0);
    const channels = Array.from({ length: w }, () => new Channel());
    const next = (i: number) => channels[i]!.next();
    for (let i = 0; i < w; i++) {
      const channel = channels[i]!;
      const worker = Bun.spawn([process.execPath, import.meta.path, "--worker"], {
        stdout: "inherit",
        stderr: "inherit",
        ipc: (message) => channel.push(message),
      });
      children.add(worker);
      workers.push(worker);
    }
    const agentOffsets: number[] = [];
    let offset = 0;
    for (let i = 0; i < w; i++) {
      agentOffsets.push(offset);
      offset += share(options.agents, i);
    }
    const setupStart = performance.now();
    workers.forEach((child, i) => {
      const setup: WorkerSetup = {
        type: "setup",
        worker: i,
        origin: target.origin,
        widgetKey,
        visitors: share(options.visitors, i),
        active: share(options.active, i),
        rate: (options.rate * share(options.active, i)) / options.active,
        duration: options.duration,
        drain: options.drain,
        concurrency: Math.max(1, Math.floor(options.concurrency / w)),
        bodyBytes: options.bodyBytes,
        agentCookies: agentCookies.slice(agentOffsets[i], agentOffsets[i]! + share(options.agents, i)),
        tag,
      };
      child.send(setup);
    });
    await Promise.all(workers.map((_, i) => next(i)));
    await sleep(1000);
    const readies = Promise.all(workers.map((_, i) => next(i))) as Promise<WorkerReady[]>;
    const afterCookies = procStatus(target.pid);
    console.log(`  RSS after ${options.visitors} GET /chat (visitors created, no socket yet): ${mb(afterCookies?.rssKiB)}`);
    let afterRestart: ReturnType<typeof procStatus> = null;
    if (options.restartBeforeConnect) {
      await target.restart();
      await sleep(1000);
      afterRestart = procStatus(target.pid);
      console.log(`  restarted the server (pid ${target.pid}): RSS ${mb(afterRestart?.rssKiB)} with no socket`);
    }
    for (const child of workers) child.send({ type: "connect" });
    const ready = await readies;
    const visitorsOpen = ready.reduce((s, r) => s + r.visitorsOpen, 0);
    const agentsOpen = ready.reduce((s, r) => s + r.agentsOpen, 0);
    const setupFailures = ready.flatMap((r) => r.failures);
    const cookieSeconds = Math.max(...ready.map((r) => r.cookieMs)) / 1000;
    const connectSeconds = Math.max(...ready.map((r) => r.connectMs)) / 1000;
    console.log(
      `  connected ${visitorsOpen}/${options.visitors} visitors and ${agentsOpen}/${options.agents} agents ` +
        `(cookies ${cookieSeconds.toFixed(1)} s, sockets ${connectSeconds.toFixed(1)} s, total ${((performance.now() - setupStart) / 1000).toFixed(1)} s)`,
    );
    if (setupFailures.length) console.log(`  setup failures (first ${setupFailures.length}): ${[...new Set(setupFailures)].join("; ")}`);

    // Idle: every socket connected, nothing sent yet.
    const idleCpu0 = cpuMs(target.pid);
    const idleWall0 = performance.now();
    const idleCpuSeries: number[] = [];
    for (let second = 0; second < options.settle; second++) {
      const before = cpuMs(target.pid);
      await sleep(Math.min(1, options.settle - second) * 1000);
      idleCpuSeries.push(cpuMs(target.pid) - before);
    }
    const idle = procStatus(target.pid);
    const serverIdleCpuPercent = ((cpuMs(target.pid) - idleCpu0) / (performance.now() - idleWall0)) * 100;
    console.log(`  idle RSS with ${visitorsOpen + agentsOpen} sockets: ${mb(idle?.rssKiB)} (start ${mb(target.startRss)}); server CPU ms per idle second: ${idleCpuSeries.join(" ")}`);

    // This machine may be shared: wait (a bounded time) until other processes leave the CPU alone.
    if (options.quietWait > 0) {
      const waitUntil = performance.now() + options.quietWait * 1000;
      for (;;) {
        const ours = () => cpuMs(target.pid) + workers.reduce((s, c) => s + cpuMs(c.pid), 0) + cpuMs(process.pid);
        const [m0, o0, t0] = [machineBusyMs(), ours(), performance.now()];
        await sleep(2000);
        const otherPercent = ((machineBusyMs() - m0 - (ours() - o0)) / (performance.now() - t0)) * 100;
        if (otherPercent < 15) break;
        if (performance.now() > waitUntil) {
          console.log(`  warning: other processes still use ${otherPercent.toFixed(0)}% of a core; measuring anyway`);
          break;
        }
        console.log(`  waiting for a quiet machine (other processes use ${otherPercent.toFixed(0)}% of a core)`);
      }
    }

    // Warm-up: open every conversation first, if asked.
    let warm: RunResult["warmup"] = null;
    if (options.warmup) {
      const warmed = Promise.all(workers.map((_, i) => next(i))) as Promise<{ sent: number; confirmed: number; p50: number; p99: number; max: number; seconds: number }[]>;
      for (const child of workers) child.send({ type: "warmup" });
      const results = await warmed;
      warm = {
        sent: results.reduce((s, r) => s + r.sent, 0),
        confirmed: results.reduce((s, r) => s + r.confirmed, 0),
        p50: Math.max(...results.map((r) => r.p50)),
        p99: Math.max(...results.map((r) => r.p99)),
        max: Math.max(...results.map((r) => r.max)),
        seconds: Math.max(...results.map((r) => r.seconds)),
      };
      console.log(
        `  warm-up: ${warm.confirmed}/${warm.sent} first messages confirmed in ${warm.seconds.toFixed(1)} s ` +
          `(p50 ${ms(warm.p50)}, p99 ${ms(warm.p99)}, max ${ms(warm.max)}${workers.length > 1 ? ", worst worker" : ""})`,
      );
      await sleep(1000);
    }

    // Send.
    let peak = idle?.rssKiB ?? 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, procStatus(target.pid)?.rssKiB ?? 0);
    }, 250);
    const cpuSeries: number[] = [];
    let cpuMark = cpuMs(target.pid);
    const cpuSampler = setInterval(() => {
      const now = cpuMs(target.pid);
      cpuSeries.push(now - cpuMark);
      cpuMark = now;
    }, 1000);
    const serverCpu0 = cpuMs(target.pid);
    const clientCpu0 = workers.reduce((s, c) => s + cpuMs(c.pid), 0);
    const selfCpu0 = cpuMs(process.pid);
    const machine0 = machineBusyMs();
    const wall0 = performance.now();
    const dones = Promise.all(workers.map((_, i) => next(i))) as Promise<WorkerDone[]>;
    const startAtWall = wallNow() + 300;
    for (const child of workers) child.send({ type: "go", startAtWall });
    const done = await dones;
    clearInterval(sampler);
    clearInterval(cpuSampler);
    const wallMs = performance.now() - wall0;
    const serverCpu = cpuMs(target.pid) - serverCpu0;
    const clientCpu = workers.reduce((s, c) => s + cpuMs(c.pid), 0) - clientCpu0;
    const otherCpu = machineBusyMs() - machine0 - serverCpu - clientCpu - (cpuMs(process.pid) - selfCpu0);
    const end = procStatus(target.pid);
    peak = Math.max(peak, end?.rssKiB ?? 0);

    // Close the clients, stop the server, then check the database against what was confirmed.
    for (const child of workers) child.send({ type: "close" });
    await Promise.all(workers.map((c) => Promise.race([c.exited, sleep(10_000)])));
    await target.stop();

    const sum = (pick: (d: WorkerDone) => number) => done.reduce((s, d) => s + pick(d), 0);
    const sent = sum((d) => d.sent);
    const confirmed = sum((d) => d.confirmed);
    const warmConfirmed = sum((d) => d.warmConfirmed);
    const allConfirmed = confirmed + warmConfirmed;
    const latencies = Float64Array.from(done.flatMap((d) => d.latencies)).sort();
    const offsets = done.flatMap((d) => d.sendOffsets);
    const lats = done.flatMap((d) => d.latencies);
    const firstSend = Math.min(...done.map((d) => d.firstSendWall));
    const lastSend = Math.max(...done.map((d) => d.lastSendWall));
    const lastConfirm = Math.max(...done.map((d) => d.lastConfirmWall));
    const mean = latencies.reduce((s, v) => s + v, 0) / (latencies.length || 1);
    const later = Float64Array.from(lats.filter((_, i) => offsets[i]! >= 2000)).sort();
    const seconds = Math.ceil(options.duration);
    const perSecond = Array.from({ length: seconds }, (_, second) => {
      const inSecond = Float64Array.from(lats.filter((_, i) => Math.floor(offsets[i]! / 1000) === second)).sort();
      return { second, confirmed: inSecond.length, p50: percentile(inSecond, 0.5), p99: percentile(inSecond, 0.99), max: inSecond[inSecond.length - 1] ?? NaN };
    });
    const errors: Record<string, number> = {};
    for (const d of done) for (const [k, v] of Object.entries(d.errors)) errors[k] = (errors[k] ?? 0) + v;
    const closeCodes: Record<string, number> = {};
    for (const d of done) for (const [k, v] of Object.entries(d.closeCodes)) closeCodes[k] = (closeCodes[k] ?? 0) + v;

    let db: RunResult["db"] = null;
    if (target.dataDir) {
      const file = join(target.dataDir, "kefu.db");
      let sqlite: Database;
      try {
        sqlite = new Database(file, { readonly: true });
      } catch {
        sqlite = new Database(file);
      }
      const one = (sql: string) => (sqlite.query(sql).get() as { n: number }).n;
      const rows = one("SELECT count(*) AS n FROM messages");
      const visitorRows = one("SELECT count(*) AS n FROM messages WHERE sender = 'visitor'");
      const systemRows = one("SELECT count(*) AS n FROM messages WHERE sender = 'system'");
      const agentRows = one("SELECT count(*) AS n FROM messages WHERE sender = 'agent'");
      const conversationsCount = one("SELECT count(*) AS n FROM conversations");
      const assigned = one("SELECT count(*) AS n FROM conversations WHERE agent_id IS NOT NULL");
      let confirmedMissingFromDb = 0;
      let inDbNeverConfirmed: number | null = null;
      const ids = done.every((d) => d.confirmedIds) ? new Set(done.flatMap((d) => d.confirmedIds!)) : null;
      if (ids) {
        const stored = new Set((sqlite.query("SELECT client_id AS id FROM messages WHERE sender = 'visitor'").all() as { id: string }[]).map((r) => r.id));
        for (const id of ids) if (!stored.has(id)) confirmedMissingFromDb++;
        inDbNeverConfirmed = 0;
        for (const id of stored) if (!ids.has(id)) inDbNeverConfirmed++;
      }
      sqlite.close();
      db = {
        rows,
        visitorRows,
        systemRows,
        agentRows,
        conversations: conversationsCount,
        assigned,
        confirmedMissingFromDb,
        inDbNeverConfirmed,
        ok: rows === allConfirmed + systemRows && visitorRows === allConfirmed && confirmedMissingFromDb === 0,
      };
    }
    const serverLog = readdirSync(target.dir)
      .filter((f) => /^server-\d+\.log$/.test(f))
      .map((f) => readFileSync(join(target.dir, f), "utf8"))
      .join("\n");
    const serverErrors = serverLog.split("\n").filter((line) => / (ERROR|WARN) /.test(line));
    let profile: string | null = null;
    if (options.cpuProf) {
      const file = readdirSync(target.dir).find((f) => f.endsWith(".md"));
      if (file) profile = join(target.dir, file);
    }
    const result: RunResult = {
      target: name,
      visitorsOpen,
      agentsOpen,
      setupFailures,
      warmup: warm,
      cookieSeconds,
      connectSeconds,
      rssStartMB: target.startRss / 1024,
      rssAfterCookiesMB: (afterCookies?.rssKiB ?? NaN) / 1024,
      rssAfterRestartMB: afterRestart ? afterRestart.rssKiB / 1024 : null,
      rssIdleMB: (idle?.rssKiB ?? NaN) / 1024,
      rssIdleDeltaMB: ((idle?.rssKiB ?? NaN) - ((afterRestart ?? afterCookies)?.rssKiB ?? NaN)) / 1024,
      rssEndMB: (end?.rssKiB ?? NaN) / 1024,
      rssPeakMB: peak / 1024,
      sent,
      confirmed,
      lost: sent - confirmed + sum((d) => d.warmLost),
      refused: sum((d) => d.refused),
      duplicated: sum((d) => d.duplicated),
      misdelivered: sum((d) => d.misdelivered),
      errors,
      lostSample: done.flatMap((d) => d.lostSample).slice(0, 5),
      closedDuringRun: sum((d) => d.closedDuringRun),
      closeCodes,
      sentPerSecond: sent / ((lastSend - firstSend) / 1000 || 1),
      achievedPerSecond: confirmed / ((Math.max(lastConfirm, lastSend) - firstSend) / 1000 || 1),
      latency: {
        p50: percentile(latencies, 0.5),
        p90: percentile(latencies, 0.9),
        p99: percentile(latencies, 0.99),
        p999: percentile(latencies, 0.999),
        max: latencies[latencies.length - 1] ?? NaN,
        mean,
      },
      latencyUnstalled: (() => {
        const sorted = Float64Array.from(done.flatMap((d) => d.unstalledLatencies)).sort();
        return { count: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), p999: percentile(sorted, 0.999), max: sorted[sorted.length - 1] ?? NaN };
      })(),
      latencyAfterFirst2s: { p50: percentile(later, 0.5), p99: percentile(later, 0.99), max: later[later.length - 1] ?? NaN },
      perSecond,
      serverCpuPerSecond: cpuSeries,
      maxSendLagMs: Math.max(...done.map((d) => d.maxSendLagMs)),
      clientStalls: done.flatMap((d) => d.stalls),
      serverCpuMsPerMessage: serverCpu / (confirmed || 1),
      serverCpuPercent: (serverCpu / wallMs) * 100,
      serverIdleCpuPercent,
      otherProcessesCpuPercent: (otherCpu / wallMs) * 100,
      clientCpuPercent: (clientCpu / wallMs) * 100,
      systemSeenByVisitors: sum((d) => d.systemSeen),
      agentFrames: sum((d) => d.agentFrames),
      agentMB: sum((d) => d.agentBytes) / 1024 / 1024,
      db,
      serverErrors: serverErrors.slice(0, 10),
      profile,
    };
    printRun(result);
    if (!options.keep && !options.cpuProf) rmSync(target.dir, { recursive: true, force: true });
    else console.log(`  kept ${target.dir}`);
    return result;
  } finally {
    for (const child of workers) if (child.exitCode === null) child.kill("SIGKILL");
    await target.stop();
  }
}

// ---------------------------------------------------------------- reporting

const ms = (v: number) => (Number.isNaN(v) ? "n/a" : `${v.toFixed(2)} ms`);

function printRun(r: RunResult): void {
  const l = r.latency;
  console.log(`  sent ${r.sent} (${r.sentPerSecond.toFixed(0)} msg/s), confirmed ${r.confirmed} (${r.achievedPerSecond.toFixed(0)} msg/s), ` +
    `lost ${r.lost} (refused ${r.refused}), duplicated ${r.duplicated}, misdelivered ${r.misdelivered}, sockets closed during run ${r.closedDuringRun}`);
  console.log(`  latency send -> own confirmation: p50 ${ms(l.p50)}, p90 ${ms(l.p90)}, p99 ${ms(l.p99)}, p99.9 ${ms(l.p999)}, max ${ms(l.max)}, mean ${ms(l.mean)}`);
  const u = r.latencyUnstalled;
  console.log(`  without the ${r.confirmed - u.count} messages in flight during a load-generator stall: p50 ${ms(u.p50)}, p99 ${ms(u.p99)}, p99.9 ${ms(u.p999)}, max ${ms(u.max)}`);
  console.log(`  after the first 2 s: p50 ${ms(r.latencyAfterFirst2s.p50)}, p99 ${ms(r.latencyAfterFirst2s.p99)}, max ${ms(r.latencyAfterFirst2s.max)}`);
  console.log(`  per second (p50 / p99 / max ms): ${r.perSecond.map((s) => `${s.p50.toFixed(1)}/${s.p99.toFixed(1)}/${s.max.toFixed(0)}`).join("  ")}`);
  console.log(`  server CPU ms in each second from go: ${r.serverCpuPerSecond.join(" ")}`);
  console.log(`  RSS: start ${r.rssStartMB.toFixed(1)} MB, after the GETs ${r.rssAfterCookiesMB.toFixed(1)} MB${r.rssAfterRestartMB === null ? "" : `, restarted ${r.rssAfterRestartMB.toFixed(1)} MB`}, idle ${r.rssIdleMB.toFixed(1)} MB (+${r.rssIdleDeltaMB.toFixed(1)}), end ${r.rssEndMB.toFixed(1)} MB, peak ${r.rssPeakMB.toFixed(1)} MB`);
  console.log(`  server CPU ${r.serverCpuPercent.toFixed(0)}% of a core while sending (idle before: ${r.serverIdleCpuPercent.toFixed(1)}%) (${(r.serverCpuMsPerMessage * 1000).toFixed(0)} µs per message), load generator ${r.clientCpuPercent.toFixed(0)}%, other processes on the machine ${r.otherProcessesCpuPercent.toFixed(0)}%, max send lag ${r.maxSendLagMs.toFixed(1)} ms`);
  const bigStalls = r.clientStalls.filter((x) => x.ms >= 50);
  console.log(
    `  load generator stalls > 20 ms: ${r.clientStalls.length} (total ${r.clientStalls.reduce((t, x) => t + x.ms, 0)} ms)` +
      (bigStalls.length ? `; >= 50 ms at second ${bigStalls.map((x) => `${x.second} (${x.ms} ms)`).join(", ")}` : ""),
  );
  console.log(`  agent sockets received ${r.agentFrames} frames (${r.agentMB.toFixed(1)} MB); system messages seen by visitors ${r.systemSeenByVisitors}`);
  if (Object.keys(r.errors).length) console.log(`  error events: ${JSON.stringify(r.errors)}`);
  if (Object.keys(r.closeCodes).length) console.log(`  close codes: ${JSON.stringify(r.closeCodes)}`);
  if (r.lost) console.log(`  lost sample: ${r.lostSample.join(", ")}`);
  if (r.db) {
    const d = r.db;
    console.log(
      `  database: ${d.rows} message rows = ${d.visitorRows} visitor + ${d.systemRows} system + ${d.agentRows} agent; ` +
        `${d.conversations} conversations (${d.assigned} assigned); confirmed-but-missing ${d.confirmedMissingFromDb}, ` +
        `stored-but-unconfirmed ${d.inDbNeverConfirmed ?? "n/a"} -> ${d.ok ? `OK (rows = ${r.confirmed}${r.warmup ? ` + ${r.warmup.confirmed} warm-up` : ""} confirmed + system)` : "MISMATCH"}`,
    );
  }
  if (r.serverErrors.length) console.log(`  server log warnings/errors:\n    ${r.serverErrors.join("\n    ")}`);
  if (r.profile) console.log(`  CPU profile: ${r.profile}`);
}

function printSummary(results: RunResult[], options: Options): void {
  const kefu = results.find((r) => r.target === "kefu");
  const bare = results.find((r) => r.target === "bare");
  const row = (label: string, pick: (r: RunResult) => string) =>
    `| ${label} | ${results.map(pick).join(" | ")} |`;
  console.log(`\n## Summary: ${options.visitors} visitors, ${options.active} active, ${options.agents} agents, ${options.rate} msg/s for ${options.duration} s\n`);
  console.log(`| | ${results.map((r) => (r.target === "kefu" ? "Kefu (persisted)" : "bare Bun relay")).join(" | ")} |`);
  console.log(`|---|${results.map(() => "---").join("|")}|`);
  console.log(row("sockets connected", (r) => `${r.visitorsOpen} + ${r.agentsOpen}`));
  if (options.warmup) console.log(row("warm-up (first message each): p50 / p99", (r) => (r.warmup ? `${ms(r.warmup.p50)} / ${ms(r.warmup.p99)}` : "—")));
  console.log(row("sent / confirmed", (r) => `${r.sent} / ${r.confirmed}`));
  console.log(row("achieved msg/s", (r) => r.achievedPerSecond.toFixed(0)));
  console.log(row("lost / duplicated", (r) => `${r.lost} / ${r.duplicated}`));
  console.log(row("latency p50", (r) => ms(r.latency.p50)));
  console.log(row("latency p90", (r) => ms(r.latency.p90)));
  console.log(row("latency p99", (r) => ms(r.latency.p99)));
  console.log(row("latency p99.9", (r) => ms(r.latency.p999)));
  console.log(row("latency max", (r) => ms(r.latency.max)));
  console.log(row("p99 after the first 2 s", (r) => ms(r.latencyAfterFirst2s.p99)));
  console.log(row("p99 / max without load-generator stalls", (r) => `${ms(r.latencyUnstalled.p99)} / ${ms(r.latencyUnstalled.max)}`));
  console.log(row("server RSS at start (no socket)", (r) => `${r.rssStartMB.toFixed(1)} MB`));
  console.log(row("server RSS after the GETs (no socket)", (r) => `${r.rssAfterCookiesMB.toFixed(1)} MB`));
  if (results.some((r) => r.rssAfterRestartMB !== null)) console.log(row("server RSS restarted (no socket)", (r) => `${r.rssAfterRestartMB?.toFixed(1)} MB`));
  console.log(row("server RSS idle (all sockets)", (r) => `${r.rssIdleMB.toFixed(1)} MB`));
  console.log(row("idle RSS growth from the sockets", (r) => `+${r.rssIdleDeltaMB.toFixed(1)} MB`));
  console.log(row("server RSS end / peak", (r) => `${r.rssEndMB.toFixed(1)} / ${r.rssPeakMB.toFixed(1)} MB`));
  console.log(row("server CPU per message", (r) => `${(r.serverCpuMsPerMessage * 1000).toFixed(0)} µs`));
  console.log(row("server CPU (one core = 100%)", (r) => `${r.serverCpuPercent.toFixed(0)}%`));
  console.log(row("load generator / other processes CPU", (r) => `${r.clientCpuPercent.toFixed(0)}% / ${r.otherProcessesCpuPercent.toFixed(0)}%`));
  console.log(row("load generator stalls ≥ 50 ms (longest)", (r) => {
    const big = r.clientStalls.filter((x) => x.ms >= 50);
    return big.length ? `${big.length} (${Math.max(...big.map((x) => x.ms))} ms)` : "0";
  }));
  if (kefu?.db) console.log(row("DB rows = confirmed + system", (r) => (r.db ? (r.db.ok ? `yes (${r.db.rows})` : `NO (${r.db.rows})`) : "—")));
  if (kefu && bare) {
    const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
    console.log(`\nKefu / bare: p50 ${ratio(kefu.latency.p50, bare.latency.p50)}, p99 ${ratio(kefu.latency.p99, bare.latency.p99)}, ` +
      `idle RSS ${ratio(kefu.rssIdleMB, bare.rssIdleMB)}, CPU per message ${ratio(kefu.serverCpuMsPerMessage, bare.serverCpuMsPerMessage)}`);
  }
  if (kefu) {
    const verdict = (ok: boolean) => (ok ? "within budget" : "MISSES the budget");
    console.log(`Budget p99 < 10 ms at 1,000 msg/s with 10,000 sockets: ${ms(kefu.latency.p99)} -> ${verdict(kefu.latency.p99 < 10)}` +
      (options.visitors === 10_000 && options.rate === 1000 ? "" : " (note: not the budget's settings)"));
    console.log(`Budget 10,000 idle visitor sockets < 100 MB: ${kefu.rssIdleMB.toFixed(1)} MB with ${kefu.visitorsOpen} visitors + ${kefu.agentsOpen} agents -> ${verdict(kefu.rssIdleMB < 100)}`);
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const perWorker = Math.ceil(options.visitors / options.workers) + options.agents + 200;
  const limit = openFileLimit();
  if (limit < perWorker) {
    throw new Error(`open file limit ${limit} is below the ${perWorker} one worker needs: raise it (ulimit -n 20000) or add --workers`);
  }
  if ((10 * options.rate) / options.active > 20) {
    console.warn(`warning: ${(options.rate / options.active).toFixed(1)} msg/s per visitor exceeds Kefu's 20 per 10 s limit; expect refusals`);
  }
  const watchdog = setTimeout(() => {
    console.error(`hard stop: the run took longer than ${options.maxSeconds} s`);
    killChildren();
    process.exit(3);
  }, options.maxSeconds * 1000);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      killChildren();
      process.exit(130);
    });
  }
  const version = (await run([process.execPath, "--version"], root)).trim();
  const commit = (await run(["git", "rev-parse", "--short", "HEAD"], root).catch(() => "?")).trim();
  const dirty = (await run(["git", "status", "--porcelain", "src"], root).catch(() => "")).trim() !== "";
  console.log(
    `chat-load: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Bun ${version}, ` +
      `open files ${limit}, ${options.workers} client process(es)` +
      `, commit ${commit}${dirty ? " (src/ has uncommitted changes)" : ""}` +
      (options.fromSource ? ", Kefu from source" : `, dist/kefu built ${statSync(binary).mtime.toISOString()}`),
  );
  const tag = `b${Date.now().toString(36)}`;
  const results: RunResult[] = [];
  for (const name of options.targets) results.push(await runTarget(name, options, tag));
  printSummary(results, options);
  if (options.json) writeFileSync(options.json, JSON.stringify({ options, results }, null, 2));
  clearTimeout(watchdog);
  const failed = results.some((r) => r.lost > 0 || r.duplicated > 0 || r.misdelivered > 0 || (r.db && !r.db.ok));
  process.exit(failed ? 1 : 0);
}

if (process.argv.includes("--worker")) await workerMain();
else {
  try {
    await main();
  } catch (error) {
    killChildren();
    console.error(`chat-load: ${(error as Error).stack ?? error}`);
    process.exit(2);
  }
}
