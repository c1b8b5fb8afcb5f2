// One target under load: the server, its client processes and what they measured. A session
// starts the server, serves every visitor their page, connects all the sockets and reads the idle
// memory; then phases follow (the warm-up that opens the conversations, steady chat, kill -9
// rounds), each summed over the clients; at the end it stops the server and compares the stored
// messages with the acknowledged ones.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Histogram, type HistogramData } from "./histogram";
import { Channel, cpuMs, machineBusyMs, rssKiB, sleep, track, wallNow } from "./processes";
import type { Options } from "./options";
import { locale, storedClientIds, startTarget, type Target, type TargetName } from "./targets";
import { type Command, crossLegs, type CrossLeg, legs, type Leg, type PhaseReport, type Progress, type Ready, type WorkerSetup } from "./worker";

export type SessionOptions = Pick<
  Options,
  "workers" | "processes" | "redisUrl" | "concurrency" | "settle" | "drain" | "bodyBytes" | "consoleLists" | "restartBeforeConnect" | "quietWait" | "fromSource" | "cpuProf" | "idleTimeout" | "keep"
> & {
  visitors: number;
  agents: number;
  /** Conversations each agent may hold (Kefu's per-agent limit is raised to it). */
  perAgent: number;
};

export interface Quantiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface PhaseResult extends Pick<PhaseReport, "unanswerable" | "errors" | "otherFrames" | "frames" | "closeCodes" | "maxSendLagMs" | "stalls"> {
  /** Total rate asked for (visitors' messages and agents' answers), and what was sent and confirmed. */
  rate: number;
  seconds: number;
  counts: Omit<Progress, "type">;
  /** Per leg, messages sent after the phase's first second; and all of them. */
  steady: Record<Leg, Quantiles>;
  /** With several processes: the deliveries from one process to another, after the first second. */
  crossProcess: Record<CrossLeg, Quantiles>;
  all: Record<Leg, Quantiles>;
  worstP99PerSecond: number[];
  lost: Record<Leg, number>;
  lostSample: string[];
  doubled: number;
  misdelivered: number;
  /** Confirmed messages (both sides): for Kefu and the SQLite relay, rows written. */
  persisted: number;
  serverCpuMs: number;
  cpuUsPerMessage: number;
  serverCpuPercent: number;
  clientCpuPercent: number;
  otherCpuPercent: number;
}

export interface SetupResult {
  target: TargetName;
  visitorsOpen: number;
  agentsOpen: number;
  failures: string[];
  cookieSeconds: number;
  connectSeconds: number;
  rssStartMB: number;
  rssAfterPagesMB: number;
  rssRestartedMB: number | null;
  rssIdleMB: number;
  serverIdleCpuPercent: number;
}

export interface DatabaseCheck {
  /** Visitors' and agents' messages stored, and acknowledged to a client. */
  rows: number;
  acknowledged: number;
  acknowledgedMissing: number;
  storedUnacknowledged: number;
  systemRows: number;
  missingSample: string[];
}

const root = new URL("../chat-load.ts", import.meta.url).pathname;

export function quantiles(histogram: Histogram): Quantiles {
  return { count: histogram.count, p50: histogram.quantile(0.5), p95: histogram.quantile(0.95), p99: histogram.quantile(0.99), max: histogram.max };
}

function sumCounts(records: Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const record of records) for (const [key, value] of Object.entries(record)) total[key] = (total[key] ?? 0) + value;
  return total;
}

export class Session {
  private readonly workers: Subprocess[] = [];
  private readonly channels: Channel[] = [];
  /** Every id acknowledged to a client so far, and every id the other side received. */
  private readonly acknowledged = new Set<string>();
  private readonly received = new Set<string>();
  private readonly servedBy = new Map<number, string>();
  private peakKiB = 0;
  private sampler: ReturnType<typeof setInterval> | null = null;
  setup!: SetupResult;

  private constructor(
    readonly target: Target,
    readonly options: SessionOptions,
  ) {}

  static async open(name: TargetName, options: SessionOptions): Promise<Session> {
    const target = await startTarget(name, { agents: options.agents, processes: options.processes, redisUrl: options.redisUrl, fromSource: options.fromSource, cpuProf: options.cpuProf, idleTimeout: options.idleTimeout });
    const session = new Session(target, options);
    try {
      await session.connect();
    } catch (error) {
      await session.abandon();
      throw error;
    }
    return session;
  }

