// Presence across two processes (two apps on one database file and one Redis): who is online is
// the same for both, each coming and going is announced once, and a process that dies takes its
// agents and visitors offline after its heartbeat expired and the grace period ran out.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { businesses } from "../../src/db/schema";
import { startHousekeeping } from "../../src/housekeeping";
import { silentLog } from "../../src/log";
import { kefuProcess, sharedDatabaseFile } from "../kefu-process";
import { type RedisServer, startRedisServer } from "../redis-server";
import { addMember, Client, signedIn, TestSocket, visitChat } from "../support";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis.stop());

const secret = "1".repeat(64);
const graceMs = 300;
const heartbeatMs = 100;
/** A process counts as dead three missed heartbeats after its last. */
const expiryMs = 3 * heartbeatMs;

/** Long enough that taking over from a dead holder is told apart from a hand-over at once. */
const lease = { expiresMs: 1500, renewEveryMs: 100 };

let running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const each of running) await each.stop();
  running = [];
});

/** One process (test/kefu-process.ts) that can also keep house, or be cut off from Redis as a crash leaves it. */
function process(file: string, keyPrefix: string, beatEveryMs = heartbeatMs) {
  const started = kefuProcess(file, redis.url, { secret, redisKeyPrefix: keyPrefix, presenceGraceMs: graceMs, heartbeatMs: beatEveryMs });
  let housekeeping: ReturnType<typeof startHousekeeping> | null = null;
  let stopped = false;
  return {
    ...started,
    file,
    keyPrefix,
    /** Starts the timers a server runs, quickly: this process may become the housekeeping leader. */
    keepHouse() {
      housekeeping = startHousekeeping(started.db, started.app, null, silentLog, {
        sweepEveryMs: 60_000,
        reapEveryMs: 50,
        lease,
      });
      return housekeeping;
    },
    /** Cut off from Redis, as a crash leaves it to the others: no more heartbeats or lease renewals, no sockets closed cleanly. */
    crash() {
      started.app.hub.cluster.link!.close();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await housekeeping?.stop();
      await started.stop();
    },
  };
}

type Process = ReturnType<typeof process>;

/** Processes of one installation: one database file, one Redis key prefix. */
function processes(count: number, beatEveryMs = heartbeatMs): Process[] {
  const file = sharedDatabaseFile();
  const keyPrefix = `kefu-presence-${crypto.randomUUID()}:`;
  const started = Array.from({ length: count }, () => process(file, keyPrefix, beatEveryMs));
  running.push(...started);
  return started;
}

function twoProcesses(beatEveryMs = heartbeatMs): [Process, Process] {
  return processes(2, beatEveryMs) as [Process, Process];
}

/** A real second process (test/fixtures/kefu-process.ts) beside `beside`, on its file and Redis keys. */
async function childProcess(beside: Process) {
  const fixture = join(import.meta.dir, "../fixtures/kefu-process.ts");
  const child = Bun.spawn([globalThis.process.execPath, fixture, beside.file, redis.url, beside.keyPrefix, secret, String(graceMs), String(heartbeatMs)], {
    stdout: "pipe",
    stderr: "inherit",
  });
  running.push({ stop: async () => void child.kill(9) });
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  const { port } = JSON.parse(new TextDecoder().decode(value)) as { port: number };
  const base = `http://127.0.0.1:${port}`;
  return { child, base, ws: (path: string) => `${base.replace("http", "ws")}${path}` };
}

async function until(condition: () => boolean | Promise<boolean>, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`still not so after ${ms} ms`);
    await Bun.sleep(10);
  }
}

