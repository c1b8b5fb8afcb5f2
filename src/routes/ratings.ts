// Ratings over HTTP: an agent asks for one from the conversation's action bar; the visitor
// answers on their chat page. The visitor's route knows them by their cookie only, so the
// conversation named in the form must be one of theirs (anything else is not found).
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { listAgents } from "../domain/agents";
import { summarize } from "../domain/conversations";
import { NotFoundError, RuleError, ValidationError } from "../domain/errors";
import { listGroups } from "../domain/groups";
import { findConversationForVisitor, ratingCard, rateConversation, requestRating } from "../domain/ratings";
import { findConversationForAgent } from "../domain/conversations";
import type { Hub } from "../realtime/hub";
import type { ConsoleContext } from "../views/console";
import { html } from "../views/html";
import { ratingMessage, type RatingFormState } from "../views/rating";
import { conversationActions } from "../views/workspace";
import { consoleContext } from "./console-context";
import { visitorFromCookie } from "./visitor-cookie";

export function ratingRoutes(deps: AppDeps, hub: Hub) {
  return new Elysia().use(visitorRatingRoutes(deps, hub)).use(agentRatingRoutes(deps, hub));
}

function agentRatingRoutes(deps: AppDeps, hub: Hub) {
  const { db } = deps;

  /** The action bar as the workspace renders it, with `error` when the ask was refused. */
  function actions(ctx: ConsoleContext, conversationId: number, error?: string) {
    const conversation = findConversationForAgent(db, ctx.agent.businessId, conversationId);
    const targets = {
      colleagues: listAgents(db, ctx.agent.businessId).filter((agent) => !agent.disabled),
      groups: listGroups(db, ctx.agent.businessId).map(({ id, name }) => ({ id, name })),
    };
    return conversationActions(ctx.t, conversation, ctx.agent, summarize(db, conversation.id), targets, error);
  }

  return new Elysia().use(consoleContext(deps)).post(
    "/console/conversations/:id/rating-request",
    ({ ctx, params, set }) => {
      try {
        requestRating(db, hub, ctx.agent, params.id);
        return actions(ctx, params.id);
      } catch (error) {
        if (!(error instanceof RuleError)) throw error;
        set.status = 409;
        return actions(ctx, params.id, ctx.t(error.problem.key, error.problem.params));
      }
    },
    { params: t.Object({ id: t.Numeric({ minimum: 1 }) }) },
  );
}

function visitorRatingRoutes(deps: AppDeps, hub: Hub) {
  const { db } = deps;
  return new Elysia()
    .derive(({ params, query, cookie, request, server }) => ({
      ...visitorFromCookie(deps, (params as { widgetKey?: string }).widgetKey ?? "", cookie, request, server, (query as { locale?: string }).locale),
    }))
    .post(
      "/chat/:widgetKey/rating",
      ({ business, visitor, blocked, page, body, set }) => {
        if (!business) throw new NotFoundError("chat");
        if (blocked) {
          set.status = 403;
          return html`<p class="field-error" role="alert">${page.t("chat.blocked")}</p>`;
        }
        if (!visitor) throw new NotFoundError("visitor");
        // The card answers for itself: thanks once rated, or the form again with what to fix.
        const card = (state: RatingFormState = {}) => {
          const asked = ratingCard(db, findConversationForVisitor(db, visitor, body.conversation).id);
          if (!asked) throw new NotFoundError("rating");
          return ratingMessage(page.t, asked, "visitor", state);
        };
        try {
          rateConversation(db, hub, visitor, body.conversation, { stars: body.stars, comment: body.comment });
          return card();
        } catch (error) {
          if (error instanceof ValidationError) {
            set.status = 422;
            return card({ errors: error.fields, comment: body.comment });
          }
          if (!(error instanceof RuleError)) throw error;
          set.status = 409;
          const problem = page.t(error.problem.key, error.problem.params);
          return error.problem.key === "rating.notRequested" ? html`<p class="field-error" role="alert">${problem}</p>` : card({ problem });
        }
      },
      {
        body: t.Object({
          conversation: t.Numeric({ minimum: 1 }),
          // Checked by the domain with a message a person can act on; these only bound the work.
          stars: t.Optional(t.String({ maxLength: 20 })),
          comment: t.Optional(t.String({ maxLength: 10_000 })),
        }),
      },
    );
}
