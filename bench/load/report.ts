// What bench/chat-load.ts prints: each run as it ends, then markdown tables ready for
// BENCHMARKS.md (medians over repeated runs, the ladder, the kill -9 rounds) with the ratios
// between Kefu and its peers and the issue's budgets.
import type { DatabaseCheck, PhaseResult, Quantiles, SetupResult } from "./session";
import { targetTitles, type TargetName } from "./targets";
import { crossLegs, legs, type Leg } from "./worker";

export interface RunResult {
  target: TargetName;
  visitors: number;
  active: number;
  agents: number;
  rate: number;
  seconds: number;
  setup: SetupResult;
  warmup: PhaseResult;
  steady: PhaseResult;
  rssEndMB: number;
  rssPeakMB: number;
  database: DatabaseCheck | null;
  serverErrors: string[];
}

export interface KillRound {
  round: number;
  killedAtSeconds: number;
  restartMs: number;
  check: DatabaseCheck;
}

export const legTitles: Record<Leg, string> = {
  visitorAck: "visitor send -> own confirmation",
  toAgent: "visitor -> agent",
  toVisitor: "agent -> visitor",
  agentAck: "agent send -> own confirmation",
};

const ms = (v: number) => (Number.isNaN(v) ? "n/a" : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const counts = (record: Record<string, number>) => (Object.keys(record).length ? JSON.stringify(record) : "none");

export function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (!sorted.length) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The slowest leg's p99 (or max) in a phase: what "p99" means for the budgets and the ladder. */
export const worst = (phase: PhaseResult, pick: keyof Quantiles = "p99") => Math.max(...legs.map((leg) => phase.steady[leg][pick]).filter((v) => !Number.isNaN(v)), 0);

export const lostTotal = (phase: PhaseResult) => legs.reduce((s, leg) => s + phase.lost[leg], 0);

/** Every check of correctness a run makes: nothing lost, doubled or misdelivered, rows = acknowledged. */
export function clean(run: RunResult): boolean {
  const db = run.database;
  return (
    lostTotal(run.warmup) + lostTotal(run.steady) + run.steady.doubled + run.steady.misdelivered + run.warmup.doubled + run.warmup.misdelivered === 0 &&
    (db === null || (db.acknowledgedMissing === 0 && db.storedUnacknowledged === 0))
  );
}

function printPhaseLines(p: PhaseResult): void {
  const c = p.counts;
  console.log(
    `  sent ${c.visitorSent} + ${c.agentSent} answers, confirmed ${c.visitorAcked} + ${c.agentAcked}, refused ${c.visitorRefused} + ${c.agentRefused}, ` +
      `delivered to agents ${c.toAgent}, to visitors ${c.toVisitor}, in ${p.seconds.toFixed(1)} s`,
  );
  console.log(`  after the first second, p50 / p95 / p99 / max ms (count):`);
  for (const leg of legs) {
    const q = p.steady[leg];
    console.log(`    ${legTitles[leg].padEnd(34)} ${ms(q.p50)} / ${ms(q.p95)} / ${ms(q.p99)} / ${ms(q.max)}  (${q.count})`);
  }
  const cross = p.crossProcess;
  if (cross.toAgent.count + cross.toVisitor.count > 0) {
    const share = (cross.toAgent.count + cross.toVisitor.count) / (p.steady.toAgent.count + p.steady.toVisitor.count || 1);
    console.log(
      `  from one process to another (${(share * 100).toFixed(0)}% of deliveries): visitor -> agent ${ms(cross.toAgent.p50)} / ${ms(cross.toAgent.p95)} / ${ms(cross.toAgent.p99)} / ${ms(cross.toAgent.max)}, ` +
        `agent -> visitor ${ms(cross.toVisitor.p50)} / ${ms(cross.toVisitor.p95)} / ${ms(cross.toVisitor.p99)} / ${ms(cross.toVisitor.max)}`,
    );
  }
  console.log(`  worst leg's p99 in each second: ${p.worstP99PerSecond.map(ms).join(" ")}`);
  console.log(
    `  lost: visitor confirmations ${p.lost.visitorAck}, to agents ${p.lost.toAgent}, to visitors ${p.lost.toVisitor}, agent confirmations ${p.lost.agentAck}; ` +
      `doubled ${p.doubled}; misdelivered ${p.misdelivered}; visitor messages with no conversation to answer in ${p.unanswerable}` +
      (p.lostSample.length ? `; e.g. ${p.lostSample.join(", ")}` : ""),
  );
  console.log(`  error events on visitor sockets: ${counts(p.errors.visitor)}; on agent sockets: ${counts(p.errors.agent)}`);
  console.log(
    `  agent sockets received ${p.frames.agent} frames (${(p.frames.agentBytes / 1024 / 1024).toFixed(1)} MB), ${(p.frames.agent / (p.persisted || 1)).toFixed(2)} per confirmed message; ` +
      `frames without one of our messages: agents ${counts(p.otherFrames.agent)}, visitors ${counts(p.otherFrames.visitor)}`,
  );
  if (Object.keys(p.closeCodes).length) console.log(`  sockets closed: ${counts(p.closeCodes)}`);
  const big = p.stalls.filter(([, stall]) => stall >= 50);
  console.log(
    `  server CPU ${p.serverCpuPercent.toFixed(0)}% of a core, ${p.cpuUsPerMessage.toFixed(0)} µs per confirmed message (${p.persisted}); ` +
      `load generator ${p.clientCpuPercent.toFixed(0)}%, other processes ${p.otherCpuPercent.toFixed(0)}%; max send lag ${p.maxSendLagMs.toFixed(1)} ms; ` +
      `load generator stalls > 20 ms: ${p.stalls.length}${big.length ? ` (${big.length} of 50 ms or more, the longest ${Math.max(...big.map(([, m]) => m))} ms)` : ""}`,
  );
  if (p.clientCpuPercent > 80) console.log(`  warning: the load generator used ${p.clientCpuPercent.toFixed(0)}% of a core: its own queueing is in these latencies (try --workers 2)`);
}

export function printRun(r: RunResult): void {
  const w = r.warmup;
  console.log(
    `  warm-up: ${w.counts.visitorSent} first messages, ${w.counts.visitorAcked} confirmed (refused ${w.counts.visitorRefused}), ${w.counts.toAgent} reached an agent, in ${w.seconds.toFixed(1)} s; ` +
      `confirmation p50 ${ms(w.all.visitorAck.p50)} / p99 ${ms(w.all.visitorAck.p99)} / max ${ms(w.all.visitorAck.max)} ms, ` +
      `to the agent p50 ${ms(w.all.toAgent.p50)} / p99 ${ms(w.all.toAgent.p99)} ms; server CPU ${w.cpuUsPerMessage.toFixed(0)} µs per first message`,
  );
  if (lostTotal(w) || Object.keys(w.errors.visitor).length || Object.keys(w.errors.agent).length) {
    console.log(`  warm-up lost ${JSON.stringify(w.lost)}; errors: visitors ${counts(w.errors.visitor)}, agents ${counts(w.errors.agent)}`);
  }
  console.log(`  steady chat, ${r.rate} msg/s asked (${r.rate / 2} from visitors + their agents' answers) for ${r.seconds} s:`);
  printPhaseLines(r.steady);
  const s = r.setup;
  console.log(
    `  RSS: start ${s.rssStartMB.toFixed(1)} MB, after the pages ${s.rssAfterPagesMB.toFixed(1)} MB` +
      (s.rssRestartedMB === null ? "" : `, restarted ${s.rssRestartedMB.toFixed(1)} MB`) +
      `, idle with ${s.visitorsOpen} + ${s.agentsOpen} sockets ${s.rssIdleMB.toFixed(1)} MB, end ${r.rssEndMB.toFixed(1)} MB, peak ${r.rssPeakMB.toFixed(1)} MB`,
  );
  if (r.database) {
    const d = r.database;
    console.log(
      `  database: ${d.rows} visitor and agent rows, ${d.acknowledged} acknowledged; acknowledged-but-missing ${d.acknowledgedMissing}, ` +
        `stored-but-unacknowledged ${d.storedUnacknowledged} -> ${d.acknowledgedMissing === 0 && d.storedUnacknowledged === 0 ? "OK, rows = acknowledged" : "MISMATCH"}` +
        ` (and ${d.systemRows} system rows)${d.missingSample.length ? `; missing e.g. ${d.missingSample.join(", ")}` : ""}`,
    );
  }
  if (r.serverErrors.length) console.log(`  server log warnings/errors:\n    ${r.serverErrors.join("\n    ")}`);
}

/** Medians of repeated runs per target, side by side, with the ratios to Kefu. */
export function printSummary(results: RunResult[]): void {
  const targets = [...new Set(results.map((r) => r.target))];
  const of = (target: TargetName) => results.filter((r) => r.target === target);
  const med = (target: TargetName, pick: (r: RunResult) => number) => median(of(target).map(pick));
  const first = results[0]!;
  const runs = Math.max(...targets.map((t) => of(t).length));
  console.log(
    `\n## ${first.visitors.toLocaleString("en")} visitors + ${first.agents} agents, ${first.active.toLocaleString("en")} active conversations, ` +
      `${first.rate.toLocaleString("en")} msg/s both directions for ${first.seconds} s${runs > 1 ? `: medians of ${runs} runs` : ""}\n`,
  );
  console.log(`| | ${targets.map((t) => targetTitles[t]).join(" | ")} |`);
  console.log(`|---|${targets.map(() => "---:").join("|")}|`);
  const row = (label: string, cell: (t: TargetName) => string) => console.log(`| ${label} | ${targets.map(cell).join(" | ")} |`);
  for (const leg of legs) {
    row(`${legTitles[leg]}: p50 / p95 / p99 / max ms`, (t) =>
      (["p50", "p95", "p99", "max"] as const).map((q) => ms(med(t, (r) => r.steady.steady[leg][q]))).join(" / "),
    );
  }
  if (results.some((r) => r.steady.crossProcess.toAgent.count > 0)) {
    for (const leg of crossLegs) {
      row(`${legTitles[leg]}, from one process to another: p50 / p99 ms`, (t) => `${ms(med(t, (r) => r.steady.crossProcess[leg].p50))} / ${ms(med(t, (r) => r.steady.crossProcess[leg].p99))}`);
    }
  }
  row("confirmed msg/s (both sides)", (t) => med(t, (r) => r.steady.persisted / r.seconds).toFixed(0));
  row("lost / doubled / misdelivered", (t) => `${med(t, (r) => lostTotal(r.steady) + lostTotal(r.warmup))} / ${med(t, (r) => r.steady.doubled)} / ${med(t, (r) => r.steady.misdelivered)}`);
  row("refused (visitor + agent)", (t) => `${med(t, (r) => r.steady.counts.visitorRefused)} + ${med(t, (r) => r.steady.counts.agentRefused)}`);
  row("rows = acknowledged", (t) => (of(t)[0]!.database ? of(t).map((r) => (r.database!.acknowledgedMissing === 0 && r.database!.storedUnacknowledged === 0 ? "yes" : "NO")).join(", ") : "—"));
  row("server CPU per steady message", (t) => `${med(t, (r) => r.steady.cpuUsPerMessage).toFixed(0)} µs`);
  row("server CPU per first message (warm-up)", (t) => `${med(t, (r) => r.warmup.cpuUsPerMessage).toFixed(0)} µs`);
  row("first message: confirmation p50 / p99 ms", (t) => `${ms(med(t, (r) => r.warmup.all.visitorAck.p50))} / ${ms(med(t, (r) => r.warmup.all.visitorAck.p99))}`);
  row("server CPU while chatting (one core = 100%)", (t) => `${med(t, (r) => r.steady.serverCpuPercent).toFixed(0)}%`);
  if (results.some((r) => r.setup.rssRestartedMB !== null)) row("server RSS restarted after the pages (no socket)", (t) => `${med(t, (r) => r.setup.rssRestartedMB ?? NaN).toFixed(1)} MB`);
  row("server RSS idle, all sockets", (t) => `${med(t, (r) => r.setup.rssIdleMB).toFixed(1)} MB`);
  row("server RSS peak", (t) => `${med(t, (r) => r.rssPeakMB).toFixed(1)} MB`);
  row("agent frames per confirmed message", (t) => med(t, (r) => r.steady.frames.agent / (r.steady.persisted || 1)).toFixed(2));
  row("load generator / other processes CPU", (t) => `${med(t, (r) => r.steady.clientCpuPercent).toFixed(0)}% / ${med(t, (r) => r.steady.otherCpuPercent).toFixed(0)}%`);
  if (targets.includes("kefu")) {
    const kefu = (pick: (r: RunResult) => number) => med("kefu", pick);
    for (const peer of targets.filter((t) => t !== "kefu")) {
      const ratio = (pick: (r: RunResult) => number) => `${(kefu(pick) / med(peer, pick)).toFixed(1)}×`;
      console.log(
        `\nKefu / ${targetTitles[peer]}: worst-leg p99 ${ratio((r) => worst(r.steady))}, CPU per steady message ${ratio((r) => r.steady.cpuUsPerMessage)}, ` +
          `per first message ${ratio((r) => r.warmup.cpuUsPerMessage)}, idle RSS ${ratio((r) => r.setup.rssIdleMB)}`,
      );
    }
    const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
    const p99 = kefu((r) => worst(r.steady));
    const budget = first.visitors === 10_000 && first.rate === 1000 ? "" : " (not the budget's settings)";
    console.log(`\nBudgets (Kefu, medians)${budget}:`);
    console.log(`- p99 < 10 ms after the first second, every leg: ${ms(p99)} ms -> ${verdict(p99 < 10)}`);
    console.log(`- 0 lost, 0 doubled, rows = acknowledged: ${of("kefu").every(clean) ? "every run -> met" : "not in every run -> MISSED"}`);
    const cpu = kefu((r) => r.steady.cpuUsPerMessage);
    const firstCpu = kefu((r) => r.warmup.cpuUsPerMessage);
    console.log(`- server CPU per steady message < 150 µs: ${cpu.toFixed(0)} µs -> ${verdict(cpu < 150)}; first message < 1 ms: ${firstCpu.toFixed(0)} µs -> ${verdict(firstCpu < 1000)}`);
    const idle = kefu((r) => r.setup.rssIdleMB);
    console.log(`- idle RSS with 10,000 visitor sockets + 100 agents < 100 MB: ${idle.toFixed(1)} MB -> ${verdict(idle < 100)}`);
  }
}

export interface LadderStep {
  rate: number;
  runs: Partial<Record<TargetName, RunResult>>;
}

/** Whether a ladder step held: every leg's p99 at most `limitMs`, and nothing lost or wrong. */
export const held = (run: RunResult, limitMs: number) => worst(run.steady) <= limitMs && clean(run);

export function printLadder(steps: LadderStep[], targets: TargetName[], limitMs: number): void {
  console.log(`\n## Ladder: the total rate raised step by step until a p99 passes ${limitMs} ms or anything is lost\n`);
  console.log(`| msg/s (conversations, agents) | ${targets.map((t) => `${targetTitles[t]}: worst p99 ms, lost, CPU µs/msg, other processes' CPU`).join(" | ")} |`);
  console.log(`|---|${targets.map(() => "---").join("|")}|`);
  for (const step of steps) {
    const any = Object.values(step.runs)[0];
    const cells = targets.map((t) => {
      const run = step.runs[t];
      if (!run) return "—";
      const lost = lostTotal(run.steady) + lostTotal(run.warmup) + run.steady.doubled + run.steady.misdelivered;
      return `${ms(worst(run.steady))}, ${lost}, ${run.steady.cpuUsPerMessage.toFixed(0)}, ${run.steady.otherCpuPercent.toFixed(0)}%${held(run, limitMs) ? "" : " **failed**"}`;
    });
    console.log(`| ${step.rate.toLocaleString("en")} (${any?.active.toLocaleString("en")}, ${any?.agents}) | ${cells.join(" | ")} |`);
  }
  const highest = (t: TargetName) => Math.max(0, ...steps.filter((s) => s.runs[t] && held(s.runs[t]!, limitMs)).map((s) => s.rate));
  console.log(`\n(Other processes' CPU: what the rest of the machine used during the step, 100% = one core; a failure under load is worth a rerun.)`);
  console.log(`Highest rate that held: ${targets.map((t) => `${targetTitles[t]} ${highest(t).toLocaleString("en")} msg/s`).join(", ")}`);
  if (targets.includes("kefu") && targets.includes("sqlite") && highest("sqlite") > 0) {
    console.log(`Kefu / SQLite relay: ${(highest("kefu") / highest("sqlite")).toFixed(2)} (goal: at least 1); Kefu's budget: at least 10,000 msg/s -> ${highest("kefu") >= 10_000 ? "met" : "MISSED"}`);
  }
}

export function printKillRounds(rounds: KillRound[], final: DatabaseCheck | null): void {
  console.log(`\n## kill -9 of Kefu during steady chat: ${rounds.length} rounds\n`);
  console.log("| round | killed at | restart to listening | acknowledged so far | acknowledged but missing | stored, never acknowledged |");
  console.log("|---:|---:|---:|---:|---:|---:|");
  for (const r of rounds) {
    console.log(`| ${r.round} | ${r.killedAtSeconds.toFixed(2)} s | ${r.restartMs.toFixed(0)} ms | ${r.check.acknowledged} | ${r.check.acknowledgedMissing} | ${r.check.storedUnacknowledged} |`);
  }
  const missing = rounds.reduce((s, r) => s + r.check.acknowledgedMissing, 0) + (final?.acknowledgedMissing ?? 0);
  if (final) console.log(`\nAfter a clean stop: ${final.rows} rows, ${final.acknowledged} acknowledged, acknowledged but missing ${final.acknowledgedMissing}.`);
  console.log(`Budget: acknowledged-but-missing 0 -> ${missing === 0 ? "met" : "MISSED"}`);
}
