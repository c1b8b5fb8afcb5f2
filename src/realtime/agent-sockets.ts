// Every open agent socket, by agent: to close those of a session that ended, and to keep the
// sockets that follow all of an agent's conversations subscribed to exactly those threads.
import type { Database } from "../db/client";
import type { Conversation } from "../domain/conversations";
import { liveSessionIds } from "../domain/sessions";
import { type Locale, translator } from "../i18n";
import { isSubscribed, replayOnceSubscribed, replayThread, socketCloseCodes } from "./socket-support";
import { topics } from "./topics";

export interface AgentSocketHandle {
  readonly agentId: number;
  readonly sessionId: number;
  readonly locale: Locale;
  /** The visitor whose thread the page has open (its URL), or null. */
  readonly viewingVisitorId: number | null;
  /** The visitors whose threads this socket follows because the agent has their conversation. */
  followed: Set<number> | null;
  /** Resolves once frames from every process reach the socket (Broker.subscribe). */
  subscribe(topic: string): Promise<void>;
  unsubscribe(topic: string): void;
  send(text: string): void;
  close(code: number, reason: string): void;
}

export class AgentSockets {
  private readonly byAgent = new Map<number, Set<AgentSocketHandle>>();

  constructor(private readonly db: Database) {}

  add(socket: AgentSocketHandle): void {
    let sockets = this.byAgent.get(socket.agentId);
    if (!sockets) this.byAgent.set(socket.agentId, (sockets = new Set()));
    sockets.add(socket);
  }

  delete(socket: AgentSocketHandle): void {
    const sockets = this.byAgent.get(socket.agentId);
    sockets?.delete(socket);
    if (sockets?.size === 0) this.byAgent.delete(socket.agentId);
  }

  /**
   * The agent's sockets that follow all of their conversations get this one's thread. With Redis
   * the subscribe takes effect later: what other processes published meanwhile (after message
   * `after`) is sent once it has.
   */
  follow(conversation: Pick<Conversation, "agentId" | "visitorId" | "status">, after: number): void {
    const { agentId, visitorId } = conversation;
    if (agentId === null || conversation.status !== "open") return;
    for (const socket of this.byAgent.get(agentId) ?? []) {
      if (!socket.followed || socket.followed.has(visitorId)) continue;
      const subscribed = this.followThread(socket, visitorId);
      if (isSubscribed(subscribed)) continue;
      replayOnceSubscribed(subscribed, socket, () => {
        if (socket.followed?.has(visitorId)) replayThread({ db: this.db }, (text) => socket.send(text), translator(socket.locale), visitorId, after, "agent");
      });
    }
  }

  /** The socket follows the visitor's thread; resolves once frames from every process reach it. */
  followThread(socket: AgentSocketHandle, visitorId: number): Promise<void> {
    (socket.followed ??= new Set()).add(visitorId);
    return socket.subscribe(topics.agentThread(visitorId, socket.locale));
  }

  /** The conversation left `agentId` (handed over, requeued, closed): their following sockets stop getting its thread. */
  unfollow(agentId: number, visitorId: number): void {
    for (const socket of this.byAgent.get(agentId) ?? []) {
      if (!socket.followed?.delete(visitorId)) continue;
      // The page that has this thread open keeps it.
      if (socket.viewingVisitorId !== visitorId) socket.unsubscribe(topics.agentThread(visitorId, socket.locale));
    }
  }

  /**
   * Sessions may have ended (sign-out, a disabled agent, a new password, expiry): the sockets
   * opened with one that is no longer live close at once, with the code the console answers by
   * going to sign-in. `agentId` narrows the check to one agent's sockets.
   */
  closeEndedSessions(db: Database, agentId?: number): void {
    const open = agentId === undefined ? [...this.byAgent.values()].flatMap((sockets) => [...sockets]) : [...(this.byAgent.get(agentId) ?? [])];
    const live = liveSessionIds(db, [...new Set(open.map((socket) => socket.sessionId))]);
    for (const socket of open) if (!live.has(socket.sessionId)) socket.close(socketCloseCodes.unauthorized, "signed out");
  }
}
