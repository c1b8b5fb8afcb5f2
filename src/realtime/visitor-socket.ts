// The visitor's WebSocket, /chat/:widgetKey/ws. Identity comes from the visitor cookie at the
// upgrade (never from the URL); every frame is validated; a visitor only ever reaches their own
// thread, because every topic and query here starts from the visitor resolved at the upgrade.
import { Elysia } from "elysia";
import type { AppDeps } from "../app";
import { isIpBlocked } from "../domain/blocked-ips";
import { limits, messageLimits } from "../domain/limits";
import { findBusiness } from "../domain/businesses";
import { arrivalChannel, type Channel, endConversationByVisitor } from "../domain/conversations";
import { markRead, sendVisitorMessage } from "../domain/messages";
import { NotFoundError } from "../domain/errors";
import { askFaq } from "../domain/faqs";
import { RateLimiter } from "../domain/rate-limiter";
import type { Visitor } from "../domain/visitors";
import { anyone, type Pool } from "../domain/assignment";
import { originMatches } from "../routes/csrf";
import { linkPool, linkQuery, visitorFromCookie } from "../routes/visitor-cookie";
import { threadUpsert } from "../views/message";
import type { PageContext } from "../views/page";
import type { Frame } from "./frames";
import type { ClientEvent, Hub } from "./hub";
import { FrameBudgets } from "./frame-budget";
import { guarded, onFrame, replayThread, socketCloseCodes } from "./socket-support";
import { topics } from "./topics";

interface VisitorConnection {
  visitor: Visitor;
  ip: string | null;
  /** Who the link the visitor came by asks for; routes their first message. */
  pool: Pool;
  /** How they came: the widget's iframe, a link, or a WeChat menu; recorded on a new conversation. */
  channel: Channel;
  page: PageContext;
  send(data: string): void;
  subscribe(topic: string): void;
}

