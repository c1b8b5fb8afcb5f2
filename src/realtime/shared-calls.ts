// Calls when several processes serve the shop (--redis-url): the agent's socket and the visitor's
// page may be on different processes. The process whose agent socket invited owns the call
// (calls.ts: its ring timer, its relay, its one line in the thread). Redis holds the call's record
// under the visitor, so "one call per visitor" holds across processes and a page elsewhere finds
// the owner. The threat is the same as in one process: a page's process relays only for the page
// that accepted, and the owner checks again that the frame comes from the page it accepted.
import type { Cluster } from "./cluster";
import { type Call, type CallPeer, CallRefusal, type Calls } from "./calls";
import type { ClientEvent } from "./publisher";
import type { RedisLink } from "./redis-link";
import { randomToken } from "../domain/tokens";

type RefusalKey = CallRefusal["key"];

/** What processes tell each other about a call, on the channel of the process it is for. */
type Told =
  // To the owner, from the process of a visitor's page.
  | { op: "accept"; ask: string; from: string; ref: string; callId: string; visitorId: number }
  | { op: "refuse"; ask: string; from: string; callId: string; visitorId: number }
  | { op: "relay"; ref: string; callId: string; visitorId: number; event: ClientEvent }
  | { op: "hangUp"; ref: string }
  | { op: "visitorGone"; visitorId: number }
  // To the page's process, from the owner.
  | { op: "answer"; ask: string; refusal: RefusalKey | null }
  | { op: "toPage"; ref: string; text: string }
  | { op: "release"; ref: string };

/** A late accept still finds the record and reaches the owner, who decides. */
const ringSlackMs = 2_000;
/** An answered call's record outlives its owner (a process that died) by at most this long. */
const answeredTtlMs = 60_000;
/** Past this, the owner of a call did not answer: it is gone, and so is its call. */
const askMs = 5_000;
/** Past this, Redis is down (the client keeps commands until it is back): calls are unavailable. */
const redisWaitMs = 2_000;

// Atomic in Redis: two processes claiming one visitor at once, or a record that expired and was
// claimed again by another call, which must not be refreshed or deleted by this one.
const claimScript = `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;
const keepScript = `if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'answeredAt', ARGV[3]) end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])`;
const releaseScript = `if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

/** The page that accepted, on another process: what the call sends it goes there. */
class RemotePage implements CallPeer {
  constructor(
    readonly process: string,
    readonly ref: string,
    private readonly tell: (told: Told) => void,
  ) {}

  send(text: string): void {
    this.tell({ op: "toPage", ref: this.ref, text });
  }

  release(): void {
    this.tell({ op: "release", ref: this.ref });
  }
}

/** A page here that accepted a call owned by another process. */
interface Guest {
  ref: string;
  owner: string;
  callId: string;
  visitorId: number;
  /** The owner said yes: until then the page relays nothing. */
  accepted: boolean;
}

export class SharedCalls {
  private readonly link: RedisLink;
  /** Settles once this process hears its channel: nothing is asked before an answer can come back. */
  private readonly listening: Promise<void>;
  /** Owner side: the pages elsewhere that accepted a call of this process's, by ref. */
  private readonly remotePages = new Map<string, RemotePage>();
  /** Page side: this process's pages in a call owned elsewhere, and the same by ref. */
  private readonly guests = new Map<CallPeer, Guest>();
  private readonly guestPages = new Map<string, CallPeer>();
  private readonly asks = new Map<string, (refusal: RefusalKey | null) => void>();
  private asked = 0;
  /** Answered calls' record refreshes, by call id. */
  private readonly keeping = new Map<string, ReturnType<typeof setInterval>>();
  private readonly warn = (error: unknown) => this.link.log.warn("redis call record failed", { error: String(error) });

  constructor(
    private readonly cluster: Cluster & { link: RedisLink },
    private readonly calls: Calls,
    private readonly ringMs: number,
  ) {
    this.link = cluster.link;
    this.listening = this.link.listen(this.channel(cluster.processId), (raw) => this.heard(JSON.parse(raw) as Told));
  }