  private send(i: number, command: Command | WorkerSetup): void {
    this.workers[i]!.send(command);
  }

  private all<T>(type: string): Promise<T[]> {
    return Promise.all(this.channels.map((channel) => channel.take<T>(type)));
  }

  private tell(command: Command): void {
    for (let i = 0; i < this.workers.length; i++) this.send(i, command);
  }

  /** Each worker's share of `total`: the first ones one more when it does not divide. */
  private share(total: number, i: number): number {
    const w = this.workers.length;
    return Math.floor(total / w) + (i < total % w ? 1 : 0);
  }

  private async connect(): Promise<void> {
    const { target, options } = this;
    console.log(`  server pid ${target.pid} at ${target.origins.join(", ")}, RSS at start ${(target.startRssKiB / 1024).toFixed(1)} MB`);
    const { widgetKey, agentCookies } = await target.prepare(options.agents, options.perAgent);
    const epochWall = wallNow();
    for (let i = 0; i < options.workers; i++) {
      const channel = new Channel();
      this.channels.push(channel);
      this.workers.push(track(Bun.spawn([process.execPath, root, "--worker"], { stdout: "inherit", stderr: "inherit", ipc: (message) => channel.push(message) })));
    }
    let firstVisitor = 0;
    let firstAgent = 0;
    for (let i = 0; i < options.workers; i++) {
      const visitors = this.share(options.visitors, i);
      const agents = this.share(options.agents, i);
      this.send(i, {
        type: "setup",
        worker: i,
        origins: target.origins,
        widgetKey,
        firstVisitor,
        visitors,
        firstAgent,
        agentCookies: agentCookies.slice(firstAgent, firstAgent + agents),
        concurrency: Math.max(1, Math.floor(options.concurrency / options.workers)),
        bodyBytes: options.bodyBytes,
        consoleLists: options.consoleLists,
        epochWall,
        locale,
      });
      firstVisitor += visitors;
      firstAgent += agents;
    }
    const setupStart = performance.now();
    await this.all("cookies");
    await sleep(1000);
    const afterPages = target.rssKiB();
    console.log(`  RSS after ${options.visitors} GET /chat (no socket yet): ${(afterPages / 1024).toFixed(1)} MB`);
    let restarted: number | null = null;
    if (options.restartBeforeConnect) {
      await target.restart();
      await sleep(1000);
      restarted = target.rssKiB();
      console.log(`  restarted the server (pid ${target.pid}): RSS ${(restarted / 1024).toFixed(1)} MB with no socket`);
    }
    this.tell({ type: "connect" });
    const ready = await this.all<Ready>("ready");
    const visitorsOpen = ready.reduce((s, r) => s + r.visitorsOpen, 0);
    const agentsOpen = ready.reduce((s, r) => s + r.agentsOpen, 0);
    const failures = ready.flatMap((r) => r.failures);
    const cookieSeconds = Math.max(...ready.map((r) => r.cookieMs)) / 1000;
    const connectSeconds = Math.max(...ready.map((r) => r.connectMs)) / 1000;
    console.log(
      `  connected ${visitorsOpen}/${options.visitors} visitors and ${agentsOpen}/${options.agents} agents ` +
        `(pages ${cookieSeconds.toFixed(1)} s, sockets ${connectSeconds.toFixed(1)} s, total ${((performance.now() - setupStart) / 1000).toFixed(1)} s)`,
    );
    if (failures.length) console.log(`  setup failures (first ${failures.length}): ${[...new Set(failures)].join("; ")}`);

    // Idle: every socket connected, nothing sent yet.
    const idleCpu0 = target.cpuMs();
    const idleWall0 = performance.now();
    const idleCpuPerSecond: number[] = [];
    for (let second = 0; second < options.settle; second++) {
      const before = target.cpuMs();
      await sleep(Math.min(1, options.settle - second) * 1000);
      idleCpuPerSecond.push(target.cpuMs() - before);
    }
    const idle = target.rssKiB();
    const serverIdleCpuPercent = ((target.cpuMs() - idleCpu0) / (performance.now() - idleWall0)) * 100;
    console.log(
      `  idle RSS with ${visitorsOpen + agentsOpen} sockets: ${(idle / 1024).toFixed(1)} MB; server CPU while idle ${serverIdleCpuPercent.toFixed(1)}% of a core ` +
        `(ms in each second: ${idleCpuPerSecond.join(" ")})`,
    );
    this.setup = {
      target: target.name,
      visitorsOpen,
      agentsOpen,
      failures,
      cookieSeconds,
      connectSeconds,
      rssStartMB: target.startRssKiB / 1024,
      rssAfterPagesMB: afterPages / 1024,
      rssRestartedMB: restarted === null ? null : restarted / 1024,
      rssIdleMB: idle / 1024,
      serverIdleCpuPercent,
    };
    this.peakKiB = idle;
    this.sampler = setInterval(() => (this.peakKiB = Math.max(this.peakKiB, this.target.rssKiB() || 0)), 250);
  }

