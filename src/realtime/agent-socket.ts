// The agent's WebSocket, /ws/agent?conversation=ID. Authenticated by the session cookie at the
// upgrade; a session that ends (sign-out, disabled agent, new password, expiry) closes its sockets
// at once through the hub. The conversation is looked up inside the agent's business: another
// shop's id is simply not found.
import { isLocale, translator } from "../i18n";
import { Elysia, t as schema } from "elysia";
import type { AppDeps } from "../app";
import { type Agent, findAgent } from "../domain/agents";
import { type Conversation, findConversationForAgent } from "../domain/conversations";
import { NotFoundError } from "../domain/errors";
import { markRead, sendAgentMessage } from "../domain/messages";
import { messageLimits } from "../domain/limits";
import { RateLimiter } from "../domain/rate-limiter";
import { originMatches } from "../routes/csrf";
import { signedInContext } from "../routes/session";
import { threadUpsert } from "../views/message";
import type { PageContext } from "../views/page";
import type { Hub } from "./hub";
import { FrameBudgets } from "./frame-budget";
import { guarded, onFrame, replayThread, socketCloseCodes } from "./socket-support";
import { topics } from "./topics";
import { maySeeAllConversations } from "../domain/permissions";

interface AgentConnection {
  agent: Agent;
  conversation: Conversation | null;
  page: PageContext;
  send(data: string): void;
  subscribe(topic: string): void;
  close(code: number, reason: string): void;
}

export function agentSocket(deps: AppDeps, hub: Hub) {
  const { db, config } = deps;
  const budgets = new FrameBudgets();
  // Sockets counted as connected at open (not refused there), so counted out at close.
  const admitted = new WeakSet<object>();
  const typing = new RateLimiter(3, 2000);
  const sending = new RateLimiter(messageLimits.agentBurst, messageLimits.agentBurstWindowMs);

  function conversationFor(agent: Agent, conversationId: number | undefined): Conversation | null {
    if (conversationId === undefined) return null;
    try {
      return findConversationForAgent(db, agent.businessId, conversationId);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  function handle(connection: AgentConnection, data: unknown): void {
    const { agent, conversation, page } = connection;
    const { t, locale } = page;
    onFrame(deps, connection.send, t, data, (frame, reply) => {
      switch (frame.type) {
        case "resume":
          connection.subscribe(topics.agent(agent.id, locale));
          connection.subscribe(topics.businessAgents(agent.businessId, locale));
          if (maySeeAllConversations(agent)) connection.subscribe(topics.businessManagers(agent.businessId, locale));
          for (const topic of hub.waitingTopics(agent, locale)) connection.subscribe(topic);
          // A console that is listening now may be given what waits (and will see it arrive).
          hub.drainQueue(agent.businessId);
          if (!conversation) return;
          replayThread(deps, connection.send, t, conversation.visitorId, frame.after, "agent");
          connection.subscribe(topics.agentThread(conversation.visitorId, locale));
          return;
        case "send":
          if (!conversation) return reply({ type: "error", clientId: frame.clientId, message: t("error.notFound") });
          if (sending.retryAfterMs([String(agent.id)]) > 0) return reply({ type: "error", clientId: frame.clientId, message: t("message.slowDown") });
          sending.record([String(agent.id)]);
          guarded(deps, reply, t, () => {
            // Signed under the name the agent has now, which may have changed since the socket opened.
            const sent = sendAgentMessage(db, hub, findAgent(db, agent.businessId, agent.id), conversation.id, { clientId: frame.clientId, body: frame.body });
            // A retry of a stored message is answered with it, so the page can confirm the bubble.
            if (!sent.created) connection.send(String(threadUpsert(t, [sent.message], "agent")));
          }, frame.clientId);
          return;
        case "typing":
          if (conversation && typing.retryAfterMs([String(agent.id)]) === 0) {
            typing.record([String(agent.id)]);
            hub.typing(conversation.visitorId, "agent");
          }
          return;
        case "end":
          return reply({ type: "error", message: t("error.badRequest", { detail: "agents close conversations with the Close button" }) });
        case "read":
          // Only the agent who has the conversation reads for the shop; a colleague looking in
          // must not clear their unread count or show the visitor "seen".
          if (conversation && conversation.agentId === agent.id) markRead(db, hub, conversation.visitorId, "agent", frame.upTo);
          return;
      }
    });
  }

  return new Elysia()
    .use(signedInContext(deps))
    .ws("/ws/agent", {
    query: schema.Object({ conversation: schema.Optional(schema.Numeric({ minimum: 1 })), locale: schema.Optional(schema.String({ maxLength: 10 })) }),
    // Cross-site WebSocket hijacking: see visitor-socket.ts. Only our own pages may connect.
    beforeHandle({ request, status }) {
      if (!originMatches(request, config.publicUrl)) return status(403, "Forbidden origin");
    },
    open(ws) {
      const { signedIn, query } = ws.data;
      if (!signedIn) return ws.close(socketCloseCodes.unauthorized, "sign in again");
      if (query.conversation !== undefined && !conversationFor(signedIn.agent, query.conversation)) {
        return ws.close(socketCloseCodes.notFound, "no such conversation");
      }
      if (!budgets.admitSocket(`agent:${signedIn.agent.id}`)) return ws.close(socketCloseCodes.tooManyFrames, "too many sockets");
      admitted.add(ws.data);
      hub.sockets.add(ws);
      hub.agentSocketOpened(ws, signedIn.agent.id, signedIn.sessionId);
      hub.agents.connected(signedIn.agent.id);
    },
    message(ws, data) {
      // The session was resolved at the upgrade; when it ends the hub closes this socket
      // (sessionsChanged), so no frame reads it again. The context object lives as long as the
      // socket: it keys the socket's own frame counts.
      const { signedIn, page, query } = ws.data;
      if (!signedIn || !budgets.admit(ws.data, `agent:${signedIn.agent.id}`, data, ws, page.t)) return;
      handle(
        {
          agent: signedIn.agent,
          conversation: conversationFor(signedIn.agent, query.conversation),
          // The console page's language, named in the socket's URL.
          page: isLocale(query.locale) ? { t: translator(query.locale), locale: query.locale } : { t: page.t, locale: page.locale },
          send: (text) => ws.send(text),
          subscribe: (topic) => ws.subscribe(topic),
          close: (code, reason) => ws.close(code, reason),
        },
        data,
      );
    },
    close(ws) {
      hub.sockets.delete(ws);
      hub.agentSocketClosed(ws);
      if (ws.data.signedIn && admitted.has(ws.data)) hub.agents.disconnected(ws.data.signedIn.agent.id);
    },
  });
}
