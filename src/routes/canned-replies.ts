// Canned replies (快捷回复): the page where agents keep their own and managers keep the shared
// ones, and the JSON the composer asks for when the agent types `/` in a conversation. A change
// goes back to the page (303, so a reload does not post again); a refused one shows the page
// again with what was typed and what is wrong.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import {
  addCannedReply,
  cannedRepliesFor,
  deleteCannedReply,
  fillPlaceholders,
  listCannedReplies,
  scopeOf,
  SharedRepliesForbiddenError,
  updateCannedReply,
} from "../domain/canned-replies";
import { findConversationForAgent } from "../domain/conversations";
import { ValidationError } from "../domain/errors";
import { findVisitor } from "../domain/visitors";
import { cannedAddFormId, cannedItemId, cannedRepliesPage, cannedRepliesPath, type CannedTypedForm } from "../views/canned-replies";
import type { ConsoleContext } from "../views/console";
import { consoleContext, redirectTo } from "./console-context";
import { forbidden } from "./responses";

const itemParams = t.Object({ id: t.Numeric({ minimum: 1 }) });
// Loose bounds on what is read; the domain says which limit a text breaks, next to its field.
const replyBody = t.Object({ shortcut: t.String({ maxLength: 1000 }), body: t.String({ maxLength: 50_000 }) });
const addBody = t.Object({
  scope: t.Union([t.Literal("personal"), t.Literal("shared")]),
  shortcut: t.String({ maxLength: 1000 }),
  body: t.String({ maxLength: 50_000 }),
});

export function cannedReplyRoutes(deps: AppDeps) {
  const { db } = deps;

  const page = (ctx: ConsoleContext, typed?: CannedTypedForm) =>
    cannedRepliesPage(ctx, { personal: listCannedReplies(db, ctx.agent, "personal"), shared: listCannedReplies(db, ctx.agent, "shared") }, typed);

  /** Applies a change and goes back to the page at the anchor it names, or explains the refusal. */
  function change(ctx: ConsoleContext, request: Request, set: { status?: number | string }, typed: Omit<CannedTypedForm, "errors">, apply: () => string) {
    try {
      return redirectTo(request, `${cannedRepliesPath}#${apply()}`);
    } catch (error) {
      if (error instanceof SharedRepliesForbiddenError) return forbidden(ctx);
      if (!(error instanceof ValidationError)) throw error;
      set.status = 422;
      return page(ctx, { ...typed, errors: error.fields });
    }
  }

  return new Elysia()
    .use(consoleContext(deps))
    .get(cannedRepliesPath, ({ ctx }) => page(ctx))
    .post(
      cannedRepliesPath,
      ({ ctx, body, request, set }) =>
        change(ctx, request, set, { form: cannedAddFormId(body.scope), values: body }, () =>
          cannedItemId(addCannedReply(db, ctx.agent, body.scope, { shortcut: body.shortcut, body: body.body })),
        ),
      { body: addBody },
    )
    .post(
      `${cannedRepliesPath}/:id`,
      ({ ctx, params, body, request, set }) =>
        change(ctx, request, set, { form: cannedItemId(params), values: body }, () => cannedItemId(updateCannedReply(db, ctx.agent, params.id, body))),
      { params: itemParams, body: replyBody },
    )
    .post(
      `${cannedRepliesPath}/:id/delete`,
      ({ ctx, params, request, set }) =>
        change(ctx, request, set, { form: cannedItemId(params), values: {} }, () => `canned-${scopeOf(deleteCannedReply(db, ctx.agent, params.id))}`),
      { params: itemParams },
    )
    // The composer's list for one conversation: this agent's own replies, then the shared ones,
    // with the placeholders filled for this conversation. Never another agent's personal replies.
    .get(
      "/console/conversations/:id/canned-replies",
      ({ ctx, params }) => {
        const conversation = findConversationForAgent(db, ctx.agent.businessId, params.id);
        const visitor = findVisitor(db, ctx.agent.businessId, conversation.visitorId);
        const values = { visitor_name: visitor?.name ?? null, agent_name: ctx.agent.displayName, shop_name: ctx.business.name };
        const replies = cannedRepliesFor(db, ctx.agent).map((reply) => ({
          id: reply.id,
          shortcut: reply.shortcut,
          body: fillPlaceholders(reply.body, values),
          shared: reply.agentId === null,
        }));
        return new Response(JSON.stringify({ replies }), {
          headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
        });
      },
      { params: itemParams },
    );
}