  /** This machine may be shared: wait (a bounded time) until other processes leave the CPU alone. */
  async waitForQuiet(): Promise<void> {
    if (this.options.quietWait <= 0) return;
    const waitUntil = performance.now() + this.options.quietWait * 1000;
    for (;;) {
      const ours = () => this.ourCpuMs() + cpuMs(process.pid);
      const [m0, o0, t0] = [machineBusyMs(), ours(), performance.now()];
      await sleep(2000);
      const otherPercent = ((machineBusyMs() - m0 - (ours() - o0)) / (performance.now() - t0)) * 100;
      if (otherPercent < 15) return;
      if (performance.now() > waitUntil) return void console.log(`  warning: other processes still use ${otherPercent.toFixed(0)}% of a core; measuring anyway`);
      console.log(`  waiting for a quiet machine (other processes use ${otherPercent.toFixed(0)}% of a core)`);
    }
  }

  private ourCpuMs(): number {
    return this.target.cpuMs() + this.workers.reduce((s, c) => s + cpuMs(c.pid), 0);
  }

  /** Each of the first `active` visitors sends its first message (opening its conversation), at `rate` a second. */
  warmup(active: number, rate: number): Promise<PhaseResult> {
    return this.phase(rate, (i) => ({ type: "warmup", active: this.share(active, i), rate: (rate * this.share(active, i)) / active }));
  }

  /**
   * Steady chat: the first `active` visitors send `rate / 2` messages a second in all for `seconds`, and
   * their agents answer each one. With `killAtMs`, the server is killed -9 that long after the start
   * and restarted; `onKilled` runs after the restart, before the clients reconnect.
   */
  steady(active: number, rate: number, seconds: number, killAtMs: number | null = null): Promise<PhaseResult> {
    const visitorRate = rate / 2;
    const startAtWall = wallNow() + 300;
    return this.phase(
      rate,
      (i) => ({ type: "go", active: this.share(active, i), rate: (visitorRate * this.share(active, i)) / active, seconds, startAtWall }),
      killAtMs === null ? null : startAtWall - wallNow() + killAtMs,
    );
  }

  /** The restart time of the last kill -9, in ms. */
  lastRestartMs = 0;

