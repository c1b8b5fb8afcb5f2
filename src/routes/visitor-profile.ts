// The visitor panel's forms, for every agent of the business: correct the visitor's contact
// details, add private notes, tag them. Each answers with the part of the panel it changed,
// which htmx swaps in place; a refusal comes back in the same part, with the reason and what was
// typed, and changes nothing. A visitor of another business is "not found" (findVisitor is
// scoped), never "forbidden".
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { NotFoundError, problemOf, RuleError, ValidationError } from "../domain/errors";
import { addVisitorNote, addVisitorTag, businessTags, listVisitorNotes, listVisitorTags, removeVisitorTag, updateVisitorContact } from "../domain/visitor-profile";
import { findVisitor } from "../domain/visitors";
import type { Hub } from "../realtime/hub";
import type { ConsoleContext } from "../views/console";
import { conversationTitle } from "../views/conversation-header";
import { html } from "../views/html";
import { contactEditor, notesSection, tagsSection, visitorSummary } from "../views/visitor-panel";
import { consoleContext } from "./console-context";

const visitorParams = t.Object({ id: t.Numeric({ minimum: 1 }) });
// Bounded well above the domain's limits, so an over-long value gets the domain's own message.
const text = (max: number) => t.String({ maxLength: max });

export function visitorProfileRoutes(deps: AppDeps, hub: Hub) {
  const { db } = deps;

  function visitorOf(ctx: ConsoleContext, visitorId: number) {
    const visitor = findVisitor(db, ctx.agent.businessId, visitorId);
    if (!visitor) throw new NotFoundError("visitor");
    return visitor;
  }

  /** Why a change was refused, in the agent's words; anything else is not ours to catch. */
  function refusal(ctx: ConsoleContext, error: unknown, set: { status?: number | string }): string {
    if (!(error instanceof ValidationError || error instanceof RuleError)) throw error;
    set.status = error instanceof RuleError ? 409 : 422;
    const problem = problemOf(error);
    return ctx.t(problem.key, problem.params);
  }

  const tags = (ctx: ConsoleContext, visitorId: number, current: string[], state: { value?: string; problem?: string } = {}) =>
    tagsSection(ctx.t, visitorId, current, businessTags(db, ctx.agent.businessId), state);

  return new Elysia()
    .use(consoleContext(deps))
    .post(
      "/console/visitors/:id/contact",
      ({ ctx, params, body, set }) => {
        const before = visitorOf(ctx, params.id);
        try {
          const visitor = updateVisitorContact(db, hub, ctx.agent, params.id, body);
          return html`${contactEditor(ctx.t, visitor, { saved: true })}
<hx-partial hx-target="#visitor-summary" hx-swap="outerHTML">${visitorSummary(ctx.t, visitor)}</hx-partial>
<hx-partial hx-target="#conversation-visitor-name" hx-swap="outerHTML">${conversationTitle(ctx.t, visitor)}</hx-partial>`;
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 422;
          return contactEditor(ctx.t, before, { values: body, errors: error.fields });
        }
      },
      { params: visitorParams, body: t.Object({ name: text(1000), email: text(1000), phone: text(1000) }) },
    )
    .post(
      "/console/visitors/:id/notes",
      ({ ctx, params, body, set }) => {
        visitorOf(ctx, params.id);
        try {
          addVisitorNote(db, ctx.agent, params.id, body.body);
          return notesSection(ctx.t, params.id, listVisitorNotes(db, ctx.agent.businessId, params.id));
        } catch (error) {
          const problem = refusal(ctx, error, set);
          return notesSection(ctx.t, params.id, listVisitorNotes(db, ctx.agent.businessId, params.id), { value: body.body, problem });
        }
      },
      { params: visitorParams, body: t.Object({ body: text(20_000) }) },
    )
    .post(
      "/console/visitors/:id/tags",
      ({ ctx, params, body, set }) => {
        visitorOf(ctx, params.id);
        try {
          return tags(ctx, params.id, addVisitorTag(db, ctx.agent, params.id, body.tag));
        } catch (error) {
          const problem = refusal(ctx, error, set);
          return tags(ctx, params.id, listVisitorTags(db, ctx.agent.businessId, params.id), { value: body.tag, problem });
        }
      },
      { params: visitorParams, body: t.Object({ tag: text(1000) }) },
    )
    .post(
      "/console/visitors/:id/tags/remove",
      ({ ctx, params, body }) => {
        visitorOf(ctx, params.id);
        return tags(ctx, params.id, removeVisitorTag(db, ctx.agent, params.id, body.tag));
      },
      { params: visitorParams, body: t.Object({ tag: text(1000) }) },
    );
}
