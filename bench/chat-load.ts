// Persisted chat in both directions under load, Kefu side by side with two peers in the same run:
// a Bun relay writing one SQLite row per message (bench/sqlite-relay.ts) and one publishing
// straight back (bench/bare-relay.ts). Every visitor gets their page (GET /chat/<key>, from an
// address of their own: Kefu runs with --trust-proxy) and a socket; every agent signs in and holds
// ONE socket to /ws/agent that follows all their conversations. The active visitors' first
// messages open and assign the conversations (the warm-up); then visitors send half the rate and
// their agents answer each message, naming the conversation, for the other half. Four legs are
// timed from the send time written in each client id: the visitor's own confirmation, delivery to
// the agent, delivery of the answer to the visitor, the agent's own confirmation. At the end the
// database must hold exactly the acknowledged messages.
//
//   npm run build && ulimit -n 20000
//   npx bun bench/chat-load.ts                     # 10,000 visitors + 100 agents, 1,000 active, 1,000 msg/s, 60 s
//   npx bun bench/chat-load.ts --repeat 3          # kefu, sqlite, bare, kefu, ...: medians of 3 as a markdown table
//   npx bun bench/chat-load.ts --ladder            # raise the rate until p99 > 100 ms or a loss, per target
//   npx bun bench/chat-load.ts --kill9 5           # kill -9 Kefu during the run, 5 times; acknowledged-but-missing
//   npx bun bench/chat-load.ts --restart-before-connect --duration 5   # idle memory of the sockets alone
//   npx bun bench/chat-load.ts --visitors 500 --active 50 --agents 5 --rate 100 --duration 5 --quiet-wait 0   # a small try
//   npx bun bench/chat-load.ts --target kefu --processes 2      # two Kefu processes on one data dir and a Redis
//
// Options (defaults in brackets):
//   --target LIST [kefu,sqlite,bare]  which servers, in this order (all = the three; --kill9: kefu only)
//   --visitors N [10000]   visitors with a page and a socket
//   --active N [1000]      how many of them chat (each opens a conversation, served by one agent)
//   --agents N [100]       agents, each signed in with one /ws/agent socket
//   --per-agent N          conversations per agent Kefu allows [active / agents, at least 5]
//   --rate R [1000]        messages a second in all: visitors send R/2, their agents answer each one
//   --duration S [60]      seconds of steady chat (the figures leave out its first second)
//   --repeat N [1]         run each target N times, interleaved, and print medians
//   --ladder               raise the rate step by step (--ladder-rates, each --step-seconds [12]) until
//                          a p99 passes --ladder-limit-ms [100] or anything is lost, per target;
//                          conversations = rate / 2 (about 1 msg/s each), agents = conversations / 10
//   --processes N [1]      Kefu only: N processes on one data dir with --redis-url, started one after
//                          the other; visitor v's page and socket go to process v % N, agent a's to
//                          a % N, so (N-1)/N of deliveries cross processes (reported apart); CPU and
//                          RSS are summed over the processes
//   --redis-url URL        the Redis the processes share [a redis-server the run starts: test/redis-server.ts]
//   --kill9 N              during steady chat, kill -9 the server at a random moment, restart it on
//                          its data, count acknowledged messages whose row is missing; N rounds
//   --console-lists        agents also `resume` like a console page (lists, unread total, alerts)
//   --workers N [1]        client processes holding the sockets (each needs ~N/workers fds)
//   --concurrency N [200]  GETs / socket opens in flight at once (split over the workers)
//   --settle S [5]         seconds with every socket connected before the idle RSS is read
//   --drain S [10]         seconds after the last send to wait for confirmations ("lost" after)
//   --body-bytes N [0]     pad each message body to about N bytes (0: a short sentence)
//   --restart-before-connect  restart the server (same port and data) after the pages and before
//                          the sockets, so the idle RSS counts the sockets, not the page renders
//   --quiet-wait S [180]   before the warm-up, wait up to S s for other processes to use < 15% of
//                          a core (0: don't wait); each run shows what they used
//   --idle-timeout S [30]  the relays' WebSocket idleTimeout (Kefu's is 30 s)
//   --from-source          run `bun src/main.ts` instead of dist/kefu (needed for --cpu-prof)
//   --cpu-prof             with --from-source: write a CPU profile (markdown) of the server, kept
//   --json FILE            also write every figure as JSON
//   --keep                 keep the temp dirs (databases, server logs)
//   --max-seconds S [3600, --ladder 10800]  hard stop for the whole command: every child process is killed
//
// Everything goes to 127.0.0.1 only. Needs `ulimit -n` above visitors/workers + agents + a few hundred.
import { statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { type Options, parseOptions } from "./load/options";
import { killChildren, openFileLimit, run, sleep } from "./load/processes";
import { clean, held, type KillRound, type LadderStep, printKillRounds, printLadder, printRun, printSummary, type RunResult } from "./load/report";
import { Session, type SessionOptions } from "./load/session";
import { targetTitles, type TargetName } from "./load/targets";
import { workerMain } from "./load/worker";

const root = resolve(import.meta.dir, "..");

interface Shape {
  visitors: number;
  active: number;
  agents: number;
  rate: number;
  seconds: number;
}

function sessionOptions(options: Options, shape: Shape): SessionOptions {
  return { ...options, visitors: shape.visitors, agents: shape.agents, perAgent: options.perAgent ?? Math.ceil(shape.active / shape.agents) };
}

/** One target, fresh: pages, sockets, idle memory, warm-up, steady chat, database check. */
async function runOnce(name: TargetName, options: Options, shape: Shape, label = ""): Promise<RunResult> {
  console.log(
    `\n== ${targetTitles[name]}${name === "kefu" && options.processes > 1 ? ` (${options.processes} processes)` : ""}${label}: ${shape.visitors} visitors (${shape.active} active), ${shape.agents} agents, ${shape.rate} msg/s for ${shape.seconds} s`,
  );
  const session = await Session.open(name, sessionOptions(options, shape));
  try {
    await session.waitForQuiet();
    const warmup = await session.warmup(shape.active, shape.rate / 2);
    await sleep(1000);
    const steady = await session.steady(shape.active, shape.rate, shape.seconds);
    const end = await session.close();
    const result: RunResult = { target: name, ...shape, setup: session.setup, warmup, steady, ...end };
    printRun(result);
    return result;
  } catch (error) {
    await session.abandon();
    throw error;
  }
}

async function repeated(options: Options): Promise<RunResult[]> {
  const shape = { visitors: options.visitors, active: options.active, agents: options.agents, rate: options.rate, seconds: options.duration };
  const results: RunResult[] = [];
  for (let round = 1; round <= options.repeat; round++) {
    for (const name of options.targets) results.push(await runOnce(name, options, shape, options.repeat > 1 ? ` (run ${round} of ${options.repeat})` : ""));
  }
  printSummary(results);
  return results;
}

/** Each step a fresh server per target still climbing, the targets interleaved. */
async function ladder(options: Options): Promise<LadderStep[]> {
  const steps: LadderStep[] = [];
  const climbing = new Set(options.targets);
  for (const rate of options.ladderRates) {
    if (!climbing.size) break;
    const active = Math.max(1, Math.round(rate / 2));
    const shape = { visitors: Math.max(options.visitors, active), active, agents: Math.max(1, Math.ceil(active / 10)), rate, seconds: options.stepSeconds };
    const step: LadderStep = { rate, runs: {} };
    steps.push(step);
    for (const name of options.targets.filter((t) => climbing.has(t))) {
      const result = await runOnce(name, options, shape, ` ladder step ${rate.toLocaleString("en")} msg/s`);
      step.runs[name] = result;
      if (!held(result, options.ladderLimitMs)) climbing.delete(name);
    }
  }
  printLadder(steps, options.targets, options.ladderLimitMs);
  return steps;
}

/** Kefu once, warm-up once, then N rounds of steady chat each ended by kill -9, restart and a database check. */
async function killRounds(options: Options): Promise<KillRound[]> {
  const shape = { visitors: options.visitors, active: options.active, agents: options.agents, rate: options.rate, seconds: options.duration };
  console.log(`\n== Kefu kill -9: ${shape.visitors} visitors (${shape.active} active), ${shape.agents} agents, ${shape.rate} msg/s, ${options.kill9} rounds of up to ${shape.seconds} s`);
  const session = await Session.open("kefu", sessionOptions(options, shape));
  const rounds: KillRound[] = [];
  try {
    await session.waitForQuiet();
    const warmup = await session.warmup(shape.active, shape.rate / 2);
    console.log(`  warm-up: ${warmup.counts.visitorAcked}/${warmup.counts.visitorSent} first messages confirmed, ${warmup.counts.toAgent} reached an agent`);
    for (let round = 1; round <= options.kill9; round++) {
      await sleep(1000);
      const killAtMs = 1000 + Math.random() * Math.max(0, shape.seconds * 1000 - 2000);
      const phase = await session.steady(shape.active, shape.rate, shape.seconds, killAtMs);
      const check = session.checkDatabase()!;
      rounds.push({ round, killedAtSeconds: killAtMs / 1000, restartMs: session.lastRestartMs, check });
      console.log(
        `  round ${round}: killed at ${(killAtMs / 1000).toFixed(2)} s after ${phase.counts.visitorAcked} + ${phase.counts.agentAcked} confirmations; restarted in ${session.lastRestartMs.toFixed(0)} ms; ` +
          `acknowledged so far ${check.acknowledged}, missing ${check.acknowledgedMissing}, stored but not acknowledged ${check.storedUnacknowledged}`,
      );
      console.log(
        `    in flight at the kill (sent, never confirmed): ${phase.lost.visitorAck} visitor + ${phase.lost.agentAck} agent messages; ` +
          `errors: visitors ${JSON.stringify(phase.errors.visitor)}, agents ${JSON.stringify(phase.errors.agent)}`,
      );
      const ready = await session.reconnect();
      console.log(`  reconnected ${ready.reduce((s, r) => s + r.visitorsOpen, 0)} visitors and ${ready.reduce((s, r) => s + r.agentsOpen, 0)} agents`);
    }
    const end = await session.close();
    printKillRounds(rounds, end.database);
  } catch (error) {
    await session.abandon();
    throw error;
  }
  return rounds;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const largest = options.ladder ? Math.max(options.visitors, ...options.ladderRates.map((r) => r / 2)) : options.visitors;
  const agents = options.ladder ? Math.ceil(Math.max(...options.ladderRates) / 20) : options.agents;
  const perWorker = Math.ceil(largest / options.workers) + agents + 200;
  const limit = openFileLimit();
  if (limit < perWorker) throw new Error(`open file limit ${limit} is below the ${perWorker} one client process needs: raise it (ulimit -n 20000) or add --workers`);
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
  const binary = join(root, "dist/kefu");
  console.log(
    `chat-load: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Bun ${version}, open files ${limit}, ` +
      `${options.workers} client process(es), commit ${commit}${dirty ? " (src/ has uncommitted changes)" : ""}` +
      (options.targets.includes("kefu") ? (options.fromSource ? ", Kefu from source" : `, dist/kefu built ${statSync(binary).mtime.toISOString()}`) : ""),
  );
  let output: unknown;
  let ok: boolean;
  if (options.kill9) {
    const rounds = await killRounds(options);
    output = rounds;
    ok = rounds.every((r) => r.check.acknowledgedMissing === 0);
  } else if (options.ladder) {
    const steps = await ladder(options);
    output = steps;
    ok = steps.length > 0;
  } else {
    const results = await repeated(options);
    output = results;
    ok = results.every(clean);
  }
  if (options.json) writeFileSync(options.json, JSON.stringify({ options, output }, null, 2));
  clearTimeout(watchdog);
  process.exit(ok ? 0 : 1);
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
