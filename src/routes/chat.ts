// The visitor's chat page. The first visit makes an anonymous visitor and keeps its token in a
// cookie for this shop's chat path; later visits are recognised by it. No token ever goes into
// a URL.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { agentCard, shownAvailability } from "../domain/agents";
import { currentConversation, queuePosition } from "../domain/conversations";
import { NotFoundError } from "../domain/errors";
import { threadPage } from "../domain/messages";
import { createAnonymousVisitor, recordVisit } from "../domain/visitors";
import type { Hub } from "../realtime/hub";
import { messagePage } from "../views/auth";
import { chatPage } from "../views/chat";
import { html } from "../views/html";
import { earlierControl, threadUpsert } from "../views/message";
import { clientIp, isHttps } from "./client";
import { visitorCookieName, visitorCookiePath, visitorFromCookie } from "./visitor-cookie";

const visitorCookieMaxAge = 365 * 24 * 60 * 60;

export function chatRoutes(deps: AppDeps, hub: Hub) {
  const { db, secret, config } = deps;
  const earlierUrl = (widgetKey: string, hasEarlier: boolean, firstId: number | undefined) =>
    hasEarlier && firstId !== undefined ? `${visitorCookiePath(widgetKey)}/messages?before=${firstId}` : null;

  return new Elysia()
    .derive(({ params, cookie, request }) => ({ ...visitorFromCookie(deps, (params as { widgetKey?: string }).widgetKey ?? "", cookie, request) }))
    .get(
      "/chat/:widgetKey",
      ({ params, business, visitor: known, page, cookie, request, server, set }) => {
        if (!business) throw new NotFoundError("chat");
        const visit = {
          ip: clientIp(request, server, config.trustProxy),
          userAgent: request.headers.get("user-agent"),
          page: request.headers.get("referer"),
        };
        let visitor = known;
        if (visitor?.blocked) {
          // Only that chat is unavailable: nothing about why, or who decided.
          set.status = 403;
          return messagePage(page, business.name, page.t("chat.blocked"));
        }
        if (visitor) recordVisit(db, visitor.id, visit);
        else {
          const created = createAnonymousVisitor(db, secret, business.id, visit);
          visitor = created.visitor;
          cookie[visitorCookieName]!.set({
            value: created.token,
            httpOnly: true,
            sameSite: "lax",
            secure: isHttps(request, config.publicUrl, config.trustProxy),
            path: visitorCookiePath(params.widgetKey),
            maxAge: visitorCookieMaxAge,
          });
        }
        const history = threadPage(db, visitor.id);
        const conversation = currentConversation(db, visitor.id);
        const agent = conversation?.agentId ? agentCard(db, conversation.agentId) : null;
        return chatPage(page, {
          business,
          agent,
          queueAhead: conversation ? queuePosition(db, conversation) : null,
          agentAvailability: shownAvailability(agent, conversation?.agentId ? hub.agents.isOnline(conversation.agentId) : false),
          messages: history.messages,
          earlierUrl: earlierUrl(params.widgetKey, history.hasEarlier, history.messages[0]?.id),
          socketUrl: `${visitorCookiePath(params.widgetKey)}/ws`,
        });
      },
    )
    .get(
      "/chat/:widgetKey/messages",
      ({ params, query, visitor, page }) => {
        if (!visitor) throw new NotFoundError("visitor");
        const history = threadPage(db, visitor.id, query.before);
        return html`${earlierControl(page.t, earlierUrl(params.widgetKey, history.hasEarlier, history.messages[0]?.id))}
${threadUpsert(page.t, history.messages, "visitor")}`;
      },
      { query: t.Object({ before: t.Numeric({ minimum: 1 }) }) },
    );
}
