// Reports (owners and admins): /console/reports?from=&to=&agent=&group= (or pick=7|30|90|
// thisMonth|lastMonth) shows the page; /console/reports/export?table=agents|groups|daily&… sends
// that table as CSV. Another shop's agent or group is not found.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { listAgents } from "../domain/agents";
import { ValidationError } from "../domain/errors";
import { listGroups } from "../domain/groups";
import { chooseRange } from "../domain/report-range";
import { buildReport, type ReportFilter } from "../domain/reports";
import type { ConsoleContext } from "../views/console";
import { csv, csvResponse } from "../views/csv";
import { reportCsvFilename, reportCsvRows, reportsPage, type ReportsPageState, type ReportTable, reportTables } from "../views/reports";
import { mayReadReports } from "../domain/permissions";
import { consoleContext } from "./console-context";
import { forbidden, refusal } from "./responses";

const reportQuery = t.Object({
  from: t.Optional(t.String({ maxLength: 20 })),
  to: t.Optional(t.String({ maxLength: 20 })),
  pick: t.Optional(t.String({ maxLength: 20 })),
  agent: t.Optional(t.String({ maxLength: 20 })),
  group: t.Optional(t.String({ maxLength: 20 })),
  table: t.Optional(t.String({ maxLength: 20 })),
});

type ReportQuery = typeof reportQuery.static;

/** An id from a select: empty means "all"; anything but digits is a bad request. */
function optionalId(text: string | undefined, field: string): number | undefined {
  if (!text) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw new ValidationError({ [field]: { key: "reports.badFilter" } });
  return Number(text);
}

function filterOf(query: ReportQuery): ReportFilter {
  const agentId = optionalId(query.agent, "agent");
  const groupId = optionalId(query.group, "group");
  return { ...(agentId === undefined ? {} : { agentId }), ...(groupId === undefined ? {} : { groupId }) };
}

export function reportRoutes(deps: AppDeps) {
  const { db } = deps;
  const report = (ctx: ConsoleContext, query: ReportQuery) =>
    buildReport(db, ctx.business, chooseRange(ctx.business.timezone, query), filterOf(query));

  return new Elysia()
    .use(consoleContext(deps))
    .onBeforeHandle(({ ctx }) => (mayReadReports(ctx.agent) ? undefined : forbidden(ctx)))
    .get(
      "/console/reports",
      ({ ctx, query, set }) => {
        const state: ReportsPageState = {
          report: null,
          agents: listAgents(db, ctx.agent.businessId).map((a) => ({ id: a.id, name: a.displayName })),
          groups: listGroups(db, ctx.agent.businessId).map((g) => ({ id: g.id, name: g.name })),
          asked: { from: query.from ?? "", to: query.to ?? "", agent: query.agent ?? "", group: query.group ?? "" },
        };
        try {
          state.report = report(ctx, query);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          set.status = 400;
          return reportsPage(ctx, { ...state, errors: error.fields });
        }
        state.asked.from = state.report.range.from;
        state.asked.to = state.report.range.to;
        return reportsPage(ctx, state);
      },
      { query: reportQuery },
    )
    .get(
      "/console/reports/export",
      ({ ctx, query }) => {
        const table = query.table as ReportTable;
        if (!reportTables.includes(table)) return refusal(ctx.t("reports.badTable"), 400);
        let built;
        try {
          built = report(ctx, query);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          const [problem] = Object.values(error.fields);
          return refusal(ctx.t(problem!.key, problem!.params), 400);
        }
        return csvResponse(csv(reportCsvRows(ctx.t, built, table)), reportCsvFilename(built, table));
      },
      { query: reportQuery },
    );
}
