// The agent's WebSocket, /ws/agent[?conversation=ID]. Authenticated by the session cookie at the
// upgrade and kept on the socket; a session that ends (sign-out, disabled agent, new password,
// expiry) closes its sockets at once through the hub. One socket may carry all of the agent's
// conversations: `follow` subscribes it to every one they have, and a frame may name the
// conversation it is about, looked up inside the agent's business on each frame (another shop's
// id is simply not found); without one, the conversation the page has open.
import { Elysia } from "elysia";
import type { AppDeps } from "../app";
import { type Agent, agentDisplayName } from "../domain/agents";
import { type Conversation, conversationOfBusiness, inboxLists } from "../domain/conversations";
import { markRead, sendAgentMessage } from "../domain/messages";
import { callLimits, messageLimits } from "../domain/limits";
import { RateLimiter } from "../domain/rate-limiter";
import { isLocale, type Locale, type Translate, translator } from "../i18n";
import { originMatches } from "../routes/csrf";
import { signedInContext } from "../routes/session";
import { threadUpsert } from "../views/message";
import { inboxRefresh } from "../views/workspace";
import type { AgentSocketHandle } from "./agent-sockets";
import type { Broker } from "./broker";
import type { Hub } from "./hub";
import type { ClientEvent } from "./publisher";
import { FrameBudgets } from "./frame-budget";
import { type AgentFrame, parseAgentFrame } from "./frames";
import { CallRefusal, callFrame } from "./calls";
import type { GroupCommit } from "./group-commit";
import { allSubscribed, isSubscribed, onFrame, replayOnceSubscribed, replayThread, replyFailure, socketCloseCodes } from "./socket-support";
import { type Socket, type SocketRoute, upgradeSocket } from "./socket-route";
import { topics } from "./topics";
import { maySeeAllConversations } from "../domain/permissions";

/** What one agent socket keeps: who, in which language, and which threads it carries. */
class AgentSocketState implements AgentSocketHandle {
  readonly t: Translate;
  followed: Set<number> | null = null;
  socket: Socket<AgentSocketState | null> | null = null;
  /** Settles once what `resume` subscribed to reaches the socket from every process. */
  listening: Promise<void> = Promise.resolve();

  constructor(
    private readonly broker: Broker,
    readonly agent: Agent,
    readonly sessionId: number,
    readonly locale: Locale,
    /** The conversation the page has open: the one frames that name none are about. */
    readonly viewing: Conversation | null,
  ) {
    this.t = translator(locale);
  }

  get agentId(): number {
    return this.agent.id;
  }

  get viewingVisitorId(): number | null {
    return this.viewing?.visitorId ?? null;
  }

  subscribe(topic: string): Promise<void> {
    return this.socket ? this.broker.subscribe(this.socket, topic) : Promise.resolve();
  }

  unsubscribe(topic: string): void {
    if (this.socket) this.broker.unsubscribe(this.socket, topic);
  }

  send(text: string): void {
    this.socket?.send(text);
  }

  close(code: number, reason: string): void {
    this.socket?.close(code, reason);
  }
}

