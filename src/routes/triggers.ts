// Triggers: the managers' page of rules (owners and admins), and the chat page's request for a
// rule's message when its timer fired on the host page (assets/embed.js). The visitor's request
// names a rule and a page, nothing else: what is shown is decided and written by the server.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { listAgents } from "../domain/agents";
import { NotFoundError, RuleError, ValidationError } from "../domain/errors";
import { limits } from "../domain/limits";
import { sharedRateLimit } from "../domain/redis-rate-limiter";
import { dismissTrigger, showTrigger, triggerPreview } from "../domain/trigger-showings";
import { createTrigger, deleteTrigger, findTrigger, listTriggers, setTriggerDailyCap, type TriggerInput, updateTrigger } from "../domain/triggers";
import type { Hub } from "../realtime/hub";
import type { ConsoleContext } from "../views/console";
import { html } from "../views/html";
import { messageView } from "../views/message";
import { createTriggerSection, triggerCapSection, triggerCard, triggerList, triggersPage } from "../views/triggers";
import { consoleContext, managersOnly } from "./console-context";
import { chatPageUrl, visitorFromCookie } from "./visitor-cookie";

const triggerParams = t.Object({ id: t.Numeric({ minimum: 1 }) });

// Numbers come as typed, so that "abc" seconds gets the field's own message rather than a schema error.
const triggerBody = t.Object({
  name: t.String({ maxLength: 1000 }),
  pagePattern: t.String({ maxLength: 2000 }),
  delaySeconds: t.String({ maxLength: 20 }),
  message: t.String({ maxLength: 5000 }),
  agentId: t.String({ maxLength: 20 }),
  // A checkbox is sent only when ticked.
  enabled: t.Optional(t.Literal("on")),
});

function inputOf(body: typeof triggerBody.static): TriggerInput {
  const delay = body.delaySeconds.trim();
  return {
    name: body.name,
    pagePattern: body.pagePattern,
    delaySeconds: /^\d+$/.test(delay) ? Number(delay) : Number.NaN,
    message: body.message,
    agentId: body.agentId === "" ? null : /^\d+$/.test(body.agentId) ? Number(body.agentId) : -1,
    enabled: body.enabled === "on",
  };
}

export function triggerRoutes(deps: AppDeps, hub: Hub) {
  return new Elysia({ name: "triggers" }).use(triggerSettingsRoutes(deps)).use(triggerShowingRoutes(deps, hub));
}

function triggerSettingsRoutes(deps: AppDeps) {
  const { db } = deps;
  const authors = (ctx: ConsoleContext) => listAgents(db, ctx.agent.businessId).filter((agent) => !agent.disabled);
  const list = (ctx: ConsoleContext) => triggerList(ctx, authors(ctx), listTriggers(db, ctx.agent.businessId));

  return new Elysia()
    .use(consoleContext(deps))
    .onBeforeHandle(managersOnly)
    .get("/console/triggers", ({ ctx }) => triggersPage(ctx, authors(ctx), listTriggers(db, ctx.agent.businessId)))
    .post(
      "/console/triggers",
      ({ ctx, body, set }) => {
        const values = inputOf(body);
        try {
          createTrigger(db, ctx.agent, values);
        } catch (error) {
          if (error instanceof ValidationError) {
            set.status = 422;
            return createTriggerSection(ctx, authors(ctx), { values, errors: error.fields });
          }
          if (!(error instanceof RuleError)) throw error;
          set.status = 422;
          return createTriggerSection(ctx, authors(ctx), { values, problem: ctx.t(error.problem.key, error.problem.params) });
        }
        return html`${createTriggerSection(ctx, authors(ctx))}
<hx-partial hx-target="#trigger-list" hx-swap="outerHTML">${list(ctx)}</hx-partial>`;
      },
      { body: triggerBody },
    )
    .post(
      "/console/triggers/cap",
      ({ ctx, body, set }) => {
        const typed = body.dailyCap.trim();
        try {
          const business = setTriggerDailyCap(db, ctx.agent, /^\d+$/.test(typed) ? Number(typed) : Number.NaN);
          return triggerCapSection({ ...ctx, business }, { saved: true });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return triggerCapSection(ctx, { value: body.dailyCap, errors: error.fields });
        }
      },
      { body: t.Object({ dailyCap: t.String({ maxLength: 20 }) }) },
    )
    .post(
      "/console/triggers/:id",
      ({ ctx, params, body, set }) => {
        const values = inputOf(body);
        try {
          return triggerCard(ctx, authors(ctx), updateTrigger(db, ctx.agent, params.id, values), { saved: true });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return triggerCard(ctx, authors(ctx), findTrigger(db, ctx.agent.businessId, params.id), { values, errors: error.fields });
        }
      },
      { params: triggerParams, body: triggerBody },
    )
    .post(
      "/console/triggers/:id/delete",
      ({ ctx, params }) => {
        deleteTrigger(db, ctx.agent, params.id);
        return list(ctx);
      },
      { params: triggerParams },
    );
}

/** The chat page in the widget's frame asks for a rule's message, or says the visitor closed it. */
function triggerShowingRoutes(deps: AppDeps, hub: Hub) {
  const { db } = deps;
  // Each request counts, shown or not: a console loop must not turn into a stream of queries.
  const byVisitor = sharedRateLimit(hub.cluster, deps.log, "trigger-visitor", limits.triggerRequestsPerVisitorHour, 60 * 60_000);
  const byIp = sharedRateLimit(hub.cluster, deps.log, "trigger-ip", limits.triggerRequestsPerIpHour, 60 * 60_000);

  return new Elysia()
    .derive(({ params, cookie, request, server }) => ({
      ...visitorFromCookie(deps, (params as { widgetKey?: string }).widgetKey ?? "", cookie, request, server, undefined, true),
    }))
    .onBeforeHandle(async ({ business, visitor, blocked, ip, status }) => {
      if (!business) throw new NotFoundError("chat");
      if (blocked) return status(403, "Chat is unavailable.");
      if (!visitor) return status(404, "Open the chat page first: there is no visitor for this browser yet.");
      const keys = [`visitor:${visitor.id}`, ...(ip ? [`ip:${ip}`] : [])];
      const waits = await Promise.all([byVisitor.retryAfterMs(keys.slice(0, 1)), byIp.retryAfterMs(keys.slice(1))]);
      if (Math.max(...waits) > 0) return status(429, "Too many requests; try again later.");
      await Promise.all([byVisitor.record(keys.slice(0, 1)), byIp.record(keys.slice(1))]);
    })
    .post(
      "/chat/:widgetKey/trigger",
      ({ business, visitor, page, body, request, set }) => {
        const shown = showTrigger(db, business!, visitor!, body.id, body.url, hub.agents.onlineIds());
        if (!shown) {
          set.status = 204;
          return "";
        }
        // The thread's rendering, and for the loader's bubble on a phone who says what.
        const preview = triggerPreview(shown, business!.name);
        return {
          html: String(messageView(page.t, preview, "visitor")),
          from: { author: preview.meta!.agentName, avatar: shown.author?.avatar ? new URL(shown.author.avatar, chatPageUrl(deps.config, request, business!.widgetKey)).href : "", body: preview.body },
        };
      },
      // A shop's address with its tracking parameters may be long; it is only matched, never stored.
      { body: t.Object({ id: t.Integer({ minimum: 1 }), url: t.String({ maxLength: 4000 }) }) },
    )
    .post(
      "/chat/:widgetKey/trigger/dismiss",
      ({ visitor, set }) => {
        dismissTrigger(db, visitor!.id);
        set.status = 204;
        return "";
      },
    );
}
