// What both WebSocket routes share: close codes and the guard around frame handling.
import type { AppDeps } from "../app";
import { isStorageFull, NotFoundError, problemOf, RuleError, ValidationError } from "../domain/errors";
import { threadAfter } from "../domain/messages";
import type { Translate } from "../i18n";
import { type Audience, threadUpsert } from "../views/message";

import type { ClientEvent } from "./publisher";

/**
 * Close codes. Those of 4000 and up are outside hx-ws's reconnect list, so a refused page does not
 * retry forever; `goingAway` (1001) is in it: the server is stopping, pages come back after.
 */
export const socketCloseCodes = {
  goingAway: 1001,
  unauthorized: 4401,
  /** The visitor or their address is blocked: the page shows only "chat is unavailable". */
  blocked: 4403,
  notFound: 4404,
  /** The visitor's record was deleted: the page reloads and starts again as a new visitor. */
  gone: 4410,
  /** Far past its frame allowances (frame-budget.ts): a scripted flood, not a page. */
  tooManyFrames: 4429,
} as const;

/**
 * Tells the page why its frame failed: a rule it breaks or a conversation not found becomes an
 * error event it can show (named by `clientId` for a message); anything unexpected is logged and
 * reported without details.
 */
export function replyFailure(deps: Pick<AppDeps, "log">, reply: (event: ClientEvent) => void, t: Translate, error: unknown, clientId?: string): void {
  if (error instanceof RuleError || error instanceof ValidationError) {
    const problem = problemOf(error);
    return reply({ type: "error", clientId, message: t(problem.key, problem.params) });
  }
  if (error instanceof NotFoundError) return reply({ type: "error", clientId, message: t("error.notFound") });
  if (isStorageFull(error)) {
    deps.log.error("disk full", {});
    return reply({ type: "error", clientId, message: t("error.storageFull") });
  }
  deps.log.error("socket frame failed", { error });
  reply({ type: "error", clientId, message: t("error.internal") });
}

/** Runs a frame handler; what it throws is told to the page (replyFailure), never lost in the ws handler. */
export function guarded(
  deps: Pick<AppDeps, "log">,
  reply: (event: ClientEvent) => void,
  t: Translate,
  handle: () => void,
  clientId?: string,
): void {
  try {
    handle();
  } catch (error) {
    replyFailure(deps, reply, t, error, clientId);
  }
}

/** Parses one incoming frame and hands it to `handle`, guarded; a frame not of ours is an error event. */
export function onFrame<F>(
  deps: Pick<AppDeps, "log">,
  send: (data: string) => void,
  t: Translate,
  data: unknown,
  parse: (data: unknown) => F | null,
  handle: (frame: F, reply: (event: ClientEvent) => void) => void,
): void {
  const reply = (event: ClientEvent) => send(JSON.stringify(event));
  guarded(deps, reply, t, () => {
    const frame = parse(data);
    if (!frame) return reply({ type: "error", message: t("error.badRequest", { detail: "unknown frame" }) });
    handle(frame, reply);
  });
}

/** Whether a subscribe took effect already (always with the in-process broker): nothing published since can be missed. */
export function isSubscribed(subscribed: Promise<void>): boolean {
  return Bun.peek.status(subscribed) === "fulfilled";
}

/** Settles once all of a socket's subscribes took effect; already settled when they all have. */
export function allSubscribed(subscribed: Promise<void>[]): Promise<void> {
  return subscribed.every(isSubscribed) ? Promise.resolve() : Promise.all(subscribed).then(() => {});
}

/**
 * Sends the socket what it missed (`replay`) once frames from every process reach it (broker.ts):
 * at once when the subscribe took effect already, so the in-process broker's path gains no await.
 * A later replay that fails closes the socket "going away": the page comes back and resumes by id.
 */
export function replayOnceSubscribed(subscribed: Promise<void>, socket: { close(code: number, reason: string): void }, replay: () => void): void {
  if (isSubscribed(subscribed)) return replay();
  subscribed.then(replay).catch(() => socket.close(socketCloseCodes.goingAway, "catching up"));
}

/**
 * Sends a (re)connecting page the thread's messages after `after`, or tells it to reload when
 * it missed too many. Call it once the socket is subscribed (replayOnceSubscribed): a message
 * published in between comes twice, and the page's upsert keeps one (invariant 3).
 */
export function replayThread(
  deps: Pick<AppDeps, "db">,
  send: (data: string) => void,
  t: Translate,
  visitorId: number,
  after: number,
  audience: Audience,
): void {
  const missed = threadAfter(deps.db, visitorId, after);
  if (missed.tooMany) send(JSON.stringify({ type: "reload" } satisfies ClientEvent));
  else if (missed.messages.length) send(String(threadUpsert(t, missed.messages, audience)));
}