  private async phase(rate: number, command: (i: number) => Command, killAfterMs: number | null = null): Promise<PhaseResult> {
    const { target } = this;
    const serverCpu0 = target.cpuMs();
    const clientCpu0 = this.workers.reduce((s, c) => s + cpuMs(c.pid), 0);
    const selfCpu0 = cpuMs(process.pid);
    const machine0 = machineBusyMs();
    const wall0 = performance.now();
    const sent = this.all("sent");
    for (let i = 0; i < this.workers.length; i++) this.send(i, command(i));
    let serverCpu: number;
    if (killAfterMs !== null) {
      await sleep(killAfterMs);
      serverCpu = target.cpuMs() - serverCpu0;
      this.lastRestartMs = await target.killAndRestart();
      this.tell({ type: "stop" });
      await sent;
      // The sockets' close events.
      await sleep(500);
    } else {
      await sent;
      // Wait for every confirmation and delivery, or the drain time.
      const drainUntil = performance.now() + this.options.drain * 1000;
      while (performance.now() < drainUntil) {
        this.tell({ type: "progress" });
        const p = await this.all<Progress>("progress");
        const sum = (pick: (x: Progress) => number) => p.reduce((s, x) => s + pick(x), 0);
        const visitorsDone = sum((x) => x.visitorAcked + x.visitorRefused) >= sum((x) => x.visitorSent);
        const agentsDone = sum((x) => x.agentAcked + x.agentRefused) >= sum((x) => x.agentSent);
        const delivered = sum((x) => x.toAgent) >= sum((x) => x.visitorAcked) && sum((x) => x.toVisitor) >= sum((x) => x.agentAcked);
        if (visitorsDone && agentsDone && delivered) break;
        await sleep(20);
      }
      serverCpu = target.cpuMs() - serverCpu0;
    }
    const wallMs = performance.now() - wall0;
    const clientCpu = this.workers.reduce((s, c) => s + cpuMs(c.pid), 0) - clientCpu0;
    const otherCpu = machineBusyMs() - machine0 - (killAfterMs === null ? serverCpu : 0) - clientCpu - (cpuMs(process.pid) - selfCpu0);
    this.tell({ type: "report" });
    const reports = await this.all<PhaseReport>("report");
    return this.merge(rate, reports, wallMs, serverCpu, clientCpu, otherCpu);
  }

  private merge(rate: number, reports: PhaseReport[], wallMs: number, serverCpuMs: number, clientCpu: number, otherCpu: number): PhaseResult {
    const sum = (pick: (r: PhaseReport) => number) => reports.reduce((s, r) => s + pick(r), 0);
    const histograms = (pick: (r: PhaseReport) => Record<Leg, HistogramData> | undefined) =>
      Object.fromEntries(legs.map((leg) => [leg, quantiles(reports.reduce((h, r) => (pick(r) ? h.add(pick(r)![leg]) : h), new Histogram()))])) as Record<Leg, Quantiles>;
    const seconds = Math.max(0, ...reports.map((r) => r.perSecond.length));
    const worstP99PerSecond = Array.from({ length: seconds }, (_, second) => {
      const of = histograms((r) => r.perSecond[second]);
      return Math.max(...legs.map((leg) => of[leg].p99).filter((v) => !Number.isNaN(v)), 0);
    });
    for (const report of reports) {
      for (const id of report.toAgentIds) this.received.add(id);
      for (const id of report.toVisitorIds) this.received.add(id);
    }
    let misdelivered = sum((r) => r.misdelivered.visitorSide + r.misdelivered.agentSide);
    for (const [visitor, agent, conversation] of reports.flatMap((r) => r.served)) {
      const served = `${agent}/${conversation}`;
      const known = this.servedBy.get(visitor);
      if (known === undefined) this.servedBy.set(visitor, served);
      else if (known !== served) misdelivered++;
    }
    const undelivered = (ids: string[]) => ids.filter((id) => !this.received.has(id));
    const visitorAcked = reports.flatMap((r) => r.visitorAckedIds);
    const agentAcked = reports.flatMap((r) => r.agentAckedIds);
    for (const id of visitorAcked) this.acknowledged.add(id);
    for (const id of agentAcked) this.acknowledged.add(id);
    const toAgentLost = undelivered(visitorAcked);
    const toVisitorLost = undelivered(agentAcked);
    const persisted = sum((r) => r.visitorAcked + r.agentAcked);
    return {
      rate,
      seconds: wallMs / 1000,
      counts: {
        visitorSent: sum((r) => r.visitorSent),
        visitorAcked: sum((r) => r.visitorAcked),
        visitorRefused: sum((r) => r.visitorRefused),
        toAgent: sum((r) => r.toAgent),
        agentSent: sum((r) => r.agentSent),
        agentAcked: sum((r) => r.agentAcked),
        agentRefused: sum((r) => r.agentRefused),
        toVisitor: sum((r) => r.toVisitor),
      },
      steady: histograms((r) => r.steady),
      crossProcess: Object.fromEntries(
        crossLegs.map((leg) => [leg, quantiles(reports.reduce((h, r) => h.add(r.crossProcess[leg]), new Histogram()))]),
      ) as Record<CrossLeg, Quantiles>,
      all: histograms((r) => r.all),
      worstP99PerSecond,
      lost: { visitorAck: sum((r) => r.visitorUnconfirmed), toAgent: toAgentLost.length, toVisitor: toVisitorLost.length, agentAck: sum((r) => r.agentUnconfirmed) },
      lostSample: [...reports.flatMap((r) => r.unconfirmedSample), ...toAgentLost, ...toVisitorLost].slice(0, 5),
      doubled: sum((r) => r.doubled.visitorSide + r.doubled.agentSide),
      misdelivered,
      unanswerable: sum((r) => r.unanswerable),
      errors: { visitor: sumCounts(reports.map((r) => r.errors.visitor)), agent: sumCounts(reports.map((r) => r.errors.agent)) },
      otherFrames: { visitor: sumCounts(reports.map((r) => r.otherFrames.visitor)), agent: sumCounts(reports.map((r) => r.otherFrames.agent)) },
      frames: { visitor: sum((r) => r.frames.visitor), agent: sum((r) => r.frames.agent), agentBytes: sum((r) => r.frames.agentBytes) },
      closeCodes: sumCounts(reports.map((r) => r.closeCodes)),
      maxSendLagMs: Math.max(0, ...reports.map((r) => r.maxSendLagMs)),
      stalls: reports.flatMap((r) => r.stalls),
      persisted,
      serverCpuMs,
      cpuUsPerMessage: (serverCpuMs * 1000) / (persisted || 1),
      serverCpuPercent: (serverCpuMs / wallMs) * 100,
      clientCpuPercent: (clientCpu / wallMs) * 100,
      // Clock ticks of 10 ms make a near-idle machine read slightly below zero.
      otherCpuPercent: Math.max(0, (otherCpu / wallMs) * 100),
    };
  }

