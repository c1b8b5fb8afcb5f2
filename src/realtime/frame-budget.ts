// What one socket may send. The threat: a single visitor or agent page scripted to flood frames
// (10,000 "resume" frames each rendering a replay; 50,000 "read" frames each an UPDATE; an agent
// pushing 15 KB messages nonstop) stalls every honest chat on the server. Each frame type has an
// allowance per socket per window, sized from what an honest page sends; past it a frame is
// ignored (a message is refused by name, so its bubble says so), and a socket far past any
// allowance is closed with 4429, which pages do not reconnect on. A visitor's or an agent's pages
// share a larger allowance too, and may open only so many sockets per window, so reconnecting
// buys a flood nothing. Counted before anything else looks at the frame: a refused one costs
// almost nothing.
import type { Translate } from "../i18n";
import type { Frame } from "./frames";
import { socketCloseCodes } from "./socket-support";

type Counted = Frame["type"] | "invalid";

export const frameWindowMs = 10_000;

/** Frames of each type one socket may send per window (frameWindowMs), and why that many. */
export const frameAllowances: Record<Counted, number> = {
  // A page resumes once per connection; each replay is bounded by replayCap messages.
  resume: 3,
  // Once per connection too; a change of the lists since renders them all again.
  lists: 3,
  follow: 3,
  // Sent when new messages are shown or the page is looked at again.
  read: 30,
  // chat.js sends "typing" at most every 2 seconds, one more after a burst with the preview on.
  typing: 15,
  // Faster than anyone types; a visitor is also held to visitorBurst across their pages.
  send: 30,
  faq: 10,
  end: 3,
  // A call: one invitation and its answer, and the ICE candidates each side trickles (a few per
  // network interface and server). Invitations past callLimits.invitesPerMinute are refused by name.
  "call-invite": 8,
  "call-accept": 3,
  "call-refuse": 3,
  "call-offer": 3,
  "call-answer": 3,
  "call-ice": 60,
  "call-hangup": 8,
  person: 3,
  // Frames that are not ours: each gets an error answer, so only a few.
  invalid: 10,
};

/** Past this many times an allowance within one window, the socket is closed. */
const floodFactor = 4;

/** One visitor's or agent's pages together may send this many times one socket's allowances (several tabs). */
const identityFactor = 3;

/** Sockets one visitor or agent may open per window: pages reconnect with a backoff, never faster. */
const opensPerWindow = 20;

/** Identities whose counts are kept at once, bounding memory when an attacker cycles through many. */
const maxIdentities = 50_000;

const counted = new Set<string>(Object.keys(frameAllowances));
/** Each counted kind's slot in a FrameCounts. */
const slots = new Map<Counted | "open", number>([...Object.keys(frameAllowances), "open"].map((type, slot) => [type as Counted | "open", slot]));

/** Counts of one socket or one identity: a fixed window and one small number per kind, so idle sockets cost little. */
class FrameCounts {
  private windowStart = 0;
  private readonly counts = new Uint16Array(slots.size);

  /** This many of `type` so far in the current window, this one included. */
  add(type: Counted | "open", now: number): number {
    if (now - this.windowStart >= frameWindowMs) {
      this.windowStart = now;
      this.counts.fill(0);
    }
    const slot = slots.get(type)!;
    // Saturates rather than wraps: a flood far past any allowance stays far past it.
    if (this.counts[slot]! < 0xffff) this.counts[slot]!++;
    return this.counts[slot]!;
  }
}

interface Socket {
  send(text: string): void;
  close(code: number, reason: string): void;
}

/**
 * The frame budgets of one audience's sockets: each socket's own, and each identity's (a visitor's
 * or an agent's pages together), so that a flood gains nothing by reconnecting again and again.
 */
export class FrameBudgets {
  private readonly sockets = new WeakMap<object, FrameCounts>();
  private readonly identities = new Map<string, FrameCounts>();
  private readonly allowances: Record<Counted, number>;

  /** `more`: allowances of this audience above the defaults (an agent socket carries many chats). */
  constructor(more: Partial<Record<Counted, number>> = {}, private readonly now: () => number = () => performance.now()) {
    this.allowances = { ...frameAllowances, ...more };
  }

  private identity(key: string): FrameCounts {
    let counts = this.identities.get(key);
    if (counts) return counts;
    counts = new FrameCounts();
    this.identities.set(key, counts);
    if (this.identities.size > maxIdentities) this.identities.delete(this.identities.keys().next().value!);
    return counts;
  }

  /** A socket opening for `identity`; false when it opens them faster than any page would. */
  admitSocket(identity: string): boolean {
    return this.identity(identity).add("open", this.now()) <= opensPerWindow;
  }

  /**
   * Counts a frame against its socket (`socketKey`: an object that lives as long as the socket)
   * and its identity; true to handle it. An over-allowance message is answered with an error
   * naming it ("slow down"); other frames over it are dropped unanswered; a flood closes the socket.
   */
  admit(socketKey: object, identity: string, data: unknown, socket: Socket, t: Translate): boolean {
    const type = typeof data === "object" && data !== null && counted.has(String((data as { type?: unknown }).type)) ? (data as { type: Counted }).type : "invalid";
    let mine = this.sockets.get(socketKey);
    if (!mine) this.sockets.set(socketKey, (mine = new FrameCounts()));
    const now = this.now();
    const allowed = this.allowances[type];
    const ofSocket = mine.add(type, now);
    const ofIdentity = this.identity(identity).add(type, now);
    if (ofSocket <= allowed && ofIdentity <= allowed * identityFactor) return true;
    if (ofSocket > allowed * floodFactor || ofIdentity > allowed * identityFactor * floodFactor) {
      socket.close(socketCloseCodes.tooManyFrames, "too many frames");
    } else if (type === "send" || type === "faq") {
      const clientId = (data as { clientId?: unknown }).clientId;
      socket.send(JSON.stringify({ type: "error", clientId: typeof clientId === "string" ? clientId.slice(0, 64) : undefined, message: t("message.slowDown") }));
    }
    return false;
  }
}
