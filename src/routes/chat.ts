// The visitor's chat page. The first visit makes an anonymous visitor and keeps its token in a
// cookie for this shop's chat path; later visits are recognised by it. No token ever goes into
// a URL.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { agentCard, shownAvailability } from "../domain/agents";
import { screenVisitorText } from "../domain/answer-book";
import type { Business } from "../domain/businesses";
import { anyone, onlineTeam } from "../domain/assignment";
import { arrivalChannel, currentConversation, queuePosition } from "../domain/conversations";
import { listGroups } from "../domain/groups";
import { listFaqs } from "../domain/faqs";
import { listInfoTabs } from "../domain/info-tabs";
import { NotFoundError, RuleError, ValidationError } from "../domain/errors";
import { isWithinHours, nextOpening, nobodyOnline, type OfflineReason, offlineReason } from "../domain/hours";
import { limits } from "../domain/limits";
import { threadPage } from "../domain/messages";
import { leaveMessage } from "../domain/offline-messages";
import { asksWhoFirst, submitPreChat } from "../domain/pre-chat";
import { sharedRateLimit } from "../domain/redis-rate-limiter";
import { pendingTrigger, triggerPreview } from "../domain/trigger-showings";
import { newVisitorToken, recordVisit } from "../domain/visitors";
import type { Hub } from "../realtime/hub";
import { messagePage } from "../views/auth";
import { chatPage, nobodyOnlineText } from "../views/chat";
import type { Translate } from "../i18n";
import { html } from "../views/html";
import { type LeaveMessageState, leaveMessageForm, leaveMessageRefused, leaveMessageSent } from "../views/leave-message";
import { preChatForm, type PreChatState } from "../views/pre-chat";
import { earlierControl, threadUpsert } from "../views/message";
import { type ChatLink, chatLink } from "./chat-links";
import { isHtmx } from "./client";
import { frameAncestors } from "./embedding";
import { allowFraming } from "./security-headers";
import { linkPool, linkQuery, setVisitorCookie, visitorCookieName, visitorCookiePath, visitorFromCookie } from "./visitor-cookie";
import { wechatSignInUrl } from "./wechat-sign-in";

