// The visitor's answer to a rating request, on their chat page (agents ask from the workspace's
// action bar, routes/workspace.ts). The route knows the visitor by their cookie only, so the
// conversation named in the form must be one of theirs (anything else is not found).
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { NotFoundError, RuleError, ValidationError } from "../domain/errors";
import { findConversationForVisitor, ratingCard, rateConversation } from "../domain/ratings";
import type { Hub } from "../realtime/hub";
import { html } from "../views/html";
import { ratingMessage, type RatingFormState } from "../views/rating";
import { visitorFromCookie } from "./visitor-cookie";

export function ratingRoutes(deps: AppDeps, hub: Hub) {
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