async function agentConsole(on: Process, role: "owner" | "agent", email: string, path = "/ws/agent") {
  const agent = await addMember(on, role, email);
  const client = new Client(on.app);
  await client.post("/login", { email, password: "correct horse" });
  const socket = new TestSocket(on.ws(path), { cookie: client.cookie!, origin: on.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return { agent, client, socket };
}

async function visitorPage(on: Process, cookie?: string) {
  const visitorCookie = await visitChat(on.base, on.business.widgetKey, cookie);
  const socket = new TestSocket(on.ws(`/chat/${on.business.widgetKey}/ws`), { cookie: visitorCookie, origin: on.base });
  await socket.opened;
  socket.send({ type: "resume", after: 0 });
  return { cookie: visitorCookie, socket };
}

/**
 * A visitor on `on` talking with an agent whose console is there too; `thread` opens the
 * conversation in the agent's console on either process, where it hears the presence lines.
 */
async function watchedVisitor(on: Process) {
  const { agent, client } = await agentConsole(on, "agent", "watcher@example.com");
  const visitor = await visitorPage(on);
  visitor.socket.send({ type: "send", clientId: crypto.randomUUID(), body: "hello" });
  await visitor.socket.next((f) => f.includes("joined the conversation"));
  const { id, visitorId } = on.sqlite.query("SELECT id, visitor_id AS visitorId FROM conversations").get() as { id: number; visitorId: number };
  const thread = async (on: Process) => {
    const socket = new TestSocket(on.ws(`/ws/agent?conversation=${id}`), { cookie: client.cookie!, origin: on.base });
    await socket.opened;
    socket.send({ type: "resume", after: 0 });
    await socket.next((f) => f.includes("hello"));
    return socket;
  };
  return { agent, visitor, visitorId, thread };
}

const cameOnline = (frames: string[]) => frames.filter((f) => f.includes("The visitor came online")).length;
const wentOffline = (frames: string[]) => frames.filter((f) => f.includes("The visitor went offline")).length;

describe("presence shared by two processes", () => {
  it("counts an agent connected to one process as online on the other: a visitor there is routed to them", async () => {
    const [a, b] = twoProcesses();
    const { agent } = await agentConsole(a, "agent", "ann@example.com");
    await until(() => b.app.hub.agents.isOnline(agent.id));
    expect(b.app.hub.agents.onlineIds()).toContain(agent.id);

    const page = await fetch(`${b.base}/chat/${b.business.widgetKey}`);
    expect(await page.text()).not.toContain('id="leave-message"');
    const visitor = await visitorPage(b);
    visitor.socket.send({ type: "send", clientId: crypto.randomUUID(), body: "anyone there?" });
    await visitor.socket.next((f) => f.includes("ann joined the conversation"));
    expect(b.sqlite.query("SELECT agent_id AS agentId, status FROM conversations").get()).toEqual({ agentId: agent.id, status: "open" });
  });

  it("does not flap when a reload lands on the other process, and announces the visitor's coming and going once", async () => {
    const [a, b] = twoProcesses();
    const { visitor, visitorId, thread } = await watchedVisitor(a);
    // The agent's console has the thread open on both processes: each hears every announcement.
    const onA = await thread(a);
    const onB = await thread(b);

    // The reload: the page closes on A and opens again on B, within the grace period.
    visitor.socket.close();
    await Bun.sleep(50);
    const reloaded = await visitorPage(b, visitor.cookie);
    await Bun.sleep(graceMs * 2);
    for (const socket of [onA, onB]) {
      expect(cameOnline(socket.frames)).toBe(0);
      expect(wentOffline(socket.frames)).toBe(0);
    }
    expect(a.app.hub.visitors.isOnline(visitorId)).toBe(true);

    // A second page on A, then both close: the visitor leaves once, and comes back once.
    const second = await visitorPage(a, visitor.cookie);
    await Bun.sleep(50);
    reloaded.socket.close();
    second.socket.close();
    await onA.next((f) => f.includes("The visitor went offline"));
    await onB.next((f) => f.includes("The visitor went offline"));
    await until(() => !a.app.hub.visitors.isOnline(visitorId) && !b.app.hub.visitors.isOnline(visitorId));
    await visitorPage(a, visitor.cookie);
    await visitorPage(b, visitor.cookie);
    await onA.next((f) => f.includes("The visitor came online"));
    await onB.next((f) => f.includes("The visitor came online"));
    await Bun.sleep(graceMs);
    for (const socket of [onA, onB]) {
      expect(wentOffline(socket.frames)).toBe(1);
      expect(cameOnline(socket.frames)).toBe(1);
    }
  });

  it("takes the agents and visitors of a process cut off from Redis offline once its heartbeat expired and the grace ran out, once", async () => {
    const [a, b] = twoProcesses();
    b.keepHouse();
    const { visitorId, thread, agent: watcher } = await watchedVisitor(a);
    const onB = await thread(b);
    const { agent } = await agentConsole(a, "agent", "ann@example.com");
    await until(() => b.app.hub.agents.isOnline(agent.id) && b.app.hub.visitors.isOnline(visitorId));

    a.crash();
    const crashedAt = Date.now();
    // Still online while A might only be slow, then through the grace period.
    await Bun.sleep(expiryMs / 2);
    expect(b.app.hub.agents.isOnline(agent.id)).toBe(true);
    await until(() => !b.app.hub.agents.isOnline(agent.id) && !b.app.hub.visitors.isOnline(visitorId), 3000);
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(graceMs);
    await onB.next((f) => f.includes("The visitor went offline"));
    await Bun.sleep(200);
    expect(wentOffline(onB.frames)).toBe(1);
    // The watcher has the thread open on B, which is alive: still online.
    expect(b.app.hub.agents.isOnline(watcher.id)).toBe(true);
    // Auto-away counts Ann's absence from when she went offline, on every process.
    const absentSince = await b.app.hub.presence.agentAbsences();
    expect(absentSince(agent.id)).toBeGreaterThanOrEqual(crashedAt);
    expect(absentSince(watcher.id)).toBeNull();
  });

  it("takes the agents and visitors of a process killed with SIGKILL offline after its heartbeat expired and the grace", async () => {
    const b = processes(1)[0]!;
    b.keepHouse();
    const a = await childProcess(b);
    const { agent, client } = await signedIn(b, "agent", "ann@example.com");
    const lobby = new TestSocket(a.ws("/ws/agent"), { cookie: client.cookie!, origin: a.base });
    await lobby.opened;
    const cookie = await visitChat(a.base, b.business.widgetKey);
    const visitor = new TestSocket(a.ws(`/chat/${b.business.widgetKey}/ws`), { cookie, origin: a.base });
    await visitor.opened;
    const visitorId = (b.sqlite.query("SELECT id FROM visitors").get() as { id: number }).id;
    await until(() => b.app.hub.agents.isOnline(agent.id) && b.app.hub.visitors.isOnline(visitorId));

    a.child.kill(9);
    const killedAt = Date.now();
    await Bun.sleep(expiryMs / 2);
    expect(b.app.hub.agents.isOnline(agent.id)).toBe(true);
    await until(() => !b.app.hub.agents.isOnline(agent.id) && !b.app.hub.visitors.isOnline(visitorId), 3000);
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(graceMs);
  });

  it("takes the ids of a process that stops offline after the grace, without waiting for its heartbeat to expire", async () => {
    const slowBeats = 10_000;
    const [a, b] = twoProcesses(slowBeats);
    b.keepHouse();
    const { agent } = await agentConsole(a, "agent", "ann@example.com");
    await until(() => b.app.hub.agents.isOnline(agent.id));
    await a.stop();
    await until(() => !b.app.hub.agents.isOnline(agent.id), 3 * slowBeats - 1000);
  });

  it("counts the pages again after a Redis that restarted empty: they reconnect, and a visitor is routed as before", async () => {
    const [a, b] = twoProcesses();
    const { agent, client } = await agentConsole(a, "agent", "ann@example.com");
    const visitor = await visitorPage(b);
    await until(() => b.app.hub.agents.isOnline(agent.id));
    const { id: visitorId } = b.sqlite.query("SELECT id FROM visitors").get() as { id: number };
    await redis.stop({ crash: true });
    await redis.restart();
    // Every socket closes to catch up (cluster-effects.ts); the pages come back, to either process.
    expect((await visitor.socket.closedWith(8000)).code).toBe(1001);
    const lobby = new TestSocket(b.ws("/ws/agent"), { cookie: client.cookie!, origin: b.base });
    await lobby.opened;
    lobby.send({ type: "resume", after: 0 });
    const again = await visitorPage(a, visitor.cookie);
    await until(() => a.app.hub.agents.isOnline(agent.id) && b.app.hub.visitors.isOnline(visitorId), 5000);
    again.socket.send({ type: "send", clientId: crypto.randomUUID(), body: "still there?" });
    await again.socket.next((f) => f.includes("ann joined the conversation"), 5000);
  });

  it("never sets away or requeues an agent whose console is on the other process", async () => {
    const [a, b] = twoProcesses();
    b.db.update(businesses).set({ autoAwayMinutes: 1, holdMinutes: 1 }).where(eq(businesses.id, b.business.id)).run();
    const { agent } = await watchedVisitor(a);
    const absent = await addMember(b, "agent", "gone@example.com");

    await b.app.hub.sweepAbsentAgents(Date.now() + 60 * 60_000);
    const availability = (id: number) => (b.sqlite.query("SELECT availability FROM agents WHERE id = ?").get(id) as { availability: string }).availability;
    expect(availability(agent.id)).toBe("online");
    expect(b.sqlite.query("SELECT agent_id AS agentId, status FROM conversations").get()).toEqual({ agentId: agent.id, status: "open" });
    // An agent with no console anywhere is set away, as alone.
    expect(availability(absent.id)).toBe("away");
  });
});

describe("the housekeeping lease", () => {
  it("lets one process keep house at a time, and the other take over when it stops or dies", async () => {
    const [a, b] = twoProcesses();
    const onA = a.keepHouse();
    const onB = b.keepHouse();
    await until(() => onA.leading() || onB.leading());
    for (let i = 0; i < 10; i++) {
      expect(onA.leading() && onB.leading()).toBe(false);
      await Bun.sleep(50);
    }
    const [leader, leaderProcess, other] = onA.leading() ? [onA, a, onB] : [onB, b, onA];

    // A leader that dies keeps the lease until it expires; then the other takes it.
    leaderProcess.crash();
    const crashedAt = Date.now();
    await until(() => other.leading(), 4000);
    expect(leader.leading()).toBe(false);
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(lease.expiresMs - lease.renewEveryMs);
  });

  it("hands the lease over at once when its holder stops", async () => {
    const [a, b] = twoProcesses();
    const onA = a.keepHouse();
    await until(() => onA.leading());
    const onB = b.keepHouse();
    await Bun.sleep(200);
    expect(onB.leading()).toBe(false);
    await onA.stop();
    const stoppedAt = Date.now();
    await until(() => onB.leading());
    // At B's next attempt, well before the lease would have expired.
    expect(Date.now() - stoppedAt).toBeLessThan(lease.expiresMs / 2);
  });
});