  /** Takes the visitor for this call unless they are in one (on any process); false if they are. */
  async claim(call: Call): Promise<boolean> {
    await this.listening;
    const fields = { id: call.id, owner: this.cluster.processId, agentId: call.agentId, conversationId: call.conversationId, media: call.media };
    const args = [String(this.ringMs + ringSlackMs), ...Object.entries(fields).flat().map(String)];
    const claiming = this.eval(claimScript, this.record(call.visitorId), args);
    try {
      return (await this.redis(claiming)) === 1;
    } catch (error) {
      // Redis may run the claim once it is back: the visitor must not stay busy with a call that never rang.
      claiming.then((claimed) => claimed === 1 && this.release(call), this.warn);
      throw error;
    }
  }

  /** The call was answered: its record lasts while the owner lives (refreshed), not the ring. */
  answered(call: Call): void {
    const keep = (answeredAt = "") => this.eval(keepScript, this.record(call.visitorId), [call.id, String(answeredTtlMs), answeredAt]).catch(this.warn);
    void keep(String(call.answeredAt));
    this.keeping.set(call.id, setInterval(keep, answeredTtlMs / 3));
  }

  /** The owner ended the call: its record goes, and a page elsewhere that took it forgets it. */
  ended(call: Call): void {
    clearInterval(this.keeping.get(call.id));
    this.keeping.delete(call.id);
    this.release(call);
    if (call.visitor instanceof RemotePage) {
      this.remotePages.delete(call.visitor.ref);
      call.visitor.release();
    }
  }

  /** The visitor takes, on this page, a call owned by another process (calls.ts owns the rest). */
  async accept(page: CallPeer, visitorId: number, callId: string): Promise<void> {
    const owner = await this.ownerOf(visitorId, callId);
    // One call per visitor: this page accepting it again is refused, as in one process; another
    // call of theirs means the one the page had is over (its ending was lost while Redis was away).
    const earlier = this.guests.get(page);
    if (earlier?.callId === callId) throw new CallRefusal("call.gone");
    if (earlier) this.forget(earlier.ref);
    const guest = { ref: randomToken(12), owner, callId, visitorId, accepted: false };
    this.guests.set(page, guest);
    this.guestPages.set(guest.ref, page);
    const refusal = await this.ask(owner, (ask) => ({ op: "accept", ask, from: this.cluster.processId, ref: guest.ref, callId, visitorId }));
    if (refusal === null) {
      guest.accepted = true;
      return;
    }
    this.forget(guest.ref);
    throw new CallRefusal(refusal);
  }

  async refuse(visitorId: number, callId: string): Promise<void> {
    const owner = await this.ownerOf(visitorId, callId);
    const refusal = await this.ask(owner, (ask) => ({ op: "refuse", ask, from: this.cluster.processId, callId, visitorId }));
    if (refusal !== null) throw new CallRefusal(refusal);
  }

  /** Whether this socket is a page here in a call owned by another process. */
  isGuest(peer: CallPeer): boolean {
    return this.guests.has(peer);
  }

  /** The page takes a call of this process's: a call elsewhere it still seems to be in is over. */
  forgetGuest(page: CallPeer): void {
    const guest = this.guests.get(page);
    if (guest) this.forget(guest.ref);
  }

  /** The guest page's answer and candidates, to the owner (who relays them to its agent). */
  relay(page: CallPeer, callId: string, event: ClientEvent): void {
    const guest = this.guestOf(page, callId);
    if (!guest.accepted) throw new CallRefusal("call.gone");
    this.tell(guest.owner, { op: "relay", ref: guest.ref, callId, visitorId: guest.visitorId, event });
  }

  /** Also before the owner's yes: should it come, the call ends at once. */
  hangUp(page: CallPeer, callId: string): void {
    this.leave(this.guestOf(page, callId));
  }

  /** The guest page's socket closed: for its owner, as if it hung up. */
  closed(page: CallPeer): void {
    this.leave(this.guests.get(page)!);
  }

  /** The visitor was deleted here: their call, owned elsewhere, ends there. */
  visitorGone(visitorId: number): void {
    this.link.commands
      .hget(this.record(visitorId), "owner")
      .then((owner) => {
        if (owner && owner !== this.cluster.processId) this.tell(owner, { op: "visitorGone", visitorId });
      })
      .catch(this.warn);
  }

  stop(): void {
    for (const keep of this.keeping.values()) clearInterval(keep);
    for (const answer of this.asks.values()) answer("call.gone");
  }

