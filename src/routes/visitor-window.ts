// The Visitor window page: FAQ questions and info tabs for the visitor's chat page. Every agent
// may read it; owners and admins change it. A change goes back to the page (303, so a reload
// does not post again); a refused one shows the page again with what was typed and what is wrong.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { ValidationError } from "../domain/errors";
import { addFaq, deleteFaq, listFaqs, moveFaq, updateFaq } from "../domain/faqs";
import { addInfoTab, deleteInfoTab, listInfoTabs, moveInfoTab, updateInfoTab } from "../domain/info-tabs";
import type { ConsoleContext } from "../views/console";
import { type TypedForm, visitorWindowPage, visitorWindowPath } from "../views/visitor-window-settings";
import { consoleContext, managersOnly, redirectTo } from "./console-context";
import { chatPageUrl } from "./visitor-cookie";

const itemParams = t.Object({ id: t.Numeric({ minimum: 1 }) });
// Loose bounds on what is read; the domain says which limit a text breaks, next to its field.
const faqBody = t.Object({ question: t.String({ maxLength: 10_000 }), answer: t.String({ maxLength: 50_000 }) });
const tabBody = t.Object({ title: t.String({ maxLength: 10_000 }), body: t.String({ maxLength: 50_000 }) });
const moveBody = t.Object({ direction: t.Union([t.Literal("up"), t.Literal("down")]) });

export function visitorWindowRoutes(deps: AppDeps) {
  const { db, config } = deps;

  const page = (ctx: ConsoleContext, request: Request, typed?: TypedForm) =>
    visitorWindowPage(
      ctx,
      {
        faqs: listFaqs(db, ctx.agent.businessId),
        infoTabs: listInfoTabs(db, ctx.agent.businessId),
        chatPage: chatPageUrl(config, request, ctx.business.widgetKey),
      },
      typed,
    );

  /** Applies a change and goes back to the page at the anchor it names, or shows the refused form again. */
  function change(
    ctx: ConsoleContext,
    request: Request,
    set: { status?: number | string },
    typed: Omit<TypedForm, "errors">,
    apply: () => string,
  ) {
    try {
      return redirectTo(request, `${visitorWindowPath}#${apply()}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      set.status = 422;
      return page(ctx, request, { ...typed, errors: error.fields });
    }
  }

  return new Elysia()
    .use(consoleContext(deps))
    // A shop that answers with its FAQ compiles the questions again after any change here.
    .onAfterHandle(({ ctx, request }) => {
      if (request.method === "POST") deps.answerBook.forget(ctx.agent.businessId);
    })
    .get(visitorWindowPath, ({ ctx, request }) => page(ctx, request))
    .post(
      `${visitorWindowPath}/faqs`,
      ({ ctx, body, request, set }) => change(ctx, request, set, { form: "faq-new", values: body }, () => `faq-${addFaq(db, ctx.agent, body).id}`),
      { beforeHandle: managersOnly, body: faqBody },
    )
    .post(
      `${visitorWindowPath}/faqs/:id`,
      ({ ctx, params, body, request, set }) =>
        change(ctx, request, set, { form: `faq-${params.id}`, values: body }, () => `faq-${updateFaq(db, ctx.agent, params.id, body).id}`),
      { beforeHandle: managersOnly, params: itemParams, body: faqBody },
    )
    .post(
      `${visitorWindowPath}/faqs/:id/move`,
      ({ ctx, params, body, request }) => {
        moveFaq(db, ctx.agent, params.id, body.direction);
        return redirectTo(request, `${visitorWindowPath}#faq-${params.id}`);
      },
      { beforeHandle: managersOnly, params: itemParams, body: moveBody },
    )
    .post(
      `${visitorWindowPath}/faqs/:id/delete`,
      ({ ctx, params, request }) => {
        deleteFaq(db, ctx.agent, params.id);
        return redirectTo(request, `${visitorWindowPath}#faqs`);
      },
      { beforeHandle: managersOnly, params: itemParams },
    )
    .post(
      `${visitorWindowPath}/tabs`,
      ({ ctx, body, request, set }) => change(ctx, request, set, { form: "tab-new", values: body }, () => `tab-${addInfoTab(db, ctx.agent, body).id}`),
      { beforeHandle: managersOnly, body: tabBody },
    )
    .post(
      `${visitorWindowPath}/tabs/:id`,
      ({ ctx, params, body, request, set }) =>
        change(ctx, request, set, { form: `tab-${params.id}`, values: body }, () => `tab-${updateInfoTab(db, ctx.agent, params.id, body).id}`),
      { beforeHandle: managersOnly, params: itemParams, body: tabBody },
    )
    .post(
      `${visitorWindowPath}/tabs/:id/move`,
      ({ ctx, params, body, request }) => {
        moveInfoTab(db, ctx.agent, params.id, body.direction);
        return redirectTo(request, `${visitorWindowPath}#tab-${params.id}`);
      },
      { beforeHandle: managersOnly, params: itemParams, body: moveBody },
    )
    .post(
      `${visitorWindowPath}/tabs/:id/delete`,
      ({ ctx, params, request }) => {
        deleteInfoTab(db, ctx.agent, params.id);
        return redirectTo(request, `${visitorWindowPath}#info-tabs`);
      },
      { beforeHandle: managersOnly, params: itemParams },
    );
}
