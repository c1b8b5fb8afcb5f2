// One hostile socket against everyone else. Honest visitors chat with online agents at a steady
// rate while, phase after phase, one visitor socket and then one agent socket flood one frame
// type each (reopening the socket each time Kefu closes it, for the whole phase). Reports the
// honest visitors' send-to-confirmation latency and the server's memory above its calm level,
// per phase, as medians over the runs.
//
//   npm run build && npx bun bench/floods.ts                 # 3 runs, 5 s per phase
//   npx bun bench/floods.ts --runs 1 --phase-seconds 3
//
// The attacker is test/fixtures/flood-worker.ts in its own process; everything is on 127.0.0.1.
import { Database } from "bun:sqlite";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

const root = resolve(import.meta.dir, "..");
const attackerScript = join(root, "test/fixtures/flood-worker.ts");
const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const runs = argument("runs", 3);
const phaseMs = argument("phase-seconds", 5) * 1000;
const honestVisitors = argument("visitors", 40);
const honestRate = argument("rate", 40); // messages per second, all honest visitors together (1/s each)
const agentCount = 5;
const password = "bench-password-123";

type Phase = { name: string; side: "visitor" | "agent" | null; frames: Record<string, unknown>[] };
const phases: Phase[] = [
  { name: "no flood", side: null, frames: [] },
  ...[
    { type: "resume", after: 0 },
    { type: "read", upTo: 1 },
    { type: "typing" },
    { type: "send", clientId: "x", body: "spam" },
    { type: "faq", id: 1, clientId: "x" },
    { type: "end" },
    { type: "not-ours" },
  ].map((frame) => ({ name: `visitor ${frame.type}`, side: "visitor" as const, frames: [frame] })),
  ...[
    { type: "send", clientId: "x", body: "消".repeat(5000) },
    { type: "resume", after: 0 },
    { type: "read", upTo: 1 },
    { type: "typing" },
  ].map((frame) => ({ name: `agent ${frame.type}${frame.type === "send" ? " (15 KB)" : ""}`, side: "agent" as const, frames: [frame] })),
];

const rssMiB = (pid: number) => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN) / 1024;
const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
};
const median = (values: number[]) => percentile(values, 0.5);

async function run(command: string[], cwd: string): Promise<void> {
  const child = Bun.spawn(command, { cwd, stdout: "pipe", stderr: "pipe" });
  if ((await child.exited) !== 0) throw new Error(`${command.join(" ")}: ${await new Response(child.stderr).text()}`);
}

