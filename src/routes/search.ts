// Search, for every agent: /console/search?q=...&before=<message id>. The first page lists
// matching visitors and messages; "more" (htmx) answers with the next messages only.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { problemOf, ValidationError } from "../domain/errors";
import { parseSearchQuery, searchMessages, searchVisitors } from "../domain/search";
import { searchMore, searchPage, type SearchState } from "../views/search";
import { isHtmx } from "./client";
import { consoleContext } from "./console-context";

const noResults = { hits: [], next: null, windowEnded: false };

export function searchRoutes(deps: AppDeps) {
  const { db } = deps;
  return new Elysia().use(consoleContext(deps)).get(
    "/console/search",
    ({ ctx, query, request, set }) => {
      const q = query.q ?? "";
      const before = query.before ?? null;
      let parsed;
      try {
        parsed = parseSearchQuery(q);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        set.status = 400;
        const problem = problemOf(error);
        return searchPage(ctx, { q, error: ctx.t(problem.key, problem.params), terms: [], results: noResults, visitors: [], before });
      }
      const businessId = ctx.agent.businessId;
      const state: SearchState = {
        q: parsed.text,
        error: null,
        terms: parsed.terms,
        results: searchMessages(db, businessId, parsed, { before: before ?? undefined }),
        // Visitors head the first page only.
        visitors: before === null ? searchVisitors(db, businessId, parsed) : [],
        before,
      };
      return isHtmx(request) && before !== null ? searchMore(ctx, state) : searchPage(ctx, state);
    },
    {
      // The query's own limit (200 characters) is checked by parseSearchQuery, with a sentence.
      query: t.Object({ q: t.Optional(t.String({ maxLength: 2000 })), before: t.Optional(t.Numeric({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })) }),
    },
  );
}