  /** After a kill -9 and restart: the clients open their sockets again and catch up. */
  async reconnect(): Promise<Ready[]> {
    this.tell({ type: "reconnect" });
    const ready = await this.all<Ready>("ready");
    // What was delivered on catch-up belongs to no phase: report and drop it.
    this.tell({ type: "report" });
    const reports = await this.all<PhaseReport>("report");
    this.merge(0, reports, 1, 0, 0, 0);
    return ready;
  }

  /** Acknowledged messages against the rows the target's database holds now. */
  checkDatabase(): DatabaseCheck | null {
    if (!this.target.database) return null;
    const { ids, system } = storedClientIds(this.target.database);
    const missing = [...this.acknowledged].filter((id) => !ids.has(id));
    let storedUnacknowledged = 0;
    for (const id of ids) if (!this.acknowledged.has(id)) storedUnacknowledged++;
    return {
      rows: ids.size,
      acknowledged: this.acknowledged.size,
      acknowledgedMissing: missing.length,
      storedUnacknowledged,
      systemRows: system,
      missingSample: missing.slice(0, 5),
    };
  }

  /** Closes the clients, reads the server's memory, stops it, and checks its database. */
  async close(): Promise<{ rssEndMB: number; rssPeakMB: number; database: DatabaseCheck | null; serverErrors: string[] }> {
    if (this.sampler) clearInterval(this.sampler);
    const end = this.target.rssKiB();
    this.tell({ type: "close" });
    await Promise.all(this.workers.map((c) => Promise.race([c.exited, sleep(10_000)])));
    await this.target.stop();
    const database = this.checkDatabase();
    const serverErrors = this.serverErrors();
    await this.abandon();
    return { rssEndMB: end / 1024, rssPeakMB: Math.max(this.peakKiB, end) / 1024, database, serverErrors };
  }

  private serverErrors(): string[] {
    return readdirSync(this.target.dir)
      .filter((f) => /^server-(p\d+-)?\d+\.log$/.test(f))
      .flatMap((f) => readFileSync(join(this.target.dir, f), "utf8").split("\n"))
      .filter((line) => / (ERROR|WARN) |error:/i.test(line))
      .slice(0, 10);
  }

  /** Kills whatever is left and removes the temp dir (unless kept). */
  async abandon(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    for (const child of this.workers) if (child.exitCode === null) child.kill("SIGKILL");
    await this.target.stop();
    if (this.options.keep || this.options.cpuProf) console.log(`  kept ${this.target.dir}`);
    else rmSync(this.target.dir, { recursive: true, force: true });
  }
}
