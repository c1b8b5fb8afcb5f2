// The offline-messages inbox, for every agent of the business: read, mark handled, answer in chat.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { listOfflineMessages, markHandled, replyInChat, unhandledCount } from "../domain/offline-messages";
import type { Hub } from "../realtime/hub";
import { inboxBadge } from "../views/console";
import { html } from "../views/html";
import { inboxEntry, inboxPage } from "../views/inbox";
import { consoleContext, redirectTo } from "./console-context";

const entryParams = t.Object({ id: t.Numeric({ minimum: 1 }) });

export function inboxRoutes(deps: AppDeps, hub: Hub) {
  const { db } = deps;
  return new Elysia()
    .use(consoleContext(deps))
    .get(
      "/console/inbox",
      ({ ctx, query }) => {
        const handled = query.handled === "1";
        return inboxPage(ctx, { handled, ...listOfflineMessages(db, ctx.agent.businessId, { handled, before: query.before }) });
      },
      { query: t.Object({ handled: t.Optional(t.Literal("1")), before: t.Optional(t.Numeric({ minimum: 1 })) }) },
    )
    .post(
      "/console/inbox/:id/handled",
      ({ ctx, params }) => {
        const entry = markHandled(db, hub, ctx.agent, params.id);
        return html`${inboxEntry(ctx, entry)}
<hx-partial hx-target="#inbox-count" hx-swap="outerHTML">${inboxBadge(unhandledCount(db, ctx.agent.businessId))}</hx-partial>`;
      },
      { params: entryParams },
    )
    .post(
      "/console/inbox/:id/reply",
      ({ ctx, params, request }) => {
        const conversation = replyInChat(db, hub, ctx.agent, params.id);
        return redirectTo(request, `/console/conversations/${conversation.id}`);
      },
      { params: entryParams },
    );
}
