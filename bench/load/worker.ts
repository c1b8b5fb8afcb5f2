// One client process of bench/chat-load.ts. It holds its share of the visitors (each its own
// GET /chat/<key> for a cookie, from an address of its own, and its own socket) and of the agents
// (one socket each, following all their conversations), sends the visitors' messages at the rate
// it is told, and answers each visitor message as its agent, naming the conversation. Every
// message's client id says who sent it and when (ids.ts), so each side times what it receives
// by itself: the visitor's own confirmation, the delivery to the agent, the answer's delivery to
// the visitor and the agent's own confirmation.
//
// The orchestrator drives it by IPC commands; see `Command`. Started as `chat-load.ts --worker`.
import { Histogram, type HistogramData } from "./histogram";
import { answerId, parseMessageId, visitorMessageId } from "./ids";
import { Channel, cookieValue, pool, sleep, wallNow } from "./processes";

export const legs = ["visitorAck", "toAgent", "toVisitor", "agentAck"] as const;
export type Leg = (typeof legs)[number];
/** The deliveries that can cross from one process to another (a sender's own confirmation never does). */
export const crossLegs = ["toAgent", "toVisitor"] as const;
export type CrossLeg = (typeof crossLegs)[number];

export interface WorkerSetup {
  type: "setup";
  worker: number;
  /** One per Kefu process: visitor v's page and socket go to origins[v % n], agent a's to origins[a % n]. */
  origins: string[];
  widgetKey: string;
  /** Global number of this worker's first visitor and first agent. */
  firstVisitor: number;
  visitors: number;
  firstAgent: number;
  agentCookies: string[];
  concurrency: number;
  bodyBytes: number;
  /** Agents also say `resume`, as a console page does, and so receive its lists and alerts. */
  consoleLists: boolean;
  /** Wall time the client ids count from. */
  epochWall: number;
  locale: string;
}

export type Command =
  | { type: "connect" }
  | { type: "reconnect" }
  /** Each of the first `active` visitors sends its first message, `rate` a second in all. */
  | { type: "warmup"; active: number; rate: number }
  /** The first `active` visitors send `rate` messages a second in all for `seconds`, from `startAtWall`. */
  | { type: "go"; active: number; rate: number; seconds: number; startAtWall: number }
  /** Stop sending now (the server was killed). */
  | { type: "stop" }
  | { type: "progress" }
  /** Report the phase since the last report, and start a new one. */
  | { type: "report" }
  | { type: "close" };

export interface Progress {
  type: "progress";
  visitorSent: number;
  visitorAcked: number;
  visitorRefused: number;
  toAgent: number;
  agentSent: number;
  agentAcked: number;
  agentRefused: number;
  toVisitor: number;
}

export interface PhaseReport extends Omit<Progress, "type"> {
  type: "report";
  /** Latencies of the messages sent after the phase's first second, and of all of them. */
  steady: Record<Leg, HistogramData>;
  all: Record<Leg, HistogramData>;
  /** Of the steady deliveries, those whose sender and receiver are on different processes. */
  crossProcess: Record<CrossLeg, HistogramData>;
  /** The worst leg's p99 in each second of the phase, by when the message was sent. */
  perSecond: Record<Leg, HistogramData>[];
  /** Sent, neither confirmed nor refused (counted here: the sender confirms its own). */
  visitorUnconfirmed: number;
  agentUnconfirmed: number;
  unconfirmedSample: string[];
  /** Confirmed ids, and ids the other side received: delivery is checked across workers. */
  visitorAckedIds: string[];
  agentAckedIds: string[];
  toAgentIds: string[];
  toVisitorIds: string[];
  /** Each visitor seen at an agent this phase for the first time: [visitor, agent, conversation]. */
  served: [number, number, number][];
  doubled: { visitorSide: number; agentSide: number };
  misdelivered: { visitorSide: number; agentSide: number };
  /** Visitor messages an agent received with no data-conversation to answer in. */
  unanswerable: number;
  errors: { visitor: Record<string, number>; agent: Record<string, number> };
  /** JSON events (not errors) and fragments without one of our messages, per side. */
  otherFrames: { visitor: Record<string, number>; agent: Record<string, number> };
  frames: { visitor: number; agent: number; agentBytes: number };
  closeCodes: Record<string, number>;
  maxSendLagMs: number;
  /** This process's own event-loop stalls over 20 ms: [second of the phase, ms]. */
  stalls: [number, number][];
}

