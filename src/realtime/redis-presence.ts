// Who is online across every process on one Valkey/Redis (alone: presence.ts). Each process
// counts its own sockets per id in a shared hash, through Lua scripts that see the 0→1 and 1→0
// transitions atomically: "online" and "offline" are announced once, by the process whose script
// saw them, and a reload that lands on another process within the grace period is no transition.
// Readers stay synchronous: each process mirrors the online ids from a channel, reread in full
// now and then. A process that dies stops heartbeating; the lease holder (reap) then takes its
// counts away, and its ids go offline after the grace period, as if their sockets had closed.
// With the defaults, after kill -9: 9 s (three missed heartbeats) + up to 1 s (the reaper's
// tick) + 5 s (grace) + up to 1 s (tick), about 16 s; if it held the lease, the other process
// takes it within 13 s, so about 20 s.
import type { Cluster } from "./cluster";
import type { Presence, PresenceListener, PresenceOptions, Presences } from "./presence";
import type { RedisLink } from "./redis-link";

/** How often a process says it is alive, by default; it counts as dead after three missed. */
const heartbeatMs = 3_000;
const missedHeartbeats = 3;
/** The mirror is kept from the channel, whose messages are at most once: reread it this often. */
const mirrorRereadMs = 10_000;
/** A grace timer may fire a little early; Redis must already see the deadline passed. */
const timerSlackMs = 5;

type Kind = "agent" | "visitor";

// Keys, under the prefix p: {kind}:online (hash id → since ms, online or within the grace),
// {kind}:sockets:{id} (hash process → socket count), {kind}:leaving (zset id → end of grace),
// agent:absent (hash id → since when without a console), processes (set), process:{id} (the
// heartbeat, PX), counted:{process} (set of "kind:id" the process counts), started (PX, kept alive by
// the heartbeats: when the processes started). Channel {kind}: "+id since" and "-id".
const now = `local function now() local t = redis.call("TIME") return t[1] * 1000 + math.floor(t[2] / 1000) end
local p = ARGV[1]
`;

/** ARGV: p, kind, id, process, count, "add"|"set". Returns {1 if it came online, since}. */
const connectScript = `${now}
local kind, id, proc = ARGV[2], ARGV[3], ARGV[4]
local sockets = p .. kind .. ":sockets:" .. id
if ARGV[6] == "set" then redis.call("HSET", sockets, proc, ARGV[5]) else redis.call("HINCRBY", sockets, proc, ARGV[5]) end
redis.call("SADD", p .. "counted:" .. proc, kind .. ":" .. id)
redis.call("ZREM", p .. kind .. ":leaving", id)
local since = redis.call("HGET", p .. kind .. ":online", id)
if since then return {0, tonumber(since)} end
local at = now()
redis.call("HSET", p .. kind .. ":online", id, at)
redis.call("HDEL", p .. kind .. ":absent", id)
redis.call("PUBLISH", p .. kind, "+" .. id .. " " .. at)
return {1, at}`;

/** ARGV: p, kind, id, process, grace ms. Returns 1 when the id's last socket anywhere closed: its grace began. */
const disconnectScript = `${now}
local kind, id, proc = ARGV[2], ARGV[3], ARGV[4]
local sockets = p .. kind .. ":sockets:" .. id
if redis.call("HINCRBY", sockets, proc, -1) > 0 then return 0 end
redis.call("HDEL", sockets, proc)
redis.call("SREM", p .. "counted:" .. proc, kind .. ":" .. id)
if redis.call("EXISTS", sockets) == 1 or redis.call("HEXISTS", p .. kind .. ":online", id) == 0 then return 0 end
redis.call("ZADD", p .. kind .. ":leaving", now() + tonumber(ARGV[5]), id)
return 1`;

