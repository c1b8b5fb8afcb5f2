// /api/v1/offline-messages: what visitors left while nobody was there (留言), and marking it dealt with.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../../app";
import { listOfflineMessages, markHandled } from "../../domain/offline-messages";
import type { RateLimit } from "../../domain/rate-limiter";
import type { Hub } from "../../realtime/hub";
import { apiCaller } from "./caller";
import { apiLimits, id, idParams, offlineMessageJson, offlineMessageSchema, pageOf, pageSize } from "./shapes";

const tags = ["Offline messages"];

export function offlineMessageRoutes(deps: AppDeps, hub: Hub, requests: RateLimit) {
  const { db } = deps;
  return new Elysia()
    .use(apiCaller(deps, requests))
    .get(
      "/offline-messages",
      ({ agent, query }) => {
        const page = listOfflineMessages(db, agent.businessId, {
          handled: query.handled ?? false,
          before: query.before,
          limit: query.limit ?? apiLimits.offlineMessagesPage.default,
        });
        return { offlineMessages: page.entries.map(offlineMessageJson), next: page.next };
      },
      {
        query: t.Object({
          handled: t.Optional(t.BooleanString({ default: false, description: "false: those still waiting; true: those dealt with", error: "handled must be true or false" })),
          before: t.Optional(id("before", "the `next` of the previous page")),
          limit: t.Optional(pageSize(apiLimits.offlineMessagesPage.max, apiLimits.offlineMessagesPage.default)),
        }),
        response: pageOf("offlineMessages", offlineMessageSchema),
        detail: { tags, operationId: "listOfflineMessages" },
      },
    )
    .post("/offline-messages/:id/handled", ({ agent, params }) => offlineMessageJson(markHandled(db, hub, agent, params.id)), {
      params: idParams("the offline message id"),
      response: offlineMessageSchema,
      detail: { tags, operationId: "markOfflineMessageHandled" },
    });
}
