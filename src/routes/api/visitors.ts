// /api/v1/visitors: who the shop's visitors are, found by Kefu's id or the shop's own, and the
// contact details and attributes an integration keeps up to date (the console's rules, via the domain).
import { Elysia, t } from "elysia";
import type { AppDeps } from "../../app";
import { NotFoundError, ValidationError } from "../../domain/errors";
import { limits } from "../../domain/limits";
import type { RateLimit } from "../../domain/rate-limiter";
import { findIdentifiedVisitor } from "../../domain/visitor-identity";
import { updateVisitor } from "../../domain/visitor-profile";
import { findVisitor, type Visitor } from "../../domain/visitors";
import type { Hub } from "../../realtime/hub";
import { apiCaller } from "./caller";
import { conversationList, visitorConversationsQuery } from "./conversations";
import { conversationSchema, idParams, pageOf, visitorJson, visitorSchema } from "./shapes";

const params = idParams("the visitor id");
const tags = ["Visitors"];

function visitorOf(deps: AppDeps, businessId: number, visitorId: number): Visitor {
  const visitor = findVisitor(deps.db, businessId, visitorId);
  if (!visitor) throw new NotFoundError("visitor");
  return visitor;
}

export function visitorRoutes(deps: AppDeps, hub: Hub, requests: RateLimit) {
  const { db } = deps;
  return new Elysia()
    .use(apiCaller(deps, requests))
    .get(
      "/visitors",
      ({ agent, query }) => {
        const visitor = findIdentifiedVisitor(db, agent.businessId, query.externalId);
        if (!visitor) throw new NotFoundError("visitor");
        return visitorJson(visitor);
      },
      {
        query: t.Object({
          externalId: t.String({
            minLength: 1,
            maxLength: limits.identityIdLength,
            description: "the id your site gave the visitor (Kefu.setUser or kefuSettings.visitor.id)",
            examples: ["customer-1001"],
            error: `externalId must be 1 to ${limits.identityIdLength} characters`,
          }),
        }),
        response: visitorSchema,
        detail: { tags, operationId: "findVisitor" },
      },
    )
    .get("/visitors/:id", ({ agent, params }) => visitorJson(visitorOf(deps, agent.businessId, params.id)), {
      params,
      response: visitorSchema,
      detail: { tags, operationId: "readVisitor" },
    })
    .patch(
      "/visitors/:id",
      ({ agent, params, body: { attributes, ...contact } }) => visitorJson(updateVisitor(db, hub, agent, params.id, { contact, attributes })),
      {
        params,
        // Elysia's normalizing would turn a string or an array into an object of its characters
        // or items before the schema sees it: refuse anything but an object first.
        transform({ body }) {
          const attributes = (body as { attributes?: unknown } | null)?.attributes;
          if (attributes !== undefined && (typeof attributes !== "object" || attributes === null || Array.isArray(attributes))) {
            throw new ValidationError({ attributes: { key: "api.attributesObject" } });
          }
        },
        body: t.Object({
          name: t.Optional(t.String({ maxLength: 1000, description: `at most ${limits.nameLength} characters; "" empties it`, examples: ["Li Wei"] })),
          email: t.Optional(t.String({ maxLength: 1000, description: `an email address; "" empties it`, examples: ["li.wei@example.com"] })),
          phone: t.Optional(t.String({ maxLength: 1000, description: `a phone number; "" empties it` })),
          attributes: t.Optional(
            t.Record(t.String(), t.Union([t.String(), t.Number(), t.Boolean(), t.Null()]), {
              description: `keys set, null removes one, others kept; at most ${limits.attributesPerVisitor} attributes, keys ${limits.attributeKeyLength} and values ${limits.attributeValueLength} characters`,
              examples: [{ plan: "pro", orders: 3 }],
            }),
          ),
        }),
        response: visitorSchema,
        detail: { tags, operationId: "updateVisitor" },
      },
    )
    .get(
      "/visitors/:id/conversations",
      ({ agent, params, query }) => conversationList(deps, agent.businessId, { ...query, visitorId: visitorOf(deps, agent.businessId, params.id).id }),
      {
        params,
        query: visitorConversationsQuery,
        response: pageOf("conversations", conversationSchema),
        detail: { tags, operationId: "listVisitorConversations" },
      },
    );
}
