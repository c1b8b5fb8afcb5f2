// The calls going on, and the relay of their signalling. The threat: signalling is a way to push
// data at someone's browser, so a frame is relayed only between the two ends of one call (the
// conversation's assigned agent, on the socket that invited, and the visitor's page that
// accepted); anyone else naming the call gets an error and nothing moves. A visitor is in one call
// at a time. Nothing here is stored: when a call ends, one line goes into the thread. With other
// processes, the two ends may be on different ones: shared-calls.ts carries the call between them.
import type { AppDeps } from "../app";
import type { Database } from "../db/client";
import { type CallMedia, type CallOutcome, type IceServer, iceServersOf, recordCall } from "../domain/calls";
import type { ConversationEvents } from "../domain/events";
import { callLimits } from "../domain/limits";
import { randomToken } from "../domain/tokens";
import { type Translate, translator } from "../i18n";
import { callTexts } from "../views/call-texts";
import type { Cluster } from "./cluster";
import type { ClientEvent, Publisher } from "./publisher";
import { SharedCalls } from "./shared-calls";
import { replyFailure } from "./socket-support";
import { topics } from "./topics";

/** Why a call ended, as the other end (or the visitor's other pages) is told. */
export type CallEnding = "refused" | "missed" | "hungUp" | "answeredElsewhere";

/** What the server tells the two ends of a call. */
export type CallEvent =
  | { type: "call"; signal: "invite"; callId: string; media: CallMedia; from: string; iceServers: IceServer[]; texts: Record<string, string> }
  | { type: "call"; signal: "ringing"; callId: string; media: CallMedia; iceServers: IceServer[] }
  | { type: "call"; signal: "accepted"; callId: string }
  | { type: "call"; signal: "offer" | "answer"; callId: string; sdp: string }
  | { type: "call"; signal: "ice"; callId: string; candidate: unknown }
  | { type: "call"; signal: "ended"; callId: string; reason: CallEnding };

/** One end of a call: the socket it signals on. */
export interface CallPeer {
  send(text: string): void;
}

export interface Call {
  id: string;
  businessId: number;
  conversationId: number;
  visitorId: number;
  agentId: number;
  media: CallMedia;
  agent: CallPeer;
  /** The visitor's page that accepted; null while it rings. */
  visitor: CallPeer | null;
  answeredAt: number | null;
  ringing: ReturnType<typeof setTimeout> | null;
}

/** What a refused call frame is told (an error event; nothing was relayed). */
export class CallRefusal extends Error {
  constructor(readonly key: "call.gone" | "call.busy" | "call.visitorOffline" | "call.notYours" | "call.slowDown" | "call.unavailable") {
    super(key);
  }
}

const json = (event: ClientEvent) => JSON.stringify(event);

/**
 * Runs a call frame's handling; a refusal becomes an error event for the call window. With other
 * processes the handling may wait on Redis or on another process: its failure is told the same way.
 */
export function callFrame(deps: Pick<AppDeps, "log">, reply: (event: ClientEvent) => void, t: Translate, handle: () => void | Promise<void>): void {
  const failed = (error: unknown) => {
    if (error instanceof CallRefusal) reply({ type: "error", message: t(error.key), call: true });
    else replyFailure(deps, reply, t, error);
  };
  try {
    handle()?.catch(failed);
  } catch (error) {
    failed(error);
  }
}

export class Calls {
  private readonly byId = new Map<string, Call>();
  private readonly byVisitor = new Map<number, Call>();
  private readonly byPeer = new Map<CallPeer, Call>();
  /** Agent sockets whose invitation waits for Redis to say whether the visitor is free. */
  private readonly inviting = new Set<CallPeer>();
  /** The calls' records in Redis and the relay to other processes; null when this process is alone. */
  private readonly shared: SharedCalls | null;

  constructor(
    private readonly db: Database,
    private readonly events: ConversationEvents,
    private readonly publisher: Publisher,
    cluster: Cluster,
    private readonly ringMs: number = callLimits.ringMs,
  ) {
    this.shared = cluster.link ? new SharedCalls({ ...cluster, link: cluster.link }, this, ringMs) : null;
  }

  /**
   * The conversation's agent rings its visitor: every page of theirs shows the invitation, in its
   * own language. The caller checked the conversation is the agent's and open, and the visitor online.
   */
  invite(agent: CallPeer, caller: { id: number; businessId: number; name: string }, conversation: { id: number; visitorId: number }, media: CallMedia): void | Promise<void> {
    if (this.byVisitor.has(conversation.visitorId)) throw new CallRefusal("call.busy");
    if (this.byPeer.has(agent) || this.inviting.has(agent)) throw new CallRefusal("call.busy");
    const call: Call = {
      id: randomToken(12),
      businessId: caller.businessId,
      conversationId: conversation.id,
      visitorId: conversation.visitorId,
      agentId: caller.id,
      media,
      agent,
      visitor: null,
      answeredAt: null,
      ringing: null,
    };
    if (!this.shared) return this.ring(call, caller.name);
    // The visitor may be in a call owned by another process: Redis says, once for all of them.
    this.inviting.add(agent);
    return this.shared.claim(call).then(
      (claimed) => {
        // The socket closed while Redis answered (peerClosed let it go): nobody to ring for.
        if (!this.inviting.delete(agent)) {
          if (claimed) this.shared!.ended(call);
          return;
        }
        if (!claimed) throw new CallRefusal("call.busy");
        this.ring(call, caller.name);
      },
      (error) => {
        this.inviting.delete(agent);
        throw error;
      },
    );
  }