/** ARGV: p, kind, id ("" for every one), "1" to note agents' absence. Returns the ids that went offline. */
const settleScript = `${now}
local kind, id = ARGV[2], ARGV[3]
local leaving, online = p .. kind .. ":leaving", p .. kind .. ":online"
local at = now()
local due = {}
if id == "" then
  due = redis.call("ZRANGEBYSCORE", leaving, "-inf", at)
else
  local ends = redis.call("ZSCORE", leaving, id)
  if ends and tonumber(ends) <= at then due = {id} end
end
local gone = {}
for _, each in ipairs(due) do
  redis.call("ZREM", leaving, each)
  if redis.call("EXISTS", p .. kind .. ":sockets:" .. each) == 0 and redis.call("HDEL", online, each) == 1 then
    if ARGV[4] == "1" then redis.call("HSET", p .. kind .. ":absent", each, at) end
    redis.call("PUBLISH", p .. kind, "-" .. each)
    table.insert(gone, each)
  end
end
return gone`;

/**
 * ARGV: p, grace ms, process ("" for every process whose heartbeat expired). Takes the process's
 * counts away; the ids left without sockets start their grace period. Returns how many processes.
 */
const leaveScript = `${now}
local at = now()
local processes = {ARGV[3]}
if ARGV[3] == "" then processes = redis.call("SMEMBERS", p .. "processes") end
local left = 0
for _, proc in ipairs(processes) do
  if ARGV[3] ~= "" or redis.call("EXISTS", p .. "process:" .. proc) == 0 then
    for _, counted in ipairs(redis.call("SMEMBERS", p .. "counted:" .. proc)) do
      local kind, id = string.match(counted, "^(%a+):(%d+)$")
      local sockets = p .. kind .. ":sockets:" .. id
      redis.call("HDEL", sockets, proc)
      if redis.call("EXISTS", sockets) == 0 and redis.call("HEXISTS", p .. kind .. ":online", id) == 1 then
        redis.call("ZADD", p .. kind .. ":leaving", at + tonumber(ARGV[2]), id)
      end
    end
    redis.call("DEL", p .. "counted:" .. proc, p .. "process:" .. proc)
    redis.call("SREM", p .. "processes", proc)
    left = left + 1
  end
end
return left`;

/**
 * ARGV: p, process, expiry ms. Returns 1 when the process was still known, 0 when its counts are
 * gone (first beat, reaped after a stall, or a Redis that lost its data): they must be given again.
 * The first process of a cluster starts the clock agents are absent from, as one process does.
 */
const heartbeatScript = `${now}
local proc, expiry = ARGV[2], ARGV[3]
redis.call("SADD", p .. "processes", proc)
if redis.call("SET", p .. "started", now(), "NX", "PX", expiry) then
  redis.call("DEL", p .. "agent:absent")
else
  redis.call("PEXPIRE", p .. "started", expiry)
end
if redis.call("SET", p .. "process:" .. proc, 1, "PX", expiry, "XX") then return 1 end
redis.call("SET", p .. "process:" .. proc, 1, "PX", expiry)
return 0`;

/** ARGV: p. Returns {online agent ids, absent agents as id, since, ..., started}. */
const absencesScript = `local p = ARGV[1]
return {redis.call("HKEYS", p .. "agent:online"), redis.call("HGETALL", p .. "agent:absent"), redis.call("GET", p .. "started")}`;