export interface Ready {
  type: "ready";
  visitorsOpen: number;
  agentsOpen: number;
  failures: string[];
  cookieMs: number;
  connectMs: number;
}

const messageTag = /<[^>]*\sid="message-([A-Za-z0-9_-]+)"[^>]*>/g;
const seqAttribute = /\sdata-seq="(\d+)"/;
const conversationAttribute = /\sdata-conversation="(\d+)"/;
const conversationMark = ' data-conversation="';

/** Each visitor an address of its own (Kefu runs with --trust-proxy), as behind a real proxy. */
export function visitorAddress(visitor: number): string {
  return `10.${(visitor >> 16) & 255}.${(visitor >> 8) & 255}.${visitor & 255}`;
}

function emptyLegs(): Record<Leg, Histogram> {
  return { visitorAck: new Histogram(), toAgent: new Histogram(), toVisitor: new Histogram(), agentAck: new Histogram() };
}

const legsJson = (of: Record<Leg, Histogram>) => Object.fromEntries(legs.map((leg) => [leg, of[leg].toJSON()])) as Record<Leg, HistogramData>;

class Phase {
  startUs = 0;
  visitorSent = 0;
  visitorAcked = 0;
  visitorRefused = 0;
  toAgent = 0;
  agentSent = 0;
  agentAcked = 0;
  agentRefused = 0;
  toVisitor = 0;
  steady = emptyLegs();
  all = emptyLegs();
  crossProcess: Record<CrossLeg, Histogram> = { toAgent: new Histogram(), toVisitor: new Histogram() };
  perSecond: Record<Leg, Histogram>[] = [];
  visitorSentIds: string[] = [];
  agentSentIds: string[] = [];
  visitorAckedIds: string[] = [];
  agentAckedIds: string[] = [];
  toAgentIds: string[] = [];
  toVisitorIds: string[] = [];
  served: [number, number, number][] = [];
  doubled = { visitorSide: 0, agentSide: 0 };
  misdelivered = { visitorSide: 0, agentSide: 0 };
  unanswerable = 0;
  errors = { visitor: {} as Record<string, number>, agent: {} as Record<string, number> };
  otherFrames = { visitor: {} as Record<string, number>, agent: {} as Record<string, number> };
  frames = { visitor: 0, agent: 0, agentBytes: 0 };
  closeCodes: Record<string, number> = {};
  maxSendLagMs = 0;
  stalls: [number, number][] = [];

  record(leg: Leg, sentUs: number, latencyMs: number, crossProcess = false): void {
    this.all[leg].record(latencyMs);
    const second = Math.floor((sentUs - this.startUs) / 1e6);
    if (second >= 1) this.steady[leg].record(latencyMs);
    if (second >= 1 && crossProcess) this.crossProcess[leg as CrossLeg].record(latencyMs);
    if (second >= 0) (this.perSecond[second] ??= emptyLegs())[leg].record(latencyMs);
  }
}

const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

