// Console → Customers (客户), for every agent of the shop: the list (/console/customers, searched,
// filtered by tag and last seen, ordered by last seen or conversations; `after` is the keyset
// cursor) and a customer's page. Exporting a customer's data and deleting a customer are the
// owners' (permissions.ts): both are forms, so the CSRF check covers them like every other. The
// contact, tag and note forms on the page are the visitor panel's (routes/visitor-profile.ts).
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { customerDeletionPreview, deleteCustomer } from "../domain/customer-deletion";
import { exportCustomer } from "../domain/customer-export";
import { type CustomerOrder, customerConversations, customerPage, customerTagFilter, isCustomerCursor, type LastSeenRange } from "../domain/customers";
import { problemOf, ValidationError } from "../domain/errors";
import { mayManageCustomerData } from "../domain/permissions";
import { parseSearchQuery } from "../domain/search";
import { businessTags, listVisitorNotes, listVisitorTags, visitorOf as visitorOfBusiness } from "../domain/visitor-profile";
import type { Hub } from "../realtime/hub";
import type { ConsoleContext } from "../views/console";
import { customerConversationsMore, customerDeletePage, customerPage as customerPageView } from "../views/customer";
import { customerListMore, customerListPage, type CustomerListState } from "../views/customers";
import { isHtmx } from "./client";
import { consoleContext, redirectTo } from "./console-context";
import { forbidden } from "./responses";

const customerParams = t.Object({ id: t.Numeric({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });

export function customerRoutes(deps: AppDeps, hub: Hub) {
  const { db } = deps;

  const visitorOf = (ctx: ConsoleContext, visitorId: number) => visitorOfBusiness(db, ctx.agent.businessId, visitorId);

  function ownersOnly({ ctx }: { ctx: ConsoleContext }): Response | undefined {
    if (!mayManageCustomerData(ctx.agent)) return forbidden(ctx);
  }

  return new Elysia()
    .use(consoleContext(deps))
    .get(
      "/console/customers",
      ({ ctx, query, request, set }) => {
        const filters = { q: query.q ?? "", tag: query.tag ?? "", seen: query.seen ?? "", order: query.order ?? "" };
        const order: CustomerOrder = filters.order === "conversations" ? "conversations" : "seen";
        const state: CustomerListState = {
          page: { items: [], next: null },
          filters,
          tags: businessTags(db, ctx.agent.businessId),
          error: null,
          deleted: query.deleted === "1",
        };
        let search;
        let tag;
        try {
          search = parseSearchQuery(filters.q);
          tag = customerTagFilter(filters.tag);
          if (query.after !== undefined && !isCustomerCursor(order, query.after)) throw new ValidationError({ after: { key: "lists.badCursor" } });
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 400;
          const problem = problemOf(error);
          return customerListPage(ctx, { ...state, error: ctx.t(problem.key, problem.params) });
        }
        const page = customerPage(db, ctx.agent.businessId, {
          order,
          filters: { search, tag, seen: (filters.seen || undefined) as LastSeenRange | undefined },
          cursor: query.after,
          timezone: ctx.business.timezone,
        });
        return isHtmx(request) && query.after !== undefined ? customerListMore(ctx, { ...state, page }) : customerListPage(ctx, { ...state, page });
      },
      {
        query: t.Object({
          // The search's own limit (200 characters) is checked by parseSearchQuery, with a sentence.
          q: t.Optional(t.String({ maxLength: 2000 })),
          tag: t.Optional(t.String({ maxLength: 1000 })),
          // Empty is "any": what the form sends for an unset select.
          seen: t.Optional(t.Union(["", "today", "week", "month", "older"].map((range) => t.Literal(range)))),
          order: t.Optional(t.Union(["", "seen", "conversations"].map((order) => t.Literal(order)))),
          after: t.Optional(t.String({ maxLength: 60 })),
          // Where a deletion lands: the list says it is done.
          deleted: t.Optional(t.Literal("1")),
        }),
      },
    )
    .get(
      "/console/customers/:id",
      ({ ctx, params, query, request }) => {
        const visitor = visitorOf(ctx, params.id);
        const businessId = ctx.agent.businessId;
        const conversations = customerConversations(db, businessId, visitor.id, query.before);
        if (isHtmx(request) && query.before !== undefined) return customerConversationsMore(ctx.t, visitor.id, conversations);
        const profile = { tags: listVisitorTags(db, businessId, visitor.id), tagSuggestions: businessTags(db, businessId), notes: listVisitorNotes(db, businessId, visitor.id) };
        return customerPageView(ctx, visitor, profile, conversations);
      },
      { params: customerParams, query: t.Object({ before: t.Optional(t.Numeric({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })) }) },
    )
    .post(
      "/console/customers/:id/export",
      ({ ctx, params }) => {
        const data = exportCustomer(db, ctx.agent, params.id);
        return new Response(JSON.stringify(data, null, 2), {
          headers: {
            "content-type": "application/json; charset=utf-8",
            "content-disposition": `attachment; filename="customer-${params.id}.json"`,
            "cache-control": "no-store",
          },
        });
      },
      { params: customerParams, beforeHandle: ownersOnly },
    )
    .get(
      "/console/customers/:id/delete",
      ({ ctx, params }) => customerDeletePage(ctx, visitorOf(ctx, params.id), customerDeletionPreview(db, ctx.agent.businessId, params.id)),
      { params: customerParams, beforeHandle: ownersOnly },
    )
    .post(
      "/console/customers/:id/delete",
      ({ ctx, params, body, request, set }) => {
        const visitor = visitorOf(ctx, params.id);
        // The second ask: only the confirmation page's form, with its box ticked, deletes.
        if (body.understood !== "yes") {
          set.status = 422;
          return customerDeletePage(ctx, visitor, customerDeletionPreview(db, ctx.agent.businessId, visitor.id), ctx.t("customers.deleteNotConfirmed"));
        }
        deleteCustomer(db, hub, deps.uploadsDir, ctx.agent, visitor.id);
        return redirectTo(request, "/console/customers?deleted=1");
      },
      { params: customerParams, beforeHandle: ownersOnly, body: t.Object({ understood: t.Optional(t.String({ maxLength: 10 })) }) },
    );
}