  private ring(call: Call, from: string): void {
    const { agent, media } = call;
    call.ringing = setTimeout(() => this.end(call, "missed", "missed"), this.ringMs);
    this.byId.set(call.id, call);
    this.byVisitor.set(call.visitorId, call);
    this.byPeer.set(agent, call);
    const iceServers = iceServersOf(this.db, call.businessId);
    agent.send(json({ type: "call", signal: "ringing", callId: call.id, media, iceServers }));
    this.toVisitorPages(call, (t) => ({ type: "call", signal: "invite", callId: call.id, media, from, iceServers, texts: callTexts(t, "visitor") }));
  }

  /** The visitor took the call on this page; their other pages drop the invitation. */
  accept(page: CallPeer, visitorId: number, callId: string): void | Promise<void> {
    if (this.shared && !this.byVisitor.has(visitorId)) return this.shared.accept(page, visitorId, callId);
    const call = this.ofVisitor(visitorId, callId);
    if (call.visitor) throw new CallRefusal("call.gone");
    clearTimeout(call.ringing!);
    call.ringing = null;
    call.visitor = page;
    call.answeredAt = Date.now();
    this.byPeer.set(page, call);
    this.shared?.forgetGuest(page);
    this.toVisitorPages(call, () => ({ type: "call", signal: "ended", callId: call.id, reason: "answeredElsewhere" }));
    call.agent.send(json({ type: "call", signal: "accepted", callId: call.id }));
    this.shared?.answered(call);
  }

  refuse(visitorId: number, callId: string): void | Promise<void> {
    if (this.shared && !this.byVisitor.has(visitorId)) return this.shared.refuse(visitorId, callId);
    const call = this.ofVisitor(visitorId, callId);
    if (call.visitor) throw new CallRefusal("call.gone");
    this.end(call, "refused", "refused");
  }

  /** The agent's offer and candidates, to the page that accepted; only from the socket that invited. */
  fromAgent(agent: CallPeer, agentId: number, callId: string, event: ClientEvent): void {
    const call = this.byId.get(callId);
    if (!call || call.agentId !== agentId || call.agent !== agent || !call.visitor) throw new CallRefusal("call.gone");
    call.visitor.send(json(event));
  }

  /** The visitor's answer and candidates, to the agent; only from the page that accepted. */
  fromVisitor(page: CallPeer, visitorId: number, callId: string, event: ClientEvent): void {
    if (this.shared?.isGuest(page)) return this.shared.relay(page, callId, event);
    const call = this.ofVisitor(visitorId, callId);
    if (call.visitor !== page) throw new CallRefusal("call.gone");
    call.agent.send(json(event));
  }

  /** Either end hangs up (the agent before an answer cancels: a missed call for the thread). */
  hangUp(peer: CallPeer, callId: string): void {
    if (this.shared?.isGuest(peer)) return this.shared.hangUp(peer, callId);
    const call = this.byPeer.get(peer);
    if (!call || call.id !== callId) throw new CallRefusal("call.gone");
    this.end(call, call.answeredAt === null ? "missed" : "ended", "hungUp", peer);
  }

  /** A socket closed: a call it carried ends as if it hung up. */
  peerClosed(peer: CallPeer): void {
    if (this.shared?.isGuest(peer)) return this.shared.closed(peer);
    this.inviting.delete(peer);
    const call = this.byPeer.get(peer);
    if (call) this.end(call, call.answeredAt === null ? "missed" : "ended", "hungUp", peer);
  }

  /** The visitor was deleted: their call ends with nothing to record it in. */
  visitorGone(visitorId: number): void {
    const call = this.byVisitor.get(visitorId);
    if (call) this.end(call, null, "hungUp");
    else this.shared?.visitorGone(visitorId);
  }

  /** A stopping server (or a test's app) leaves no ring timer behind. */
  stop(): void {
    for (const call of this.byId.values()) if (call.ringing) clearTimeout(call.ringing);
    this.shared?.stop();
  }

  private ofVisitor(visitorId: number, callId: string): Call {
    const call = this.byVisitor.get(visitorId);
    if (!call || call.id !== callId) throw new CallRefusal("call.gone");
    return call;
  }

  /** Ends the call: both ends are told (but `by`, who ended it), then its line goes into the thread. */
  private end(call: Call, outcome: CallOutcome | null, reason: CallEnding, by?: CallPeer): void {
    if (this.byId.get(call.id) !== call) return;
    if (call.ringing) clearTimeout(call.ringing);
    this.byId.delete(call.id);
    this.byVisitor.delete(call.visitorId);
    this.byPeer.delete(call.agent);
    if (call.visitor) this.byPeer.delete(call.visitor);
    const ended = json({ type: "call", signal: "ended", callId: call.id, reason });
    if (call.agent !== by) call.agent.send(ended);
    if (call.visitor && call.visitor !== by) call.visitor.send(ended);
    // A ringing call's invitation is on every page of the visitor's.
    if (!call.visitor) this.toVisitorPages(call, () => ({ type: "call", signal: "ended", callId: call.id, reason }));
    this.shared?.ended(call);
    if (outcome === null) return;
    const seconds = call.answeredAt === null ? 0 : Math.round((Date.now() - call.answeredAt) / 1000);
    recordCall(this.db, this.events, call.businessId, call.conversationId, { media: call.media, outcome, seconds });
  }

  private toVisitorPages(call: Call, render: (t: Translate) => CallEvent): void {
    this.publisher.send((locale) => topics.visitorThread(call.visitorId, locale), (locale) => render(translator(locale)));
  }
}
