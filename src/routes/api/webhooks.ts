// /api/v1/webhooks: an integration manages its own webhook endpoints, with the rules of Settings →
// Integrations (the same domain functions: the URL and SSRF checks, the audit, the subscriptions
// reloaded). Only owners' and admins' tokens may, as only they may open that page; an endpoint's
// signing secret is shown to a token that may change it (the write scope), never to a read-only one.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../../app";
import { recentDeliveries } from "../../domain/deliveries";
import { mayManageShop } from "../../domain/permissions";
import type { RateLimit } from "../../domain/rate-limiter";
import { addEndpoint, deleteEndpoint, findEndpoint, listEndpoints, queueTestDelivery, updateEndpoint, webhookUrlLength } from "../../domain/webhooks";
import type { Outbound } from "../../outbound/outbound";
import { apiCaller, apiTranslator } from "./caller";
import { apiLimits, deliveryJson, deliverySchema, id, idParams, pageOf, pageSize, webhookEndpointJson, webhookEndpointSchema, webhookEventSchema } from "./shapes";

const params = idParams("the webhook endpoint id");
const tags = ["Webhooks"];

// Generous bounds: the real rules (the URL's form, its address, at least one event) are the
// domain's, which answers 422 naming the field.
const endpointFields = {
  url: t.String({
    maxLength: webhookUrlLength * 2,
    description: `https, at most ${webhookUrlLength} characters; public addresses only unless allowPrivate`,
    examples: ["https://crm.example.com/kefu-webhook"],
    error: `url must be text of at most ${webhookUrlLength} characters`,
  }),
  events: t.Array(webhookEventSchema, { maxItems: 20, description: "at least one", examples: [["conversation.started", "message.created"]] }),
  enabled: t.Boolean({ description: "false keeps it but sends it nothing", examples: [true], error: "enabled must be true or false" }),
  allowPrivate: t.Boolean({ description: "allow private and local addresses and plain http, for a receiver on your own network", examples: [false], error: "allowPrivate must be true or false" }),
};

export function webhookRoutes(deps: AppDeps, outbound: Outbound, requests: RateLimit) {
  const { db } = deps;
  const { subscriptions, runner } = outbound;
  return (
    new Elysia()
      .use(apiCaller(deps, requests))
      // Before the body is validated: an agent's token learns nothing about the endpoints, not even
      // which of its inputs would be wrong.
      .derive(({ agent, request, status }) => {
        if (!mayManageShop(agent)) return status(403, { error: apiTranslator(request)("api.managersOnly") });
        return {};
      })
      .get("/webhooks", ({ agent, scope }) => ({ webhooks: listEndpoints(db, agent.businessId).map((endpoint) => webhookEndpointJson(endpoint, scope === "write")) }), {
        response: t.Object({ webhooks: t.Array(webhookEndpointSchema) }),
        detail: { tags, operationId: "listWebhookEndpoints" },
      })
      .post(
        "/webhooks",
        ({ agent, body, status }) => {
          const { url, events, enabled = true, allowPrivate = false } = body;
          return status(201, webhookEndpointJson(addEndpoint(db, subscriptions, agent, { url, events, enabled, allowPrivate }), true));
        },
        {
          body: t.Object({ url: endpointFields.url, events: endpointFields.events, enabled: t.Optional(endpointFields.enabled), allowPrivate: t.Optional(endpointFields.allowPrivate) }),
          response: { 201: webhookEndpointSchema },
          detail: { tags, operationId: "createWebhookEndpoint" },
        },
      )
      .get("/webhooks/:id", ({ agent, scope, params }) => webhookEndpointJson(findEndpoint(db, agent.businessId, params.id), scope === "write"), {
        params,
        response: webhookEndpointSchema,
        detail: { tags, operationId: "readWebhookEndpoint" },
      })
      .patch("/webhooks/:id", ({ agent, params, body }) => webhookEndpointJson(updateEndpoint(db, subscriptions, agent, params.id, body), true), {
        params,
        body: t.Object({
          url: t.Optional(endpointFields.url),
          events: t.Optional(endpointFields.events),
          enabled: t.Optional(endpointFields.enabled),
          allowPrivate: t.Optional(endpointFields.allowPrivate),
        }),
        response: webhookEndpointSchema,
        detail: { tags, operationId: "updateWebhookEndpoint" },
      })
      .delete(
        "/webhooks/:id",
        ({ agent, params }) => {
          deleteEndpoint(db, subscriptions, agent, params.id);
          return { id: params.id, deleted: true as const };
        },
        {
          params,
          response: t.Object({ id: t.Integer({ examples: [5] }), deleted: t.Literal(true) }),
          detail: { tags, operationId: "deleteWebhookEndpoint" },
        },
      )
      .post(
        "/webhooks/:id/test",
        ({ agent, params, status }) => {
          const delivery = queueTestDelivery(db, agent.businessId, params.id);
          runner.wake();
          return status(201, deliveryJson(delivery));
        },
        {
          params,
          response: { 201: deliverySchema },
          detail: { tags, operationId: "testWebhookEndpoint" },
        },
      )
      .get(
        "/webhooks/:id/deliveries",
        ({ agent, params, query }) => {
          // Another shop's endpoint is not found, not an empty log (invariant 4).
          const endpoint = findEndpoint(db, agent.businessId, params.id);
          const limit = query.limit ?? apiLimits.deliveriesPage.default;
          const rows = recentDeliveries(db, agent.businessId, { endpointId: endpoint.id }, { limit: limit + 1, before: query.before });
          const page = rows.slice(0, limit);
          return { deliveries: page.map(deliveryJson), next: rows.length > limit ? page[page.length - 1]!.id : null };
        },
        {
          params,
          query: t.Object({
            before: t.Optional(id("before", "the `next` of the previous page: older deliveries")),
            limit: t.Optional(pageSize(apiLimits.deliveriesPage.max, apiLimits.deliveriesPage.default)),
          }),
          response: pageOf("deliveries", deliverySchema),
          detail: { tags, operationId: "listWebhookDeliveries" },
        },
      )
  );
}