function cookieOf(response: Response, name: string): string {
  const line = response.headers.getSetCookie().find((header) => header.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie`);
  return line.split(";")[0]!;
}

function socket(url: string, headers: Record<string, string>, onFrame: (frame: string) => void): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers } as unknown as string[]);
  ws.onmessage = (event) => onFrame(String(event.data));
  return new Promise((done, fail) => {
    ws.onopen = () => done(ws);
    ws.onerror = () => fail(new Error(`socket ${url} failed`));
  });
}

async function oneRun(): Promise<Map<string, { p50: number; p99: number; honest: number; extraMiB: number; closed: number }>> {
  const dir = mkdtempSync(join(tmpdir(), "kefu-floods-"));
  const kefu = join(dir, "kefu");
  copyFileSync(join(root, "dist/kefu"), kefu);
  const dataDir = join(dir, "data");
  const emails = Array.from({ length: agentCount }, (_, i) => `agent${i}@example.com`);
  for (const [i, email] of emails.entries()) {
    await run([kefu, "user", "add", "--data-dir", dataDir, "--email", email, "--name", `Agent ${i}`, "--role", i === 0 ? "owner" : "agent", "--password", password], dir);
  }
  // Behind a proxy, as in production: each visitor has an address of their own (X-Forwarded-For),
  // so per-address limits see many visitors, not one.
  const server: Subprocess = Bun.spawn([kefu, "--port", "0", "--host", "127.0.0.1", "--trust-proxy", "--data-dir", dataDir], { cwd: dir, stdout: "pipe", stderr: "ignore" });
  let output = "";
  void (async () => {
    for await (const chunk of server.stdout as ReadableStream<Uint8Array>) output += new TextDecoder().decode(chunk);
  })();
  let base = "";
  while (!base) {
    await Bun.sleep(20);
    base = output.match(/http:\/\/[^\s/]+:\d+/)?.[0] ?? "";
  }
  const ws = base.replace("http", "ws");
  const results = new Map<string, { p50: number; p99: number; honest: number; extraMiB: number; closed: number }>();
  const sockets: WebSocket[] = [];
  try {
    const db = new Database(join(dataDir, "kefu.db"), { readonly: true });
    const { widgetKey } = db.query("SELECT widget_key AS widgetKey FROM businesses").get() as { widgetKey: string };
    const agentCookies = new Map<number, string>();
    for (const email of emails) {
      const login = await fetch(`${base}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
        body: new URLSearchParams({ email, password }),
      });
      const cookie = cookieOf(login, "kefu_session");
      const { id } = db.query("SELECT id FROM agents WHERE email = ?").get(email) as { id: number };
      agentCookies.set(id, cookie);
      const agent = await socket(`${ws}/ws/agent`, { cookie, origin: base }, () => {});
      agent.send(JSON.stringify({ type: "resume", after: 0 }));
      sockets.push(agent);
    }

    // Honest visitors: each confirmation (the fragment with its client id) ends one timing.
    const sentAt = new Map<string, number>();
    let latencies: number[] = [];
    const visitors: WebSocket[] = [];
    let attackerCookie = "";
    for (let i = 0; i <= honestVisitors; i++) {
      const address = { "x-forwarded-for": `10.1.${i >> 8}.${i & 255}` };
      const cookie = cookieOf(await fetch(`${base}/chat/${widgetKey}`, { headers: address }), "kefu_visitor");
      if (i === honestVisitors) {
        attackerCookie = cookie;
        break;
      }
      const visitor = await socket(`${ws}/chat/${widgetKey}/ws`, { cookie, origin: base, ...address }, (frame) => {
        const match = /id="message-([0-9a-f-]{36})"/.exec(frame);
        const at = match && sentAt.get(match[1]!);
        if (at) {
          latencies.push(performance.now() - at);
          sentAt.delete(match![1]!);
        }
      });
      visitor.send(JSON.stringify({ type: "resume", after: 0 }));
      visitors.push(visitor);
      sockets.push(visitor);
    }
    const send = (visitor: WebSocket) => {
      const clientId = crypto.randomUUID();
      sentAt.set(clientId, performance.now());
      visitor.send(JSON.stringify({ type: "send", clientId, body: "Is my parcel on its way?" }));
    };
    for (const visitor of visitors) send(visitor);
    await Bun.sleep(1000);
    // The attacking agent floods the conversation of one honest visitor that is theirs.
    const assigned = db.query("SELECT id, agent_id AS agentId FROM conversations WHERE agent_id IS NOT NULL LIMIT 1").get() as { id: number; agentId: number };
    db.close();
    const honest = setInterval(() => send(visitors[Math.floor(Math.random() * visitors.length)]!), 1000 / honestRate);

    for (const phase of phases) {
      latencies = [];
      sentAt.clear();
      await Bun.sleep(500);
      const calm = rssMiB(server.pid);
      latencies = [];
      let peak = calm;
      const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(server.pid))), 50);
      let closed = 0;
      if (phase.side) {
        const [path, cookie] = phase.side === "visitor" ? [`/chat/${widgetKey}/ws`, attackerCookie] : [`/ws/agent?conversation=${assigned.id}`, agentCookies.get(assigned.agentId)!];
        const headers = { cookie, origin: base, "x-forwarded-for": "10.9.9.9" };
        const attacker = Bun.spawn([process.execPath, attackerScript, `${ws}${path}`, JSON.stringify(headers), JSON.stringify(phase.frames), "1000000", String(phaseMs)], { stdout: "pipe" });
        const outcome = JSON.parse(await new Response(attacker.stdout).text()) as { codes: Record<string, number> };
        closed = outcome.codes["4429"] ?? 0;
      } else await Bun.sleep(phaseMs);
      clearInterval(sampler);
      results.set(phase.name, { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), honest: latencies.length, extraMiB: peak - calm, closed });
    }
    clearInterval(honest);
  } finally {
    for (const open of sockets) open.close();
    server.kill("SIGTERM");
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

const all: Awaited<ReturnType<typeof oneRun>>[] = [];
for (let i = 0; i < runs; i++) all.push(await oneRun());
console.log(`## Floods (bench/floods.ts, ${new Date().toISOString().slice(0, 10)})\n`);
console.log(`${honestVisitors} honest visitors sending ${honestRate} msg/s in all to ${agentCount} online agents; each phase ${phaseMs / 1000} s; medians of ${runs} run(s).\n`);
console.log("| flood | honest messages | p50 ms | p99 ms | server memory above calm | attacker sockets closed (4429) |");
console.log("|---|---:|---:|---:|---:|---:|");
for (const phase of phases) {
  const of = (pick: (r: { p50: number; p99: number; honest: number; extraMiB: number; closed: number }) => number) => median(all.map((r) => pick(r.get(phase.name)!)));
  console.log(`| ${phase.name} | ${of((r) => r.honest)} | ${of((r) => r.p50).toFixed(1)} | ${of((r) => r.p99).toFixed(1)} | ${of((r) => r.extraMiB).toFixed(1)} MB | ${of((r) => r.closed)} |`);
}
