// The visitor's WebSocket, /chat/:widgetKey/ws. Identity comes from the visitor cookie at the
// upgrade (never from the URL); every frame is validated; a visitor only ever reaches their own
// thread, because every topic and query here starts from the visitor resolved at the upgrade.
import { Elysia } from "elysia";
import type { AppDeps } from "../app";
import { isIpBlocked } from "../domain/blocked-ips";
import { limits, messageLimits } from "../domain/limits";
import { findBusiness } from "../domain/businesses";
import { arrivalChannel, type Channel, currentConversation, endConversationByVisitor } from "../domain/conversations";
import { requestPerson, sendToShopWithAnswers } from "../domain/automatic-answers";
import { nobodyOnline, offlineReason } from "../domain/hours";
import { chatLink } from "../routes/chat-links";
import { nobodyOnlineText } from "../views/chat";
import { html } from "../views/html";
import { leaveMessageForm } from "../views/leave-message";
import { markRead, sendVisitorMessage } from "../domain/messages";
import { NotFoundError, RuleError } from "../domain/errors";
import { askFaq } from "../domain/faqs";
import { RateLimiter } from "../domain/rate-limiter";
import type { Visitor } from "../domain/visitors";
import type { Pool } from "../domain/assignment";
import { originMatches } from "../routes/csrf";
import { linkPool, linkQuery, visitorFromCookie } from "../routes/visitor-cookie";
import { threadUpsert } from "../views/message";
import type { PageContext } from "../views/page";
import { parseVisitorFrame, type VisitorFrame } from "./frames";
import { callFrame } from "./calls";
import type { GroupCommit } from "./group-commit";
import { type Socket, type SocketRoute, upgradeSocket } from "./socket-route";
import type { Hub } from "./hub";
import type { ClientEvent } from "./publisher";
import { FrameBudgets } from "./frame-budget";
import { guarded, onFrame, replayOnceSubscribed, replayThread, replyFailure, socketCloseCodes } from "./socket-support";
import { topics } from "./topics";

/** What one visitor socket keeps: who, from where, by which link, in which language. */
interface VisitorSocketState {
  visitor: Visitor;
  ip: string | null;
  /** Who the link the visitor came by asks for; routes their first message. */
  pool: Pool;
  /** How they came: the widget's iframe, a link, or a WeChat menu; recorded on a new conversation. */
  channel: Channel;
  page: PageContext;
  /** Where the leave-a-message form posts, for "Talk to a person" while nobody is online. */
  leaveMessageAction: string;
  /** Open and counted as connected (a socket refused at open never was). */
  admitted: boolean;
}

type VisitorSocket = Socket<VisitorSocketState | null>;