/** Presence shared through Redis by every process of the cluster. */
export function redisPresences(
  cluster: Cluster & { link: RedisLink },
  listeners: { agents: PresenceListener; visitors: PresenceListener },
  options: PresenceOptions,
): Presences {
  const { link, processId } = cluster;
  const prefix = cluster.key("presence:");
  const every = options.heartbeatMs ?? heartbeatMs;
  /** A presence command failed: Redis's counts may differ from this process's; given again at the next beat. */
  let diverged = false;
  /** Stopping: the link closes before the last answers come, which is no divergence to report. */
  let stopping = false;
  const run = async <T>(script: string, ...args: (string | number)[]): Promise<T | null> => {
    try {
      return (await link.commands.send("EVAL", [script, "0", prefix, ...args.map(String)])) as T;
    } catch (error) {
      // Once until the counts are given again: while Redis is down every socket would say it.
      if (!diverged && !stopping) options.log.warn("redis presence command failed; counts given again once it answers", { error: String(error) });
      diverged = true;
      return null;
    }
  };
  const shared: Shared = { run, link, prefix, processId, graceMs: options.graceMs };
  const agents = new SharedPresence(shared, "agent", listeners.agents, true);
  const visitors = new SharedPresence(shared, "visitor", listeners.visitors, false);
  const kinds = [agents, visitors];
  // Read in full once listening: what was published before is in the hash by then.
  for (const presence of kinds) void link.listen(prefix + presence.kind, (message) => presence.heard(message)).then(() => presence.reread());

  let firstBeat = true;
  const beat = async () => {
    const known = await run<number>(heartbeatScript, processId, every * missedHeartbeats);
    const joining = firstBeat;
    firstBeat = false;
    if (known === null || joining || (known === 1 && !diverged)) return;
    diverged = false;
    // Take what Redis holds of this process away, then give its counts again: an id still
    // connected here is back before its grace ends, so nobody sees it flap.
    await run(leaveScript, options.graceMs, processId);
    await run(heartbeatScript, processId, every * missedHeartbeats);
    for (const presence of kinds) presence.recount();
  };
  const reread = () => {
    for (const presence of kinds) void presence.reread();
  };
  void beat();
  const heartbeat = setInterval(beat, every);
  const rereading = setInterval(reread, mirrorRereadMs);
  heartbeat.unref();
  rereading.unref();
  // Pub/sub lost what was published while the link was down.
  link.onReconnect(reread);

  return {
    agents,
    visitors,
    async agentAbsences() {
      const answer = await link.commands.send("EVAL", [absencesScript, "0", prefix]);
      const [online, absent, started] = answer as [string[], string[], string | null];
      const onlineIds = new Set(online.map(Number));
      const since = new Map(absentPairs(absent));
      const from = started === null ? Date.now() : Number(started);
      return (id) => (onlineIds.has(id) || agents.hasSocketsHere(id) ? null : (since.get(id) ?? from));
    },
    async reap() {
      await run(leaveScript, options.graceMs, "");
      for (const presence of kinds) await presence.settle("");
    },
    stop() {
      clearInterval(heartbeat);
      clearInterval(rereading);
      for (const presence of kinds) presence.stop();
      // Sent before the link closes: the ids connected here start their grace now, not after the heartbeat expires.
      void run(leaveScript, options.graceMs, processId);
      stopping = true;
    },
  };
}

/** HGETALL inside a script is a flat list: id, since, id, since... */
function absentPairs(absent: string[]): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < absent.length; i += 2) pairs.push([Number(absent[i]), Number(absent[i + 1])]);
  return pairs;
}

interface Shared {
  run<T>(script: string, ...args: (string | number)[]): Promise<T | null>;
  link: RedisLink;
  prefix: string;
  processId: string;
  graceMs: number;
}

class SharedPresence implements Presence {
  /** This process's sockets per id. */
  private readonly sockets = new Map<number, number>();
  /** Grace timers of ids whose last socket closed here: this process settles them. */
  private readonly leaving = new Map<number, ReturnType<typeof setTimeout>>();
  /** Online ids of the whole cluster (online or within the grace period) and since when. */
  private mirror = new Map<number, number>();
  private ids: readonly number[] | null = null;
  /** Changes heard while a full read is on its way: applied again over it, which may be older. */
  private heardDuringReread: string[] | null = null;
  private stopped = false;

  constructor(
    private readonly shared: Shared,
    readonly kind: Kind,
    private readonly listener: PresenceListener,
    /** Whether to note since when each id has been gone (agents: auto-away). */
    private readonly tracksAbsence: boolean,
  ) {}

