// Settings → Integrations (owners and admins): add, change and remove webhook endpoints, send a
// test, and read each one's delivery log. A change goes back to the page (303); a refused one
// shows the page again with what was typed and what is wrong (422).
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { recentDeliveries } from "../domain/deliveries";
import { ValidationError } from "../domain/errors";
import { addEndpoint, deleteEndpoint, type EndpointInput, findEndpoint, listEndpoints, queueTestDelivery, updateEndpoint } from "../domain/webhooks";
import type { Outbound } from "../outbound/outbound";
import type { ConsoleContext } from "../views/console";
import { endpointDomId, type EndpointForm, endpointLog, integrationsPage, integrationsPath } from "../views/integrations";
import { consoleContext, managersOnly, redirectTo } from "./console-context";

const endpointParams = t.Object({ id: t.Numeric({ minimum: 1 }) });
const endpointBody = t.Object({
  url: t.String({ maxLength: 5000 }),
  events: t.Optional(t.Union([t.String({ maxLength: 50 }), t.Array(t.String({ maxLength: 50 }), { maxItems: 20 })])),
  enabled: t.Optional(t.String({ maxLength: 5 })),
  allowPrivate: t.Optional(t.String({ maxLength: 5 })),
});

function endpointInput(body: typeof endpointBody.static): EndpointInput {
  return { url: body.url, events: body.events === undefined ? [] : [body.events].flat(), enabled: body.enabled === "on", allowPrivate: body.allowPrivate === "on" };
}

export function integrationRoutes(deps: AppDeps, outbound: Outbound) {
  const { db } = deps;
  const { subscriptions } = outbound;

  const page = (ctx: ConsoleContext, typed?: Parameters<typeof integrationsPage>[2]) =>
    integrationsPage(
      ctx,
      listEndpoints(db, ctx.agent.businessId).map((endpoint) => ({ endpoint, deliveries: recentDeliveries(db, ctx.agent.businessId, { endpointId: endpoint.id }) })),
      typed,
    );

  /** Applies a change and goes back to the page, or shows the form again with its problems. */
  function change(ctx: ConsoleContext, request: Request, set: { status?: number | string }, input: EndpointInput, apply: () => string, refused: (form: EndpointForm) => Parameters<typeof integrationsPage>[2]) {
    try {
      return redirectTo(request, `${integrationsPath}#${apply()}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      set.status = 422;
      return page(ctx, refused({ values: input, errors: error.fields }));
    }
  }

  return new Elysia()
    .use(consoleContext(deps))
    .onBeforeHandle(managersOnly)
    .get(integrationsPath, ({ ctx }) => page(ctx))
    .post(
      integrationsPath,
      ({ ctx, body, request, set }) => {
        const input = endpointInput(body);
        return change(ctx, request, set, input, () => endpointDomId(addEndpoint(db, subscriptions, ctx.agent, input).id), (add) => ({ add }));
      },
      { body: endpointBody },
    )
    .post(
      `${integrationsPath}/:id`,
      ({ ctx, params, body, request, set }) => {
        const input = endpointInput(body);
        return change(
          ctx,
          request,
          set,
          input,
          () => endpointDomId(updateEndpoint(db, subscriptions, ctx.agent, params.id, input).id),
          (edit) => ({ endpointId: params.id, edit }),
        );
      },
      { params: endpointParams, body: endpointBody },
    )
    .post(
      `${integrationsPath}/:id/delete`,
      ({ ctx, params, request }) => {
        deleteEndpoint(db, subscriptions, ctx.agent, params.id);
        return redirectTo(request, integrationsPath);
      },
      { params: endpointParams },
    )
    .post(
      `${integrationsPath}/:id/test`,
      ({ ctx, params }) => {
        queueTestDelivery(db, ctx.agent.businessId, params.id);
        outbound.runner.wake();
        return endpointLog(ctx.t, params.id, recentDeliveries(db, ctx.agent.businessId, { endpointId: params.id }));
      },
      { params: endpointParams },
    )
    .get(
      `${integrationsPath}/:id/deliveries`,
      ({ ctx, params }) => {
        // Another shop's endpoint is not found, not an empty log (invariant 4).
        const endpoint = findEndpoint(db, ctx.agent.businessId, params.id);
        return endpointLog(ctx.t, endpoint.id, recentDeliveries(db, ctx.agent.businessId, { endpointId: endpoint.id }));
      },
      { params: endpointParams },
    );
}