export function agentSocket(deps: AppDeps, hub: Hub, commits: GroupCommit) {
  const { db, config } = deps;
  // One socket may carry all of an agent's chats: room for many at once, still far from a flood.
  const budgets = new FrameBudgets({ send: messageLimits.agentTotalBurst });
  const typing = new RateLimiter(3, 2000);
  const sendingIn = new RateLimiter(messageLimits.agentBurst, messageLimits.agentBurstWindowMs);
  const sending = new RateLimiter(messageLimits.agentTotalBurst, messageLimits.agentBurstWindowMs);
  const inviting = new RateLimiter(callLimits.invitesPerMinute, 60_000);

  /** The conversation a frame is about: the one it names, in the agent's business, or the page's. */
  function conversationOf(state: AgentSocketState, frame: { conversation?: number }): Conversation | null {
    if (frame.conversation === undefined) return state.viewing ? (conversationOfBusiness(db, state.agent.businessId, state.viewing.id) ?? null) : null;
    return conversationOfBusiness(db, state.agent.businessId, frame.conversation) ?? null;
  }

  function send(state: AgentSocketState, frame: Extract<AgentFrame, { type: "send" }>, reply: (event: ClientEvent) => void): void {
    const { agent, t } = state;
    // Looked up once, inside the send's transaction (sendAgentMessage): scoped to the agent's business.
    const conversationId = frame.conversation ?? state.viewing?.id;
    if (conversationId === undefined) return reply({ type: "error", clientId: frame.clientId, message: t("error.notFound") });
    const inConversation = [`${agent.id}:${conversationId}`];
    const ofAgent = [String(agent.id)];
    if (sendingIn.retryAfterMs(inConversation) > 0 || sending.retryAfterMs(ofAgent) > 0) {
      return reply({ type: "error", clientId: frame.clientId, message: t("message.slowDown") });
    }
    sendingIn.record(inConversation);
    sending.record(ofAgent);
    // Committed with the other sends of this moment (group-commit.ts); announced after the commit.
    commits.run(
      (events) => {
        // Signed under the name the agent has now, which may have changed since the socket opened.
        const author = { ...agent, displayName: agentDisplayName(db, agent.id) ?? agent.displayName };
        return sendAgentMessage(db, events, author, conversationId, { clientId: frame.clientId, body: frame.body });
      },
      (sent) => {
        // A retry of a stored message is answered with it, so the page can confirm the bubble.
        if (!sent.created) state.send(String(threadUpsert(t, [sent.message], "agent")));
      },
      (error) => replyFailure(deps, reply, t, error, frame.clientId),
    );
  }

  /** Only the conversation's own agent calls, while it is open and its visitor online; one call at a time. */
  function invite(state: AgentSocketState, frame: Extract<AgentFrame, { type: "call-invite" }>): void | Promise<void> {
    const { agent } = state;
    const conversation = conversationOf(state, frame);
    if (!conversation || conversation.status !== "open" || conversation.agentId !== agent.id) throw new CallRefusal("call.notYours");
    if (!hub.visitors.isOnline(conversation.visitorId)) throw new CallRefusal("call.visitorOffline");
    if (inviting.retryAfterMs([String(agent.id)]) > 0) throw new CallRefusal("call.slowDown");
    inviting.record([String(agent.id)]);
    const caller = { id: agent.id, businessId: agent.businessId, name: agentDisplayName(db, agent.id) ?? agent.displayName };
    return hub.calls.invite(state, caller, conversation, frame.media);
  }

  /**
   * The lists again whole when the page's version is not the shop's now. Compared once the lists'
   * topics reach the socket from every process: a change after that arrives by itself.
   */
  function sendListsIfChanged(state: AgentSocketState, pageVersion: number, reply: (event: ClientEvent) => void): void {
    const { agent, t } = state;
    const compare = (version: number) => {
      // 0 is "not known" on either side (after a reconnect; a version Redis could not give).
      if (pageVersion === version && version !== 0) return;
      const lists = inboxLists(db, agent, (visitorId) => hub.visitors.isOnline(visitorId));
      state.send(String(inboxRefresh(t, lists, state.viewing?.id)));
    };
    const version = isSubscribed(state.listening) ? hub.listsVersion(agent.businessId) : state.listening.then(() => hub.listsVersion(agent.businessId));
    if (typeof version === "number") return compare(version);
    version.then(compare).catch((error) => replyFailure(deps, reply, t, error));
  }

  function handle(state: AgentSocketState, data: unknown): void {
    const { agent, t, locale } = state;
    onFrame(deps, (text) => state.send(text), t, data, parseAgentFrame, (frame, reply) => {
      switch (frame.type) {
        case "resume": {
          const topicsHeard = [topics.agent(agent.id, locale), topics.businessAgents(agent.businessId, locale), ...hub.waitingTopics(agent, locale)];
          if (maySeeAllConversations(agent)) topicsHeard.push(topics.businessManagers(agent.businessId, locale));
          const subscribed = topicsHeard.map((topic) => state.subscribe(topic));
          // A console that is listening now may be given what waits (and will see it arrive).
          hub.drainQueue(agent.businessId);
          if (state.viewing) {
            const { visitorId } = state.viewing;
            const thread = state.subscribe(topics.agentThread(visitorId, locale));
            subscribed.push(thread);
            replayOnceSubscribed(thread, state, () => replayThread(deps, (text) => state.send(text), t, visitorId, frame.after, "agent"));
          }
          state.listening = allSubscribed(subscribed);
          return;
        }
        case "lists":
          return sendListsIfChanged(state, frame.version, reply);
        case "follow":
          // Messages only: the lists, counts and alerts are the console's (`resume`), not every client's.
          hub.followConversations(state, frame.after);
          return;
        case "send":
          return send(state, frame, reply);
        case "typing": {
          const conversation = conversationOf(state, frame);
          if (conversation && typing.retryAfterMs([String(agent.id)]) === 0) {
            typing.record([String(agent.id)]);
            hub.typing(conversation.visitorId, "agent");
          }
          return;
        }
        case "end":
          return reply({ type: "error", message: t("error.badRequest", { detail: "agents close conversations with the Close button" }) });
        case "call-invite":
          return callFrame(deps, reply, t, () => invite(state, frame));
        case "call-offer":
          return callFrame(deps, reply, t, () => hub.calls.fromAgent(state, agent.id, frame.callId, { type: "call", signal: "offer", callId: frame.callId, sdp: frame.sdp }));
        case "call-ice":
          return callFrame(deps, reply, t, () => hub.calls.fromAgent(state, agent.id, frame.callId, { type: "call", signal: "ice", callId: frame.callId, candidate: frame.candidate }));
        case "call-hangup":
          return callFrame(deps, reply, t, () => hub.calls.hangUp(state, frame.callId));
        case "read": {
          // Only the agent who has the conversation reads for the shop; a colleague looking in
          // must not clear their unread count or show the visitor "seen".
          const conversation = conversationOf(state, frame);
          if (conversation && conversation.agentId === agent.id) markRead(db, hub, conversation.visitorId, "agent", frame.upTo);
          return;
        }
      }
    });
  }

  const route: SocketRoute<AgentSocketState | null> = {
    open(ws) {
      const state = ws.data.state;
      if (!state) return ws.close(socketCloseCodes.unauthorized, "sign in again");
      if (!budgets.admitSocket(`agent:${state.agent.id}`)) return ws.close(socketCloseCodes.tooManyFrames, "too many sockets");
      state.socket = ws;
      hub.sockets.add(ws);
      hub.agentSockets.add(state);
      hub.agents.connected(state.agent.id);
    },
    message(ws, data) {
      // The session was resolved at the upgrade; when it ends the hub closes this socket, so no
      // frame reads it again. ws.data lives as long as the socket: it keys the socket's own counts.
      const state = ws.data.state;
      if (!state?.socket || !budgets.admit(ws.data, `agent:${state.agent.id}`, data, ws, state.t)) return;
      handle(state, data);
    },
    close(ws) {
      hub.sockets.delete(ws);
      const state = ws.data.state;
      // A socket refused at open was never counted as connected.
      if (!state?.socket) return;
      hub.agentSockets.delete(state);
      hub.calls.peerClosed(state);
      hub.agents.disconnected(state.agent.id);
      state.socket = null;
    },
  };

  return new Elysia().use(signedInContext(deps)).get("/ws/agent", ({ request, server, query, signedIn, page, status }) => {
    // Cross-site WebSocket hijacking: see visitor-socket.ts. Only our own pages may connect.
    if (!originMatches(request, config.publicUrl)) return status(403, "Forbidden origin");
    const conversationId = query.conversation === undefined ? undefined : Number(query.conversation);
    if (conversationId !== undefined && !(Number.isSafeInteger(conversationId) && conversationId >= 1)) return status(400, "conversation must be a positive integer");
    if (!signedIn) return upgradeSocket(server, request, route, null);
    const viewing = conversationId === undefined ? null : conversationOfBusiness(db, signedIn.agent.businessId, conversationId);
    if (viewing === undefined) return upgradeSocket(server, request, notFound, null);
    // The console page's language, named in the socket's URL.
    const locale = isLocale(query.locale) ? query.locale : page.locale;
    return upgradeSocket(server, request, route, new AgentSocketState(hub.broker, signedIn.agent, signedIn.sessionId, locale, viewing));
  });
}

/** A socket for a conversation not found in the agent's business: closed at once, with a code pages do not retry. */
const notFound: SocketRoute<null> = {
  open: (ws) => ws.close(socketCloseCodes.notFound, "no such conversation"),
  message() {},
  close() {},
};
