// The Automatic answers page (owners and admins): the bot's settings, its rules and the banned
// words. Every change goes back to the page (303) and makes the shop's compiled answers be read
// again (AnswerBook.forget); a refused one shows the page again with what was typed and what is wrong.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { addAnswerRule, answerSettingsOf, deleteAnswerRule, listAnswerRules, saveAnswerSettings, updateAnswerRule } from "../domain/answer-rules";
import { ValidationError } from "../domain/errors";
import { automaticAnswersPage, automaticAnswersPath } from "../views/automatic-answers";
import type { ConsoleContext } from "../views/console";
import type { TypedForm } from "../views/visitor-window-settings";
import { consoleContext, managersOnly, redirectTo } from "./console-context";

const itemParams = t.Object({ id: t.Numeric({ minimum: 1 }) });
// Loose bounds on what is read; the domain says which limit a text breaks, next to its field.
const ruleBody = t.Object({ keywords: t.String({ maxLength: 10_000 }), answer: t.String({ maxLength: 50_000 }), enabled: t.Optional(t.Literal("on")) });
const settingsBody = t.Object({ answerWhen: t.String({ maxLength: 40 }), useFaqs: t.Optional(t.Literal("on")) });
const bannedBody = t.Object({ bannedWords: t.String({ maxLength: 50_000 }), bannedMode: t.String({ maxLength: 40 }) });

export function automaticAnswerRoutes(deps: AppDeps) {
  const { db, answerBook } = deps;

  const page = (ctx: ConsoleContext, typed?: TypedForm) =>
    automaticAnswersPage(ctx, { settings: answerSettingsOf(db, ctx.agent.businessId), rules: listAnswerRules(db, ctx.agent.businessId) }, typed);

  /** Applies a change and goes back to the page at the anchor it names, or shows the refused form again. */
  function change(ctx: ConsoleContext, request: Request, set: { status?: number | string }, typed: Omit<TypedForm, "errors">, apply: () => string) {
    try {
      const anchor = apply();
      answerBook.forget(ctx.agent.businessId);
      return redirectTo(request, `${automaticAnswersPath}#${anchor}`);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      set.status = 422;
      return page(ctx, { ...typed, errors: error.fields });
    }
  }

  const rule = (body: typeof ruleBody.static) => ({ keywords: body.keywords, answer: body.answer, enabled: body.enabled === "on" });
  const typedRule = (body: typeof ruleBody.static) => ({ keywords: body.keywords, answer: body.answer, enabled: body.enabled ?? "" });

  return new Elysia()
    .use(consoleContext(deps))
    .onBeforeHandle(managersOnly)
    .get(automaticAnswersPath, ({ ctx }) => page(ctx))
    .post(
      `${automaticAnswersPath}/settings`,
      ({ ctx, body, request, set }) =>
        change(ctx, request, set, { form: "answer-settings", values: { answerWhen: body.answerWhen, useFaqs: body.useFaqs ?? "" } }, () => {
          const stored = answerSettingsOf(db, ctx.agent.businessId);
          saveAnswerSettings(db, ctx.agent, { ...stored, answerWhen: body.answerWhen, useFaqs: body.useFaqs === "on" });
          return "answer-settings";
        }),
      { body: settingsBody },
    )
    .post(
      `${automaticAnswersPath}/banned-words`,
      ({ ctx, body, request, set }) =>
        change(ctx, request, set, { form: "banned-words", values: body }, () => {
          const stored = answerSettingsOf(db, ctx.agent.businessId);
          saveAnswerSettings(db, ctx.agent, { ...stored, bannedWords: body.bannedWords, bannedMode: body.bannedMode });
          return "banned-words";
        }),
      { body: bannedBody },
    )
    .post(
      `${automaticAnswersPath}/rules`,
      ({ ctx, body, request, set }) => change(ctx, request, set, { form: "rule-new", values: typedRule(body) }, () => `rule-${addAnswerRule(db, ctx.agent, rule(body)).id}`),
      { body: ruleBody },
    )
    .post(
      `${automaticAnswersPath}/rules/:id`,
      ({ ctx, params, body, request, set }) =>
        change(ctx, request, set, { form: `rule-${params.id}`, values: typedRule(body) }, () => `rule-${updateAnswerRule(db, ctx.agent, params.id, rule(body)).id}`),
      { params: itemParams, body: ruleBody },
    )
    .post(
      `${automaticAnswersPath}/rules/:id/delete`,
      ({ ctx, params, request }) => {
        deleteAnswerRule(db, ctx.agent, params.id);
        answerBook.forget(ctx.agent.businessId);
        return redirectTo(request, `${automaticAnswersPath}#answer-rules`);
      },
      { params: itemParams },
    );
}