  private heard(told: Told): void {
    switch (told.op) {
      case "accept": {
        const page = new RemotePage(told.from, told.ref, (message) => this.tell(told.from, message));
        this.remotePages.set(page.ref, page);
        void this.refusalOf(() => this.calls.accept(page, told.visitorId, told.callId)).then((refusal) => {
          if (refusal !== null) this.remotePages.delete(page.ref);
          this.tell(told.from, { op: "answer", ask: told.ask, refusal });
        });
        return;
      }
      case "refuse":
        void this.refusalOf(() => this.calls.refuse(told.visitorId, told.callId)).then((refusal) => this.tell(told.from, { op: "answer", ask: told.ask, refusal }));
        return;
      case "relay":
      case "hangUp": {
        // Only from a page this process accepted; anything else (a call ended meanwhile) is dropped.
        const page = this.remotePages.get(told.ref);
        if (!page) return;
        if (told.op === "relay") void this.refusalOf(() => this.calls.fromVisitor(page, told.visitorId, told.callId, told.event));
        else void this.refusalOf(() => this.calls.peerClosed(page));
        return;
      }
      case "visitorGone":
        void this.refusalOf(() => this.calls.visitorGone(told.visitorId));
        return;
      case "answer":
        this.asks.get(told.ask)?.(told.refusal);
        return;
      case "toPage":
        this.guestPages.get(told.ref)?.send(told.text);
        return;
      case "release":
        this.forget(told.ref);
        return;
    }
  }

  /** The process that owns the visitor's call `callId`; refused when there is none, or it is this one's (it ended). */
  private async ownerOf(visitorId: number, callId: string): Promise<string> {
    const [id, owner] = await this.redis(this.link.commands.hmget(this.record(visitorId), ["id", "owner"]));
    if (id !== callId || !owner || owner === this.cluster.processId) throw new CallRefusal("call.gone");
    return owner;
  }

  private guestOf(page: CallPeer, callId: string): Guest {
    const guest = this.guests.get(page)!;
    if (guest.callId !== callId) throw new CallRefusal("call.gone");
    return guest;
  }

  private leave(guest: Guest): void {
    this.forget(guest.ref);
    this.tell(guest.owner, { op: "hangUp", ref: guest.ref });
  }

  private forget(ref: string): void {
    const page = this.guestPages.get(ref);
    if (!page) return;
    this.guestPages.delete(ref);
    this.guests.delete(page);
  }

  /** Tells the owner and waits for its answer: null when it did what was asked. */
  private async ask(process: string, told: (ask: string) => Told): Promise<RefusalKey | null> {
    await this.listening;
    const ask = String(++this.asked);
    return new Promise((resolve) => {
      const timer = setTimeout(() => answer("call.gone"), askMs);
      const answer = (refusal: RefusalKey | null) => {
        clearTimeout(timer);
        this.asks.delete(ask);
        resolve(refusal);
      };
      this.asks.set(ask, answer);
      this.tell(process, told(ask));
    });
  }

  /** Runs a call operation for another process: its refusal, if any, to be told back. */
  private async refusalOf(operation: () => void | Promise<void>): Promise<RefusalKey | null> {
    try {
      await operation();
      return null;
    } catch (error) {
      if (error instanceof CallRefusal) return error.key;
      this.link.log.error("a call operation for another process failed", { error });
      return "call.unavailable";
    }
  }

  /** A Redis command the caller waits on: when Redis fails or is away, calls are unavailable for a moment. */
  private async redis<T>(command: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const away = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from redis in ${redisWaitMs} ms`)), redisWaitMs);
    });
    try {
      return await Promise.race([command, away]);
    } catch (error) {
      this.warn(error);
      throw new CallRefusal("call.unavailable");
    } finally {
      clearTimeout(timer);
    }
  }

  private release(call: Call): void {
    this.eval(releaseScript, this.record(call.visitorId), [call.id]).catch(this.warn);
  }

  private eval(script: string, key: string, args: string[]): Promise<unknown> {
    return this.link.commands.send("EVAL", [script, "1", key, ...args]);
  }

  private tell(process: string, told: Told): void {
    this.link.publish(this.channel(process), JSON.stringify(told));
  }

  private channel(process: string): string {
    return this.cluster.key(`calls:${process}`);
  }

  private record(visitorId: number): string {
    return this.cluster.key(`call:visitor:${visitorId}`);
  }
}