export function visitorSocket(deps: AppDeps, hub: Hub) {
  const { db, config } = deps;
  const budgets = new FrameBudgets();
  // Sockets counted as connected at open (not refused there), so counted out at close.
  const admitted = new WeakSet<object>();
  const sending = new RateLimiter(messageLimits.visitorBurst, messageLimits.visitorBurstWindowMs);
  // All the visitors of one address together: a script rotating cookies gains nothing.
  const sendingFromIp = new RateLimiter(limits.messagesPerIpWindow, messageLimits.visitorBurstWindowMs);
  const typing = new RateLimiter(3, 2000);

  /** A picked FAQ question; one deleted since the page loaded is refused by name, like any refused message. */
  function ask(connection: VisitorConnection, frame: Extract<Frame, { type: "faq" }>, reply: (event: ClientEvent) => void): void {
    const { t } = connection.page;
    try {
      const asked = askFaq(db, hub, connection.visitor, frame.id, frame.clientId, hub.agents.onlineIds(), connection.pool, connection.channel);
      if (!asked.created) connection.send(String(threadUpsert(t, [asked.message, asked.reply], "visitor")));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      reply({ type: "error", clientId: frame.clientId, message: t("faq.gone") });
    }
  }

  function handle(connection: VisitorConnection, data: unknown): void {
    const { visitor, page } = connection;
    const { t, locale } = page;
    onFrame(deps, connection.send, t, data, (frame, reply) => {
      switch (frame.type) {
        case "resume":
          replayThread(deps, connection.send, t, visitor.id, frame.after, "visitor");
          connection.subscribe(topics.visitorThread(visitor.id, locale));
          return;
        case "send":
        case "faq": {
          // An address blocked after this socket opened; a visitor's own block is checked with the insert.
          if (isIpBlocked(db, visitor.businessId, connection.ip)) {
            return reply({ type: "error", clientId: frame.clientId, message: t("chat.blocked") });
          }
          const key = `visitor:${visitor.id}`;
          const fromIp = [`ip:${connection.ip}`];
          if (sending.retryAfterMs([key]) > 0 || sendingFromIp.retryAfterMs(fromIp) > 0) {
            return reply({ type: "error", clientId: frame.clientId, message: t("message.slowDown") });
          }
          sending.record([key]);
          sendingFromIp.record(fromIp);
          // A refused message is named in the error, so the page can offer to retry it.
          guarded(deps, reply, t, () => {
            if (frame.type === "faq") return ask(connection, frame, reply);
            const sent = sendVisitorMessage(db, hub, visitor, { clientId: frame.clientId, body: frame.body }, hub.agents.onlineIds(), connection.pool, connection.channel);
            // A retry of a stored message is answered with it, so the page can confirm the bubble.
            if (!sent.created) connection.send(String(threadUpsert(t, [sent.message], "visitor")));
          }, frame.clientId);
          return;
        }
        case "typing":
          if (frame.draft !== undefined && Array.from(frame.draft).length > limits.typingDraftLength) {
            return reply({ type: "error", message: t("preview.draftTooLong", { max: limits.typingDraftLength }) });
          }
          if (typing.retryAfterMs([String(visitor.id)]) === 0) {
            typing.record([String(visitor.id)]);
            // Read now, not at connect: a shop that turns the preview off stops drafts at once.
            const preview = frame.draft !== undefined && findBusiness(db, visitor.businessId)?.typingPreview === true;
            hub.typing(visitor.id, "visitor", preview ? frame.draft : undefined);
          }
          return;
        case "read":
          markRead(db, hub, visitor.id, "visitor", frame.upTo);
          return;
        case "end":
          endConversationByVisitor(db, hub, visitor.id);
          return;
      }
    });
  }

  return new Elysia()
    .derive(({ params, query, cookie, request, server }) => {
      const link = query as typeof linkQuery.static;
      // The page is running: its socket is where a new visitor is stored.
      const visitorRequest = visitorFromCookie(deps, (params as { widgetKey: string }).widgetKey, cookie, request, server, link.locale, true);
      // Resolved once, at the upgrade: who the link the visitor came by asks for.
      const pool = visitorRequest.business ? linkPool(db, visitorRequest.business.id, link) : anyone;
      return { ...visitorRequest, pool, channel: arrivalChannel(link, request.headers.get("user-agent")) };
    })
    .ws("/chat/:widgetKey/ws", {
      query: linkQuery,
      // Cross-site WebSocket hijacking: browsers send the visitor's cookie with an upgrade from
      // any page, and the same-origin policy does not cover WebSockets. Accept only our Origin.
      beforeHandle({ request, status }) {
        if (!originMatches(request, config.publicUrl)) return status(403, "Forbidden origin");
      },
      open(ws) {
        const { visitor, blocked } = ws.data;
        if (blocked) return ws.close(socketCloseCodes.blocked, "chat unavailable");
        if (!visitor) return ws.close(socketCloseCodes.unauthorized, "no visitor");
        if (!budgets.admitSocket(`visitor:${visitor.id}`)) return ws.close(socketCloseCodes.tooManyFrames, "too many sockets");
        admitted.add(ws.data);
        hub.sockets.add(ws);
        hub.visitors.connected(visitor.id);
      },
      message(ws, data) {
        const { visitor, ip, pool, channel, page } = ws.data;
        // The context object lives as long as the socket: it keys the socket's own counts.
        if (!visitor || !budgets.admit(ws.data, `visitor:${visitor.id}`, data, ws, page.t)) return;
        handle({ visitor, ip, pool, channel, page, send: (text) => ws.send(text), subscribe: (topic) => ws.subscribe(topic) }, data);
      },
      close(ws) {
        hub.sockets.delete(ws);
        // A socket refused at open was never counted as connected.
        if (ws.data.visitor && admitted.has(ws.data)) hub.visitors.disconnected(ws.data.visitor.id);
      },
    });
}