  connected(id: number): void {
    this.stopTimer(id);
    const count = (this.sockets.get(id) ?? 0) + 1;
    this.sockets.set(id, count);
    if (count === 1 && !this.mirror.has(id)) this.ids = null;
    void this.count(id, 1, "add");
  }

  disconnected(id: number): void {
    const count = (this.sockets.get(id) ?? 1) - 1;
    if (count > 0) this.sockets.set(id, count);
    else if (this.sockets.delete(id) && !this.mirror.has(id)) this.ids = null;
    void this.shared.run<number>(disconnectScript, this.kind, id, this.shared.processId, this.shared.graceMs).then((graceBegan) => {
      // Stopping, its grace is the lease holder's to end (reap), not a timer's here.
      if (graceBegan !== 1 || this.stopped) return;
      this.stopTimer(id);
      this.leaving.set(
        id,
        setTimeout(() => {
          this.leaving.delete(id);
          void this.settle(id);
        }, this.shared.graceMs + timerSlackMs),
      );
    });
  }

  isOnline(id: number): boolean {
    return this.mirror.has(id) || this.sockets.has(id);
  }

  onlineIds(): readonly number[] {
    this.ids ??= [...new Set([...this.mirror.keys(), ...this.sockets.keys()])];
    return this.ids;
  }

  onlineSince(id: number): number | undefined {
    return this.mirror.get(id);
  }

  hasSocketsHere(id: number): boolean {
    return this.sockets.has(id);
  }

  /** A transition: heard on the presence channel, or seen by this process's own script. */
  heard(message: string): void {
    this.heardDuringReread?.push(message);
    const [id, since] = message.slice(1).split(" ").map(Number) as [number, number | undefined];
    if (message.startsWith("+")) this.see(id, since!);
    else this.forget(id);
  }

  /** Ids whose grace ended (`id`'s, or every one's) go offline; this process announces those its script took. */
  async settle(id: number | ""): Promise<void> {
    const gone = await this.shared.run<string[]>(settleScript, this.kind, id, this.tracksAbsence ? "1" : "0");
    for (const each of gone ?? []) {
      this.heard(`-${each}`);
      this.listener.offline(Number(each));
    }
  }

  /** Gives Redis this process's counts again, after they were lost. */
  recount(): void {
    for (const [id, count] of this.sockets) void this.count(id, count, "set");
  }

  async reread(): Promise<void> {
    if (this.heardDuringReread) return;
    this.heardDuringReread = [];
    try {
      const online = await this.shared.link.commands.hgetall(`${this.shared.prefix}${this.kind}:online`);
      const heard = this.heardDuringReread;
      this.heardDuringReread = null;
      this.mirror = new Map(Object.entries(online).map(([id, since]) => [Number(id), Number(since)]));
      this.ids = null;
      for (const message of heard) this.heard(message);
    } catch {
      // The next reread tries again; the channel keeps the mirror meanwhile.
      this.heardDuringReread = null;
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.leaving.values()) clearTimeout(timer);
    this.leaving.clear();
  }

  private async count(id: number, count: number, how: "add" | "set"): Promise<void> {
    const answer = await this.shared.run<[number, number]>(connectScript, this.kind, id, this.shared.processId, count, how);
    if (!answer) return;
    const [cameOnline, since] = answer;
    this.heard(`+${id} ${since}`);
    if (cameOnline === 1) this.listener.online(id);
  }

  private see(id: number, since: number): void {
    if (!this.mirror.has(id) && !this.sockets.has(id)) this.ids = null;
    this.mirror.set(id, since);
  }

  private forget(id: number): void {
    if (this.mirror.delete(id) && !this.sockets.has(id)) this.ids = null;
  }

  private stopTimer(id: number): void {
    const timer = this.leaving.get(id);
    if (timer) clearTimeout(timer);
    this.leaving.delete(id);
  }
}
