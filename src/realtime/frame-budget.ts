// What one socket may send. The threat: a single visitor or agent page scripted to flood frames
// (10,000 "resume" frames each rendering a replay; 50,000 "read" frames each an UPDATE; an agent
// pushing 15 KB messages nonstop) stalls every honest chat on the server. Each frame type has an
// allowance per socket per window, sized from what an honest page sends; past it a frame is
// ignored (a message is refused by name, so its bubble says so), and a socket far past any
// allowance is closed with 4429, which pages do not reconnect on. Counted before anything else
// looks at the frame, so a refused one costs almost nothing.
import type { Translate } from "../i18n";
import type { Frame } from "./frames";
import { socketCloseCodes } from "./socket-support";

type Counted = Frame["type"] | "invalid";

export const frameWindowMs = 10_000;

/** Frames of each type one socket may send per window (frameWindowMs), and why that many. */
export const frameAllowances: Record<Counted, number> = {
  // A page resumes once per connection; each replay is bounded by replayCap messages.
  resume: 3,
  // Sent when new messages are shown or the page is looked at again.
  read: 30,
  // chat.js sends "typing" at most every 2 seconds, one more after a burst with the preview on.
  typing: 15,
  // Faster than anyone types; a visitor is also held to visitorBurst across their pages.
  send: 30,
  faq: 10,
  end: 3,
  // Frames that are not ours: each gets an error answer, so only a few.
  invalid: 10,
};

/** Past this many times an allowance within one window, the socket is closed. */
const floodFactor = 4;

const counted = new Set<string>(Object.keys(frameAllowances));

/** One socket's counts: a fixed window, a few numbers, so 10,000 idle sockets cost little. */
export class FrameBudget {
  private windowStart = 0;
  private readonly counts = new Map<Counted, number>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** "ok" to handle the frame, "over" to ignore it, "flood" to close the socket. */
  take(type: Counted): "ok" | "over" | "flood" {
    const now = this.now();
    if (now - this.windowStart >= frameWindowMs) {
      this.windowStart = now;
      this.counts.clear();
    }
    const count = (this.counts.get(type) ?? 0) + 1;
    this.counts.set(type, count);
    const allowed = frameAllowances[type];
    return count <= allowed ? "ok" : count > allowed * floodFactor ? "flood" : "over";
  }
}

interface Socket {
  send(text: string): void;
  close(code: number, reason: string): void;
}

/**
 * Counts a frame against its socket's budget: true to handle it. An over-allowance message is
 * answered with an error naming it ("slow down"); other frames over it are dropped unanswered.
 */
export function admitFrame(budget: FrameBudget, data: unknown, socket: Socket, t: Translate): boolean {
  const type = typeof data === "object" && data !== null && counted.has(String((data as { type?: unknown }).type)) ? ((data as { type: Counted }).type) : "invalid";
  const verdict = budget.take(type);
  if (verdict === "ok") return true;
  if (verdict === "flood") socket.close(socketCloseCodes.tooManyFrames, "too many frames");
  else if (type === "send" || type === "faq") {
    const clientId = (data as { clientId?: unknown }).clientId;
    socket.send(JSON.stringify({ type: "error", clientId: typeof clientId === "string" ? clientId.slice(0, 64) : undefined, message: t("message.slowDown") }));
  }
  return false;
}