export function visitorSocket(deps: AppDeps, hub: Hub, commits: GroupCommit) {
  const { db, config, answerBook } = deps;
  const budgets = new FrameBudgets();
  const sending = new RateLimiter(messageLimits.visitorBurst, messageLimits.visitorBurstWindowMs);
  // All the visitors of one address together: a script rotating cookies gains nothing.
  const sendingFromIp = new RateLimiter(limits.messagesPerIpWindow, messageLimits.visitorBurstWindowMs);
  const typing = new RateLimiter(3, 2000);

  /** A typed message or a picked FAQ question, committed with the other sends of this moment (group-commit.ts). */
  function send(ws: VisitorSocket, state: VisitorSocketState, frame: Extract<VisitorFrame, { type: "send" | "faq" }>, reply: (event: ClientEvent) => void): void {
    const { visitor, page } = state;
    const { t } = page;
    commits.run(
      (events) => {
        if (frame.type === "faq") {
          // A question deleted since the page loaded is refused by name, like any refused message.
          try {
            const asked = askFaq(db, events, visitor, frame.id, frame.clientId, hub.agents.onlineIds(), state.pool, state.channel);
            return { created: asked.created, messages: [asked.message, asked.reply] };
          } catch (error) {
            if (error instanceof NotFoundError) throw new RuleError({ key: "faq.gone" });
            throw error;
          }
        }
        // A shop with no automatic answers and no banned words: one Map lookup, nothing more.
        const shop = answerBook.of(visitor.businessId);
        if (shop) {
          const sent = sendToShopWithAnswers(db, events, shop, visitor, { clientId: frame.clientId, body: frame.body }, hub.agents.onlineIds(), state.pool, state.channel);
          return { created: sent.created, messages: sent.reply ? [sent.message, sent.reply] : [sent.message] };
        }
        const sent = sendVisitorMessage(db, events, visitor, { clientId: frame.clientId, body: frame.body }, hub.agents.onlineIds(), state.pool, state.channel);
        return { created: sent.created, messages: [sent.message] };
      },
      // A retry of a stored message is answered with it, so the page can confirm the bubble.
      (sent) => {
        if (!sent.created) ws.send(String(threadUpsert(t, sent.messages, "visitor")));
      },
      // A refused message is named in the error, so the page can offer to retry it.
      (error) => replyFailure(deps, reply, t, error, frame.clientId),
    );
  }

  /**
   * "Talk to a person": queued as a first message would be; while nobody who could answer is
   * online, the leave-a-message form takes the composer's place instead, as on the page.
   */
  function talkToPerson(ws: VisitorSocket, state: VisitorSocketState, reply: (event: ClientEvent) => void): void {
    const { visitor, page } = state;
    const business = findBusiness(db, visitor.businessId);
    if (!business) return;
    const onlineAgentIds = hub.agents.onlineIds();
    const reason = offlineReason(db, business, { onlineAgentIds, pool: state.pool }) ?? (nobodyOnline(db, business.id, onlineAgentIds, state.pool) ? "noAgent" : null);
    guarded(deps, reply, page.t, () => {
      if (reason === null || currentConversation(db, visitor.id)) requestPerson(db, hub, visitor, onlineAgentIds, state.pool, state.channel);
    });
    if (reason === null) return;
    const form = leaveMessageForm(page, {
      action: state.leaveMessageAction,
      offlineText: reason === "noAgent" ? nobodyOnlineText(page.t, business) : business.offlineText,
      required: business.offlineRequired,
    });
    ws.send(String(html`<hx-partial hx-target="#composer" hx-swap="outerHTML">${form}</hx-partial>`));
  }

  function handle(ws: VisitorSocket, state: VisitorSocketState, data: unknown): void {
    const { visitor, page } = state;
    const { t, locale } = page;
    onFrame(deps, (text) => ws.send(text), t, data, parseVisitorFrame, (frame, reply) => {
      switch (frame.type) {
        case "resume":
          replayOnceSubscribed(hub.broker.subscribe(ws, topics.visitorThread(visitor.id, locale)), ws, () =>
            replayThread(deps, (text) => ws.send(text), t, visitor.id, frame.after, "visitor"),
          );
          return;
        case "send":
        case "faq": {
          // An address blocked after this socket opened; a visitor's own block is checked with the insert.
          if (isIpBlocked(db, visitor.businessId, state.ip)) {
            return reply({ type: "error", clientId: frame.clientId, message: t("chat.blocked") });
          }
          const key = `visitor:${visitor.id}`;
          const fromIp = [`ip:${state.ip}`];
          if (sending.retryAfterMs([key]) > 0 || sendingFromIp.retryAfterMs(fromIp) > 0) {
            return reply({ type: "error", clientId: frame.clientId, message: t("message.slowDown") });
          }
          sending.record([key]);
          sendingFromIp.record(fromIp);
          return send(ws, state, frame, reply);
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
        case "call-accept":
          return callFrame(deps, reply, t, () => hub.calls.accept(ws, visitor.id, frame.callId));
        case "call-refuse":
          return callFrame(deps, reply, t, () => hub.calls.refuse(visitor.id, frame.callId));
        case "call-answer":
          return callFrame(deps, reply, t, () => hub.calls.fromVisitor(ws, visitor.id, frame.callId, { type: "call", signal: "answer", callId: frame.callId, sdp: frame.sdp }));
        case "call-ice":
          return callFrame(deps, reply, t, () => hub.calls.fromVisitor(ws, visitor.id, frame.callId, { type: "call", signal: "ice", callId: frame.callId, candidate: frame.candidate }));
        case "call-hangup":
          return callFrame(deps, reply, t, () => hub.calls.hangUp(ws, frame.callId));
        case "person":
          return talkToPerson(ws, state, reply);
      }
    });
  }

  const route: SocketRoute<VisitorSocketState | null> = {
    open(ws) {
      const state = ws.data.state;
      if (!state) return ws.close(socketCloseCodes.unauthorized, "no visitor");
      if (!budgets.admitSocket(`visitor:${state.visitor.id}`)) return ws.close(socketCloseCodes.tooManyFrames, "too many sockets");
      state.admitted = true;
      hub.sockets.add(ws);
      hub.visitorSockets.add(state.visitor, ws);
      hub.visitors.connected(state.visitor.id);
    },
    message(ws, data) {
      const state = ws.data.state;
      // ws.data lives as long as the socket: it keys the socket's own counts.
      if (!state?.admitted || !budgets.admit(ws.data, `visitor:${state.visitor.id}`, data, ws, state.page.t)) return;
      handle(ws, state, data);
    },
    close(ws) {
      hub.sockets.delete(ws);
      const state = ws.data.state;
      if (!state?.admitted) return;
      hub.visitorSockets.delete(state.visitor.id, ws);
      hub.calls.peerClosed(ws);
      hub.visitors.disconnected(state.visitor.id);
    },
  };

  return new Elysia().get(
    "/chat/:widgetKey/ws",
    ({ params, query, cookie, request, server, status }) => {
      // Cross-site WebSocket hijacking: browsers send the visitor's cookie with an upgrade from
      // any page, and the same-origin policy does not cover WebSockets. Accept only our Origin.
      if (!originMatches(request, config.publicUrl)) return status(403, "Forbidden origin");
      // The page is running: its socket is where a new visitor is stored.
      const { visitor, blocked, ip, business, page } = visitorFromCookie(deps, params.widgetKey, cookie, request, server, query.locale, true);
      if (blocked) return upgradeSocket(server, request, refused, socketCloseCodes.blocked);
      if (!visitor || !business) return upgradeSocket(server, request, route, null);
      // Resolved once, at the upgrade: who the link the visitor came by asks for.
      const pool = linkPool(db, business.id, query);
      const channel = arrivalChannel(query, request.headers.get("user-agent"));
      const leaveMessageAction = chatLink(params.widgetKey, query, { path: "/leave-message" });
      return upgradeSocket(server, request, route, { visitor, ip, pool, channel, page, leaveMessageAction, admitted: false });
    },
    { query: linkQuery },
  );
}

/** A blocked visitor's socket: closed at once with the code their page answers by showing "chat unavailable". */
const refused: SocketRoute<number> = {
  open: (ws) => ws.close(ws.data.state, "chat unavailable"),
  message() {},
  close() {},
};