export function chatRoutes(deps: AppDeps, hub: Hub) {
  const { db, secret, config } = deps;
  const earlierUrl = (widgetKey: string, opened: ChatLink, hasEarlier: boolean, firstId: number | undefined) =>
    hasEarlier && firstId !== undefined ? chatLink(widgetKey, opened, { path: "/messages", before: firstId }) : null;
  // Outside hours the shop's offline text; in hours with nobody online, its nobody-online text.
  const leaveMessageState = (business: Business, widgetKey: string, opened: ChatLink, reason: OfflineReason, t: Translate): LeaveMessageState => ({
    action: chatLink(widgetKey, opened, { path: "/leave-message" }),
    offlineText: reason === "noAgent" ? nobodyOnlineText(t, business) : business.offlineText,
    required: business.offlineRequired,
  });
  const preChatState = (business: Business, widgetKey: string, opened: ChatLink): PreChatState => ({
    action: chatLink(widgetKey, opened, { path: "/pre-chat" }),
    required: business.preChatRequired,
    clientId: crypto.randomUUID(),
  });
  // Each stored message counts; mistyped attempts store nothing and do not.
  const messagesByVisitor = sharedRateLimit(hub.cluster, deps.log, "offline-message-visitor", limits.offlineMessagesPerVisitorHour, 60 * 60_000);
  const messagesByIp = sharedRateLimit(hub.cluster, deps.log, "offline-message-ip", limits.offlineMessagesPerIpHour, 60 * 60_000);

  return new Elysia()
    // Fetching a page stores no visitor; posting from it (the leave-a-message form) does.
    .derive(({ params, query, cookie, request, server }) => ({
      ...visitorFromCookie(deps, (params as { widgetKey?: string }).widgetKey ?? "", cookie, request, server, (query as { locale?: string }).locale, request.method === "POST"),
    }))
    .get(
      "/chat/:widgetKey",
      ({ params, query, business, visitor, unstoredToken, ip, blocked, page, cookie, request, set }) => {
        if (!business) throw new NotFoundError("chat");
        const embedded = query.embed === "1";
        // Only the widget's page may be framed, by the shop's allowed sites.
        if (embedded) allowFraming(set.headers as Record<string, string>, frameAncestors(business));
        if (blocked) {
          // Only that chat is unavailable: nothing about why, or who decided. A blocked address
          // gets no new visitor and no cookie either.
          set.status = 403;
          return messagePage(page, business.name, page.t("chat.blocked"));
        }
        // A new browser gets a token, and is stored only once its page connects or writes.
        let visitorToken = unstoredToken ?? String(cookie[visitorCookieName]?.value ?? "");
        if (visitor) recordVisit(db, visitor.id, { ip, userAgent: request.headers.get("user-agent"), page: request.headers.get("referer") });
        else if (!unstoredToken) setVisitorCookie(cookie, (visitorToken = newVisitorToken(secret, business.id)), request, config, params.widgetKey);
        const wechatSignIn = wechatSignInUrl(deps, request, { business, visitor, visitorToken, widgetKey: params.widgetKey, opened: query });
        if (wechatSignIn) {
          set.status = 302;
          set.headers.location = wechatSignIn;
          return "";
        }
        const history = visitor ? threadPage(db, { visitorId: visitor.id }) : { messages: [], hasEarlier: false };
        const conversation = visitor ? currentConversation(db, visitor.id) : undefined;
        // A trigger's message they have not answered yet stays in view across pages (trigger-showings.ts).
        const triggered = visitor && !conversation ? pendingTrigger(db, visitor.id) : null;
        const pool = linkPool(db, business.id, query);
        // Before the first message of an exclusive link, the header already shows who will answer.
        const agentId = conversation ? conversation.agentId : pool.requestedAgentId;
        const agent = agentId ? agentCard(db, agentId) : null;
        const agentAvailability = shownAvailability(agent, agentId ? hub.agents.isOnline(agentId) : false);
        const chatPath = visitorCookiePath(params.widgetKey);
        const onlineAgentIds = hub.agents.onlineIds();
        const reason = conversation ? null : offlineReason(db, business, { onlineAgentIds, pool });
        const offline = reason !== null;
        // Told at once, before the first message too, rather than "You are next in line" forever.
        const waitingPool = conversation ? (conversation.status === "queued" ? conversation : null) : offline ? null : pool;
        const nobodyOnlineNow = waitingPool !== null && nobodyOnline(db, business.id, onlineAgentIds, waitingPool);
        // For the header: outside the hours, when the shop is back; else the faces of who may
        // answer, those serving the conversation's pool or the link's.
        const closedNow = !isWithinHours(db, business);
        const picking = !conversation && !offline && business.groupPicker && pool.groupId === null && pool.requestedAgentId === null;
        const groupChoices = picking ? listGroups(db, business.id).map((group) => ({ name: group.name, url: chatLink(params.widgetKey, query, { group: group.id }) })) : [];
        return chatPage(page, {
          business,
          agent,
          queueAhead: conversation ? queuePosition(db, conversation) : null,
          nobodyOnline: nobodyOnlineNow ? nobodyOnlineText(page.t, business) : null,
          agentAvailability,
          ongoing: conversation !== undefined,
          team: closedNow ? [] : onlineTeam(db, business.id, onlineAgentIds, conversation ?? pool),
          nextOpening: closedNow ? nextOpening(db, business) : null,
          groupChoices: groupChoices.length > 0 ? groupChoices : null,
          requestedAway: !conversation && agent && pool.requestedAgentId && agentAvailability !== "online" ? { name: agent.displayName, anyoneUrl: chatLink(params.widgetKey, query) } : null,
          messages: triggered ? [...history.messages, triggerPreview(triggered, business.name)] : history.messages,
          earlierUrl: earlierUrl(params.widgetKey, query, history.hasEarlier, history.messages[0]?.id),
          // The socket carries the link's group or agent: the first message is routed by it.
          // The page's language, not the upgrade's Accept-Language: browsers may send another.
          socketUrl: chatLink(params.widgetKey, query, { path: "/ws", group: pool.groupId, agent: pool.requestedAgentId, locale: page.locale }),
          chatPath,
          embedded: embedded ? { origins: business.allowedOrigins } : null,
          // A visitor already in a conversation keeps it; otherwise, offline means "leave a message".
          leaveMessage: reason ? leaveMessageState(business, params.widgetKey, query, reason, page.t) : null,
          preChat: !reason && !picking && asksWhoFirst(business, visitor, conversation !== undefined || history.messages.length > 0) ? preChatState(business, params.widgetKey, query) : null,
          faqs: listFaqs(db, business.id),
          infoTabs: listInfoTabs(db, business.id),
        });
      },
      { query: linkQuery },
    )
    .get(
      "/chat/:widgetKey/messages",
      ({ params, query, visitor, page }) => {
        if (!visitor) throw new NotFoundError("visitor");
        const history = threadPage(db, { visitorId: visitor.id }, query.before);
        return html`${earlierControl(page.t, earlierUrl(params.widgetKey, query, history.hasEarlier, history.messages[0]?.id))}
${threadUpsert(page.t, history.messages, "visitor")}`;
      },
      { query: t.Composite([linkQuery, t.Object({ before: t.Numeric({ minimum: 1 }) })]) },
    )
    .post(
      "/chat/:widgetKey/leave-message",
      async ({ params, query, business, visitor, ip, blocked, page, body, set }) => {
        if (!business) throw new NotFoundError("chat");
        if (blocked) {
          set.status = 403;
          return leaveMessageRefused(page.t("chat.blocked"));
        }
        if (!visitor) throw new NotFoundError("visitor");
        const reason = offlineReason(db, business, { onlineAgentIds: hub.agents.onlineIds(), pool: anyone }) ?? "hours";
        const form = { ...leaveMessageState(business, params.widgetKey, query, reason, page.t), values: body };
        const visitorKey = [`visitor:${visitor.id}`];
        const ipKey = ip ? [`ip:${ip}`] : [];
        const wait = Math.max(...(await Promise.all([messagesByVisitor.retryAfterMs(visitorKey), messagesByIp.retryAfterMs(ipKey)])));
        if (wait > 0) {
          set.status = 429;
          return leaveMessageForm(page, { ...form, problem: page.t("leave.tooMany", { minutes: Math.ceil(wait / 60_000) }) });
        }
        try {
          leaveMessage(db, hub, business, visitor.id, body);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return leaveMessageForm(page, { ...form, errors: error.fields });
        }
        await Promise.all([messagesByVisitor.record(visitorKey), messagesByIp.record(ipKey)]);
        return leaveMessageSent(page.t);
      },
      {
        query: linkQuery,
        body: t.Object({
          name: t.String({ maxLength: 1000 }),
          phone: t.String({ maxLength: 1000 }),
          email: t.String({ maxLength: 1000 }),
          message: t.String({ maxLength: 20_000 }),
        }),
      },
    )
    .post(
      "/chat/:widgetKey/pre-chat",
      ({ params, query, business, visitor, blocked, page, body, request, set }) => {
        if (!business) throw new NotFoundError("chat");
        if (blocked) {
          set.status = 403;
          return leaveMessageRefused(page.t("chat.blocked"));
        }
        if (!visitor) throw new NotFoundError("visitor");
        // Once known or written, the chat itself shows; the form sends nothing more.
        if (asksWhoFirst(business, visitor, currentConversation(db, visitor.id) !== undefined || threadPage(db, { visitorId: visitor.id }).messages.length > 0)) {
          try {
            const pool = linkPool(db, business.id, query);
            // The question is the visitor's first message: banned words are screened as in the chat.
            const shop = deps.answerBook.of(business.id);
            const question = shop ? screenVisitorText(shop, body.question) : body.question;
            submitPreChat(db, hub, business, visitor, { ...body, question }, hub.agents.onlineIds(), pool, arrivalChannel(query, request.headers.get("user-agent")));
          } catch (error) {
            // A visitor blocked since the page loaded.
            if (error instanceof RuleError) {
              set.status = 403;
              return leaveMessageRefused(page.t(error.problem.key, error.problem.params));
            }
            if (!(error instanceof ValidationError)) throw error;
            set.status = 422;
            return preChatForm(page, { ...preChatState(business, params.widgetKey, query), clientId: body.clientId, values: body, errors: error.fields });
          }
        }
        const chat = chatLink(params.widgetKey, query);
        if (isHtmx(request)) {
          set.headers["hx-redirect"] = chat;
          return "";
        }
        set.status = 303;
        set.headers.location = chat;
        return "";
      },
      {
        query: linkQuery,
        body: t.Object({
          name: t.String({ maxLength: 1000 }),
          phone: t.String({ maxLength: 1000 }),
          email: t.String({ maxLength: 1000 }),
          question: t.String({ maxLength: 20_000 }),
          clientId: t.String({ minLength: 1, maxLength: 64 }),
        }),
      },
    );
}
