// The conversation lists: /console/conversations?list=closed|open|mine|waiting, the closed list
// filtered by agent, closing date (the shop's days) and rating; `before` is the keyset cursor.
// "All open" shows everyone's conversations: owners and admins only.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { listAgents } from "../domain/agents";
import {
  checkClosedFilters,
  type ClosedFilters,
  conversationListPage,
  isCursor,
  mayViewList,
  type RatingFilter,
} from "../domain/conversation-lists";
import { problemOf, ValidationError } from "../domain/errors";
import { conversationListPage as listPage, listMore } from "../views/conversation-lists";
import { isHtmx } from "./client";
import { consoleContext } from "./console-context";
import { forbidden } from "./responses";

// Empty is "any": that is what a form sends for an unset select or date.
const ratings = ["", "1", "2", "3", "4", "5", "rated", "unrated"] as const;

function ratingFilter(value: string): RatingFilter | undefined {
  if (value === "") return undefined;
  return value === "rated" || value === "unrated" ? value : (Number(value) as RatingFilter);
}

export function conversationListRoutes(deps: AppDeps) {
  const { db } = deps;
  return new Elysia().use(consoleContext(deps)).get(
    "/console/conversations",
    ({ ctx, query, request, set }) => {
      const list = query.list ?? "closed";
      if (!mayViewList(ctx.agent, list)) return forbidden(ctx);
      const typed = { agent: query.agent ?? "", from: query.from ?? "", to: query.to ?? "", rating: query.rating ?? "" };
      const shown = list === "closed" ? typed : { agent: "", from: "", to: "", rating: "" };
      const filters: ClosedFilters = {
        agentId: shown.agent ? Number(shown.agent) : undefined,
        from: shown.from || undefined,
        to: shown.to || undefined,
        rating: ratingFilter(shown.rating),
      };
      const state = {
        list,
        filters: shown,
        agents: listAgents(db, ctx.agent.businessId),
        timezone: ctx.business.timezone,
        page: { items: [], next: null },
        error: null as string | null,
      };
      try {
        checkClosedFilters(filters);
        if (query.before !== undefined && !isCursor(list, query.before)) throw new ValidationError({ before: { key: "lists.badCursor" } });
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        set.status = 400;
        const problem = problemOf(error);
        return listPage(ctx, { ...state, error: ctx.t(problem.key, problem.params) });
      }
      const page = conversationListPage(db, ctx.agent, list, { cursor: query.before, filters, timezone: ctx.business.timezone });
      return isHtmx(request) && query.before !== undefined ? listMore(ctx, { ...state, page }) : listPage(ctx, { ...state, page });
    },
    {
      query: t.Object({
        list: t.Optional(t.Union([t.Literal("closed"), t.Literal("open"), t.Literal("mine"), t.Literal("waiting")])),
        before: t.Optional(t.String({ maxLength: 40 })),
        agent: t.Optional(t.String({ pattern: "^([1-9][0-9]{0,15})?$" })),
        from: t.Optional(t.String({ maxLength: 10 })),
        to: t.Optional(t.String({ maxLength: 10 })),
        rating: t.Optional(t.Union(ratings.map((rating) => t.Literal(rating)))),
      }),
    },
  );
}