export async function workerMain(): Promise<void> {
  // An orchestrator that died without closing us leaves nobody to: go too.
  process.on("disconnect", () => process.exit(1));
  const fromParent = new Channel();
  const toChannel = (message: unknown) => fromParent.push(message);
  process.on("message", toChannel);
  const setup = await fromParent.take<WorkerSetup>("setup");
  process.off("message", toChannel);
  const reply = (message: unknown) => process.send!(message);
  const { origins, widgetKey, firstVisitor, firstAgent, locale } = setup;
  const visitorOrigin = (visitor: number) => origins[visitor % origins.length]!;
  const agentOrigin = (agent: number) => origins[agent % origins.length]!;
  const crossProcess = (visitor: number, agent: number) => visitorOrigin(visitor) !== agentOrigin(agent);
  const epochOffset = performance.timeOrigin - setup.epochWall;
  const nowUs = () => (epochOffset + performance.now()) * 1000;
  const filler = setup.bodyBytes > 0 ? " " + "x".repeat(Math.max(0, setup.bodyBytes - 40)) : "";
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
        const response = await fetch(`${visitorOrigin(firstVisitor + i)}/chat/${widgetKey}`, {
          headers: { "accept-language": locale, "user-agent": "kefu-bench", "x-forwarded-for": visitorAddress(firstVisitor + i) },
        });
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
  reply({ type: "cookies", count: tokens.filter(Boolean).length });

  // 2. State: the sockets, what each side has received, and the phase being measured.
  const visitorSockets: (WebSocket | null)[] = new Array(setup.visitors).fill(null);
  const agentSockets: (WebSocket | null)[] = new Array(setup.agentCookies.length).fill(null);
  // The last message id each page has, for `resume` / `follow` after a reconnect.
  const visitorSeq = new Float64Array(setup.visitors);
  const agentSeq = new Float64Array(setup.agentCookies.length);
  const seenByVisitors = new Set<string>();
  const seenByAgents = new Set<string>();
  const refused = new Set<string>();
  /** Visitor -> [agent, conversation], as their messages reached agents. */
  const servedBy = new Map<number, [number, number]>();
  let phase = new Phase();
  let closing = false;
  let messageCount = 0;

  const nowMs = () => nowUs() / 1000;

  function onEvent(side: "visitor" | "agent", text: string): void {
    let event: { type?: string; message?: string; clientId?: string };
    try {
      event = JSON.parse(text);
    } catch {
      return void bump(phase.errors[side], "unparseable JSON frame");
    }
    if (event.type !== "error") return void bump(phase.otherFrames[side], `json ${event.type}`);
    bump(phase.errors[side], event.message ?? "?");
    const id = event.clientId;
    if (!id || refused.has(id) || !parseMessageId(id)) return;
    refused.add(id);
    if (id[0] === "R") phase.agentRefused++;
    else phase.visitorRefused++;
  }

  /** Each message element in a fragment: its client id, data-seq and (agents' side) conversation. */
  function eachMessage(text: string, visit: (id: string, seq: number, conversation: number | null) => void): boolean {
    let any = false;
    for (const match of text.matchAll(messageTag)) {
      any = true;
      const tag = match[0];
      const seq = Number(seqAttribute.exec(tag)?.[1] ?? 0);
      let conversation = conversationAttribute.exec(tag)?.[1];
      if (conversation === undefined) {
        // Or named by an element around it.
        const at = text.lastIndexOf(conversationMark, match.index);
        if (at >= 0) conversation = /^(\d+)/.exec(text.slice(at + conversationMark.length))?.[1];
      }
      visit(match[1]!, seq, conversation === undefined ? null : Number(conversation));
    }
    return any;
  }

  /** Counts a frame; an event goes to onEvent, each message of a fragment to `visit`. */
  function onFrame(side: "visitor" | "agent", data: unknown, visit: (id: string, seq: number, conversation: number | null) => void): void {
    const text = typeof data === "string" ? data : Buffer.from(data as ArrayBuffer).toString();
    phase.frames[side]++;
    if (side === "agent") phase.frames.agentBytes += text.length;
    if (text.charCodeAt(0) === 123 /* { */) return onEvent(side, text);
    if (!eachMessage(text, visit)) bump(phase.otherFrames[side], "fragment");
  }

  /** A message on a visitor's socket: their own confirmed, or their agent's answer. */
  function visitorSaw(slot: number, id: string, seq: number): void {
    if (seq > visitorSeq[slot]!) visitorSeq[slot] = seq;
    const parsed = parseMessageId(id);
    if (!parsed) return;
    if (parsed.visitor !== firstVisitor + slot) return void phase.misdelivered.visitorSide++;
    if (seenByVisitors.has(id)) return void phase.doubled.visitorSide++;
    seenByVisitors.add(id);
    const latency = nowMs() - parsed.sentUs / 1000;
    if (parsed.kind === "R") {
      phase.toVisitor++;
      phase.toVisitorIds.push(id);
      phase.record("toVisitor", parsed.sentUs, latency, crossProcess(parsed.visitor, parsed.agent));
    } else {
      phase.visitorAcked++;
      phase.visitorAckedIds.push(id);
      phase.record("visitorAck", parsed.sentUs, latency);
    }
  }

  /** A message on an agent's socket: a visitor's, to answer, or the agent's own answer confirmed. */
  function agentSaw(slot: number, id: string, seq: number, conversation: number | null): void {
    if (seq > agentSeq[slot]!) agentSeq[slot] = seq;
    const parsed = parseMessageId(id);
    if (!parsed) return;
    const agent = firstAgent + slot;
    if (parsed.kind === "R") {
      if (parsed.agent !== agent) return void phase.misdelivered.agentSide++;
      if (seenByAgents.has(id)) return void phase.doubled.agentSide++;
      seenByAgents.add(id);
      phase.agentAcked++;
      phase.agentAckedIds.push(id);
      phase.record("agentAck", parsed.sentUs, nowMs() - parsed.sentUs / 1000);
      return;
    }
    // A visitor's message reaching its agent: always the same agent and conversation.
    const known = servedBy.get(parsed.visitor);
    if (known && (known[0] !== agent || (conversation !== null && known[1] !== conversation))) return void phase.misdelivered.agentSide++;
    if (!known && conversation !== null) {
      servedBy.set(parsed.visitor, [agent, conversation]);
      phase.served.push([parsed.visitor, agent, conversation]);
    }
    if (seenByAgents.has(id)) return void phase.doubled.agentSide++;
    seenByAgents.add(id);
    phase.toAgent++;
    phase.toAgentIds.push(id);
    phase.record("toAgent", parsed.sentUs, nowMs() - parsed.sentUs / 1000, crossProcess(parsed.visitor, agent));
    if (parsed.kind === "V") answer(slot, conversation, id);
  }

  function answer(slot: number, conversation: number | null, visitorMessage: string): void {
    const ws = agentSockets[slot];
    if (conversation === null || !ws) return void phase.unanswerable++;
    const clientId = answerId(firstAgent + slot, nowUs(), visitorMessage);
    ws.send(JSON.stringify({ type: "send", conversation, clientId, body: `Thanks, I am looking at it now.${filler}` }));
    phase.agentSent++;
    phase.agentSentIds.push(clientId);
  }

  function connect(
    origin: string,
    path: string,
    headers: Record<string, string>,
    hello: () => unknown[],
    onFrame: (data: unknown) => void,
    onGone: () => void,
  ): Promise<WebSocket | null> {
    const url = `${origin.replace(/^http/, "ws")}${path}`;
    return new Promise((done) => {
      const ws = new WebSocket(url, { headers: { ...headers, origin, "accept-language": locale, "user-agent": "kefu-bench" } } as never);
      let opened = false;
      const timer = setTimeout(() => {
        if (opened) return;
        fail(`socket open timed out: ${url}`);
        ws.close();
        done(null);
      }, 15_000);
      ws.onopen = () => {
        opened = true;
        clearTimeout(timer);
        for (const frame of hello()) ws.send(JSON.stringify(frame));
        done(ws);
      };
      ws.onmessage = (event) => onFrame(event.data);
      ws.onclose = (event) => {
        if (!opened) {
          clearTimeout(timer);
          fail(`socket closed before open: ${event.code} ${event.reason}`);
          return done(null);
        }
        onGone();
        if (!closing) bump(phase.closeCodes, String(event.code));
      };
    });
  }

  /** Opens every socket not open: agents first, so they are online before anyone writes. */
  async function connectAll(): Promise<void> {
    await pool(agentSockets.length, setup.concurrency, async (slot) => {
      if (agentSockets[slot]) return;
      const hello = () => [...(setup.consoleLists ? [{ type: "resume", after: 0 }] : []), { type: "follow", after: agentSeq[slot] }];
      const saw = (id: string, seq: number, conversation: number | null) => agentSaw(slot, id, seq, conversation);
      const ws = await connect(agentOrigin(firstAgent + slot), `/ws/agent?locale=${locale}`, { cookie: `kefu_session=${setup.agentCookies[slot]}` }, hello, (data) => onFrame("agent", data, saw), () => {
        agentSockets[slot] = null;
      });
      agentSockets[slot] = ws;
    });
    await pool(setup.visitors, setup.concurrency, async (slot) => {
      if (!tokens[slot]) return;
      for (let attempt = 0; attempt < 3 && !visitorSockets[slot]; attempt++) {
        const headers = { cookie: `kefu_visitor=${tokens[slot]}`, "x-forwarded-for": visitorAddress(firstVisitor + slot) };
        const hello = () => [{ type: "resume", after: visitorSeq[slot] }];
        const saw = (id: string, seq: number) => visitorSaw(slot, id, seq);
        const ws = await connect(visitorOrigin(firstVisitor + slot), `/chat/${widgetKey}/ws`, headers, hello, (data) => onFrame("visitor", data, saw), () => {
          visitorSockets[slot] = null;
        });
        visitorSockets[slot] = ws;
        if (!ws) await sleep(200);
      }
    });
  }

  function ready(connectMs: number): Ready {
    return {
      type: "ready",
      visitorsOpen: visitorSockets.filter(Boolean).length,
      agentsOpen: agentSockets.filter(Boolean).length,
      failures: failures.splice(0),
      cookieMs,
      connectMs,
    };
  }

  /** The first `count` visitors with a socket. */
  const activeSlots = (count: number) => {
    const slots: number[] = [];
    for (let slot = 0; slot < setup.visitors && slots.length < count; slot++) if (visitorSockets[slot]) slots.push(slot);
    return slots;
  };

  function sendFromVisitor(kind: "W" | "V", slot: number): void {
    const ws = visitorSockets[slot];
    if (!ws) return;
    const visitor = firstVisitor + slot;
    const clientId = visitorMessageId(kind, visitor, messageCount++, nowUs());
    const body = kind === "W" ? `Hello, I am visitor ${visitor}.` : `Is my parcel on its way? (message ${messageCount} from visitor ${visitor})${filler}`;
    ws.send(JSON.stringify({ type: "send", clientId, body }));
    phase.visitorSent++;
    phase.visitorSentIds.push(clientId);
  }

  let stopSending = false;

  /** Sends `total` messages, one every `gapMs` from `t0`, over `slots` in turn, until done or stopped. */
  function sendAtRate(kind: "W" | "V", slots: number[], total: number, gapMs: number, t0: number): Promise<void> {
    let n = 0;
    return new Promise((done) => {
      const tick = () => {
        const elapsed = performance.now() - t0;
        const due = Math.min(total, Math.floor(elapsed / gapMs) + 1);
        while (n < due && !stopSending) {
          phase.maxSendLagMs = Math.max(phase.maxSendLagMs, performance.now() - t0 - n * gapMs);
          sendFromVisitor(kind, slots[n % slots.length]!);
          n++;
        }
        if (n >= total || stopSending) {
          clearInterval(timer);
          done();
        }
      };
      const timer = setInterval(tick, 1);
      tick();
    });
  }

  // This process's own stalls (event loop blocked > 20 ms), e.g. when Bun's pings reach every idle
  // socket at once: a stall here delays timings without the server being slow.
  let loopMark = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - loopMark > 20) phase.stalls.push([Math.floor((nowUs() - phase.startUs) / 1e6), Math.round(now - loopMark)]);
    loopMark = now;
  }, 2);

  function progress(): Progress {
    const { visitorSent, visitorAcked, visitorRefused, toAgent, agentSent, agentAcked, agentRefused, toVisitor } = phase;
    return { type: "progress", visitorSent, visitorAcked, visitorRefused, toAgent, agentSent, agentAcked, agentRefused, toVisitor };
  }

  function report(): PhaseReport {
    const unconfirmed = (ids: string[], seen: Set<string>) => ids.filter((id) => !seen.has(id) && !refused.has(id));
    const visitorUnconfirmed = unconfirmed(phase.visitorSentIds, seenByVisitors);
    const agentUnconfirmed = unconfirmed(phase.agentSentIds, seenByAgents);
    const { visitorSent, visitorAcked, visitorRefused, toAgent, agentSent, agentAcked, agentRefused, toVisitor } = phase;
    const done: PhaseReport = {
      type: "report",
      visitorSent,
      visitorAcked,
      visitorRefused,
      toAgent,
      agentSent,
      agentAcked,
      agentRefused,
      toVisitor,
      steady: legsJson(phase.steady),
      crossProcess: { toAgent: phase.crossProcess.toAgent.toJSON(), toVisitor: phase.crossProcess.toVisitor.toJSON() },
      all: legsJson(phase.all),
      perSecond: phase.perSecond.map((second) => legsJson(second ?? emptyLegs())),
      visitorUnconfirmed: visitorUnconfirmed.length,
      agentUnconfirmed: agentUnconfirmed.length,
      unconfirmedSample: [...visitorUnconfirmed, ...agentUnconfirmed].slice(0, 5),
      visitorAckedIds: phase.visitorAckedIds,
      agentAckedIds: phase.agentAckedIds,
      toAgentIds: phase.toAgentIds,
      toVisitorIds: phase.toVisitorIds,
      served: phase.served,
      doubled: phase.doubled,
      misdelivered: phase.misdelivered,
      unanswerable: phase.unanswerable,
      errors: phase.errors,
      otherFrames: phase.otherFrames,
      frames: phase.frames,
      closeCodes: phase.closeCodes,
      maxSendLagMs: phase.maxSendLagMs,
      stalls: phase.stalls,
    };
    phase = new Phase();
    phase.startUs = nowUs();
    return done;
  }

  // 3. Commands, in the order the orchestrator gives them; "progress" and "stop" may come while
  // a send is running.
  process.on("message", async (message) => {
    const command = message as Command;
    switch (command.type) {
      case "connect":
      case "reconnect": {
        const start = performance.now();
        await connectAll();
        const ms = performance.now() - start;
        // Start measuring from a clean heap: the setup made a lot of garbage, and a major collection
        // in the middle of the run would stall this process and show up as latency.
        Bun.gc(true);
        return reply(ready(ms));
      }
      case "warmup": {
        stopSending = false;
        phase.startUs = nowUs();
        const slots = activeSlots(command.active);
        await sendAtRate("W", slots, slots.length, 1000 / command.rate, performance.now());
        return reply({ type: "sent" });
      }
      case "go": {
        stopSending = false;
        const slots = activeSlots(command.active);
        await sleep(command.startAtWall - wallNow());
        phase.startUs = nowUs();
        const total = slots.length ? Math.round(command.rate * command.seconds) : 0;
        await sendAtRate("V", slots, total, 1000 / command.rate, performance.now());
        return reply({ type: "sent" });
      }
      case "stop":
        stopSending = true;
        return;
      case "progress":
        return reply(progress());
      case "report":
        return reply(report());
      case "close":
        closing = true;
        for (const ws of [...visitorSockets, ...agentSockets]) ws?.close(1000, "bench done");
        await sleep(300);
        process.exit(0);
    }
  });
}
