// What the chat page in the widget's iframe reports from the host site (assets/embed.js): who the
// visitor is (identity, verified or not), the product they look at, and where they are. Only the
// visitor's own record changes; nothing here trusts the host page beyond what identity.ts allows.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { NotFoundError, problemOf, ValidationError } from "../domain/errors";
import { limits } from "../domain/limits";
import { showProduct, usableProduct } from "../domain/products";
import { sharedRateLimit } from "../domain/redis-rate-limiter";
import { updateVisitorContext } from "../domain/visitor-context";
import { identifyVisitor } from "../domain/visitor-identity";
import type { Hub } from "../realtime/hub";
import { setVisitorCookie, visitorFromCookie } from "./visitor-cookie";

const text = (max: number) => t.Optional(t.String({ maxLength: max }));

export function widgetReportRoutes(deps: AppDeps, hub: Hub) {
  const { db, secret, config } = deps;
  // A single-page shop reports every route change; a loop in a host page must not become ours.
  const reports = sharedRateLimit(hub.cluster, deps.log, "widget-report", limits.contextUpdatesPerMinute, 60_000);

  return new Elysia()
    .derive(({ params, cookie, request, server }) => ({
      ...visitorFromCookie(deps, (params as { widgetKey?: string }).widgetKey ?? "", cookie, request, server, undefined, true),
    }))
    .onBeforeHandle(async ({ business, visitor, blocked, status }) => {
      if (!business) throw new NotFoundError("chat");
      if (blocked) return status(403, "Chat is unavailable.");
      if (!visitor) return status(404, "Open the chat page first: there is no visitor for this browser yet.");
      const key = [`visitor:${visitor.id}`];
      if ((await reports.attempt(key)) > 0) return status(429, "Too many reports; try again in a minute.");
    })
    .post(
      "/chat/:widgetKey/identify",
      ({ params, business, visitor, page, body, cookie, request, set }) => {
        try {
          // A product the shop described badly loses what is wrong with it, never the visitor's details.
          const { product, dropped } = body.product ? usableProduct(body.product) : { product: null, dropped: {} };
          const identified = identifyVisitor(db, hub, secret, business!, visitor!, body.visitor ?? {});
          if (identified.token) setVisitorCookie(cookie, identified.token, request, config, params.widgetKey);
          if (product) showProduct(db, hub, identified.visitor.id, product);
          // Another record now: the page reloads to show that visitor's conversation. What was left
          // out of the product is said, for the shop's developer in the browser's console.
          const warnings = Object.entries(dropped).map(([field, problem]) => `product.${field}: ${page.t(problem.key, problem.params)}`);
          return { reload: identified.token !== null, verified: identified.visitor.verified, ...(warnings.length > 0 && { warnings }) };
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          const [field] = Object.keys(error.fields);
          const problem = problemOf(error);
          set.status = 422;
          return { error: `${field}: ${page.t(problem.key, problem.params)}` };
        }
      },
      {
        body: t.Object({
          visitor: t.Optional(
            t.Object({
              id: text(200),
              userHash: text(200),
              name: text(200),
              avatar: text(2000),
              email: text(300),
              phone: text(100),
              attributes: t.Optional(t.Record(t.String({ maxLength: 100 }), t.String({ maxLength: 1000 }))),
            }),
          ),
          product: t.Optional(t.Object({ title: text(2000), image: text(2000), price: text(2000), url: text(2000), description: text(2000) })),
        }),
      },
    )
    .post(
      "/chat/:widgetKey/context",
      ({ visitor, body }) => {
        updateVisitorContext(db, hub, visitor!, body);
        return { ok: true };
      },
      { body: t.Object({ url: text(2000), title: text(2000), referrer: text(2000), language: text(100), timezone: text(100) }) },
    );
}
