// The Reports page (报表, owners and admins): the range and filters, the figures, the charts, the
// tables by agent, by group and by day (each exportable as CSV), and how each figure is counted.
import { type Figures, goodStars, type Report, type ReportRow } from "../domain/reports";
import type { MessageKey, Translate } from "../i18n";
import { chartLegend, countSteps, durationSteps, heatMap, seriesChart } from "./charts";
import { type ConsoleContext, consolePage } from "./console";
import { fieldError, type FieldErrors, invalid } from "./form";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";

export interface ReportsPageState {
  report: Report | null;
  agents: { id: number; name: string }[];
  groups: { id: number; name: string }[];
  /** The form as asked, shown back when it was wrong. */
  asked: { from: string; to: string; agent: string; group: string };
  errors?: FieldErrors;
}

export const reportTables = ["agents", "groups", "daily"] as const;
export type ReportTable = (typeof reportTables)[number];

/** "4m 05s": a duration in words of the page's language; "—" for nothing measured. */
export function duration(t: Translate, ms: number | null): string {
  if (ms === null) return "—";
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return t("reports.seconds", { s: seconds });
  if (seconds < 3600) return t("reports.minutes", { m: Math.floor(seconds / 60), s: String(seconds % 60).padStart(2, "0") });
  return t("reports.hours", { h: Math.floor(seconds / 3600), m: String(Math.floor((seconds % 3600) / 60)).padStart(2, "0") });
}

const oneDecimal = (n: number | null) => (n === null ? "—" : n.toFixed(1));
const percent = (n: number | null) => (n === null ? "—" : `${Math.round(n)}%`);
const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));

/** The query that shows this report again, with `extra` changed (a quick pick, a table). */
function reportQuery(report: Report, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ from: report.range.from, to: report.range.to });
  if (report.filter.agentId !== undefined) params.set("agent", String(report.filter.agentId));
  if (report.filter.groupId !== undefined) params.set("group", String(report.filter.groupId));
  if ("pick" in extra) {
    params.delete("from");
    params.delete("to");
  }
  for (const [key, value] of Object.entries(extra)) params.set(key, value);
  return params.toString();
}

function rowName(t: Translate, row: ReportRow, none: "reports.noAgent" | "reports.noGroup"): string {
  return row.id === null ? t(none) : row.name;
}

function columnNames(t: Translate): string[] {
  return [
    t("reports.started"),
    t("reports.answered"),
    t("reports.missed"),
    t("reports.firstResponseMedian"),
    t("reports.firstResponseP90"),
    t("reports.queueWait"),
    t("reports.duration"),
    t("reports.ratingAverage"),
    t("reports.csat"),
    t("reports.rated"),
    t("reports.visitorMessages"),
    t("reports.agentMessages"),
  ];
}

function figureCells(t: Translate, f: Figures): (string | number)[] {
  return [
    f.started,
    f.answered,
    f.missed,
    duration(t, f.firstResponseMedian),
    duration(t, f.firstResponseP90),
    duration(t, f.queueWaitMedian),
    duration(t, f.durationMedian),
    oneDecimal(f.ratingAverage),
    percent(f.csat),
    f.rated,
    f.visitorMessages,
    f.agentMessages,
  ];
}

/** The rows of one table, as CSV cells: times in seconds and shares as numbers, for a spreadsheet. */
export function reportCsvRows(t: Translate, report: Report, table: ReportTable): (string | number | null)[][] {
  if (table === "daily") {
    return [
      [t("reports.date"), t("reports.started"), t("reports.answered"), t("reports.missed"), t("reports.firstResponseMedianSeconds")],
      ...report.daily.map((day) => [day.date, day.started, day.answered, day.missed, seconds(day.firstResponseMedian)]),
    ];
  }
  const rows = table === "agents" ? report.byAgent : report.byGroup;
  const none = table === "agents" ? "reports.noAgent" : "reports.noGroup";
  const f = (x: Figures) => [
    x.started, x.answered, x.missed,
    seconds(x.firstResponseMedian), seconds(x.firstResponseP90), seconds(x.queueWaitMedian), seconds(x.durationMedian),
    x.ratingAverage === null ? null : Math.round(x.ratingAverage * 100) / 100,
    x.csat === null ? null : Math.round(x.csat * 10) / 10,
    x.rated, ...x.ratingCounts, x.visitorMessages, x.agentMessages,
  ];
  return [
    [
      table === "agents" ? t("reports.agent") : t("reports.group"),
      t("reports.started"), t("reports.answered"), t("reports.missed"),
      t("reports.firstResponseMedianSeconds"), t("reports.firstResponseP90Seconds"), t("reports.queueWaitSeconds"), t("reports.durationSeconds"),
      t("reports.ratingAverage"), t("reports.csatPercent"), t("reports.rated"),
      ...[1, 2, 3, 4, 5].map((stars) => t("reports.starsCount", { stars })),
      t("reports.visitorMessages"), t("reports.agentMessages"),
    ],
    ...rows.map((row) => [rowName(t, row, none), ...f(row.figures)]),
    [t("reports.total"), ...f(report.totals)],
  ];
}

export function reportCsvFilename(report: Report, table: ReportTable): string {
  return `kefu-report-${table}-${report.range.from}-to-${report.range.to}.csv`;
}

function filters(ctx: ConsoleContext, state: ReportsPageState): SafeHtml {
  const { t } = ctx;
  const errors = state.errors ?? {};
  const picks = [
    ["7", t("reports.last7")],
    ["30", t("reports.last30")],
    ["90", t("reports.last90")],
    ["thisMonth", t("reports.thisMonth")],
    ["lastMonth", t("reports.lastMonth")],
  ] as const;
  const keep = new URLSearchParams();
  if (state.asked.agent) keep.set("agent", state.asked.agent);
  if (state.asked.group) keep.set("group", state.asked.group);
  return html`<form class="report-filters" method="get" action="/console/reports">
  <p class="report-picks">${picks.map(([pick, label]) => html`<a class="button secondary small" href="/console/reports?${new URLSearchParams({ ...Object.fromEntries(keep), pick }).toString()}">${label}</a>`)}</p>
  <div class="report-fields">
    <div><label for="field-from">${t("reports.from")}</label><input id="field-from" type="date" name="from" value="${state.asked.from}" ${invalid(errors, "from")}>${fieldError(t, errors, "from")}</div>
    <div><label for="field-to">${t("reports.to")}</label><input id="field-to" type="date" name="to" value="${state.asked.to}" ${invalid(errors, "to")}>${fieldError(t, errors, "to")}</div>
    <div><label for="field-agent">${t("reports.agent")}</label><select id="field-agent" name="agent" ${invalid(errors, "agent")}>
      <option value="">${t("reports.allAgents")}</option>
      ${state.agents.map((a) => html`<option value="${a.id}" ${String(a.id) === state.asked.agent ? html`selected` : ""}>${a.name}</option>`)}
    </select>${fieldError(t, errors, "agent")}</div>
    <div><label for="field-group">${t("reports.group")}</label><select id="field-group" name="group" ${invalid(errors, "group")}>
      <option value="">${t("reports.allGroups")}</option>
      ${state.groups.map((g) => html`<option value="${g.id}" ${String(g.id) === state.asked.group ? html`selected` : ""}>${g.name}</option>`)}
    </select>${fieldError(t, errors, "group")}</div>
    <div class="report-apply"><button type="submit">${t("reports.apply")}</button></div>
  </div>
</form>`;
}

interface SummaryFigure {
  id: string;
  how: HowKey;
  label: MessageKey;
  value: (f: Figures, offlineMessages: number) => string | number;
  note?: (f: Figures) => string | undefined;
}

const summaryFigures = (t: Translate): SummaryFigure[] => [
  { id: "started", how: "reports.howStarted", label: "reports.started", value: (f) => f.started },
  { id: "answered", how: "reports.howAnswered", label: "reports.answered", value: (f) => f.answered, note: (f) => (f.started ? percent((f.answered / f.started) * 100) : undefined) },
  { id: "missed", how: "reports.howMissed", label: "reports.missed", value: (f) => f.missed, note: (f) => (f.started ? percent((f.missed / f.started) * 100) : undefined) },
  { id: "first-response", how: "reports.howFirstResponse", label: "reports.firstResponseMedian", value: (f) => duration(t, f.firstResponseMedian), note: (f) => t("reports.p90Is", { value: duration(t, f.firstResponseP90) }) },
  { id: "queue-wait", how: "reports.howQueueWait", label: "reports.queueWait", value: (f) => duration(t, f.queueWaitMedian) },
  { id: "duration", how: "reports.howDuration", label: "reports.duration", value: (f) => duration(t, f.durationMedian) },
  { id: "rating", how: "reports.howRatings", label: "reports.ratingAverage", value: (f) => oneDecimal(f.ratingAverage), note: (f) => t("reports.ratedCount", { count: f.rated }) },
  { id: "csat", how: "reports.howRatings", label: "reports.csat", value: (f) => percent(f.csat) },
  { id: "messages", how: "reports.howMessages", label: "reports.messages", value: (f) => f.visitorMessages + f.agentMessages, note: (f) => t("reports.messagesSplit", { visitor: f.visitorMessages, agent: f.agentMessages }) },
  { id: "automatic-answers", how: "reports.howAutomaticAnswers", label: "reports.automaticAnswers", value: (f) => f.automaticAnswers, note: (f) => t("reports.personRequestsNote", { count: f.personRequests }) },
  { id: "offline-messages", how: "reports.howOfflineMessages", label: "reports.offlineMessages", value: (_, offlineMessages) => offlineMessages },
];

function summary(t: Translate, report: Report): SafeHtml {
  const { previous } = report;
  // The title says how the figure is counted, for a mouse; the notes below say it for everyone.
  return html`<dl class="report-figures">
  ${summaryFigures(t).map((figure) => {
    const note = figure.note?.(report.totals);
    return html`<div class="report-figure" data-figure="${figure.id}" title="${t(figure.how, { good: goodStars })}"><dt>${t(figure.label)}</dt><dd>${figure.value(report.totals, report.offlineMessages)}${note ? html`<small>${note}</small>` : ""}<small class="report-previous" title="${t("reports.rangeShort", { from: previous.range.from, to: previous.range.to })}">${t("reports.previous", { days: previous.range.days.length, value: figure.value(previous.totals, previous.offlineMessages) })}</small></dd></div>`;
  })}
</dl>
${report.totals.rated ? ratingDistribution(t, report.totals) : ""}`;
}

function ratingDistribution(t: Translate, f: Figures): SafeHtml {
  return html`<table class="rating-distribution">
  <caption>${t("reports.ratingDistribution")}</caption>
  <tbody>${[5, 4, 3, 2, 1].map((stars) => {
    const count = f.ratingCounts[stars - 1]!;
    return html`<tr data-stars="${stars}"><th scope="row" aria-label="${t("reports.starsCount", { stars })}">${"★".repeat(stars)}</th>
    <td><meter min="0" max="${f.rated}" value="${count}"></meter></td><td>${count}</td><td>${percent((count / f.rated) * 100)}</td></tr>`;
  })}</tbody>
</table>`;
}

function charts(ctx: ConsoleContext, report: Report): SafeHtml {
  const { t, locale } = ctx;
  const dayLabel = (date: string) => date.slice(5);
  const perDay = [
    { name: t("reports.started"), values: report.daily.map((d) => d.started) },
    { name: t("reports.answered"), values: report.daily.map((d) => d.answered) },
    { name: t("reports.missed"), values: report.daily.map((d) => d.missed) },
  ];
  // One formatter for the map's 175 labels and titles: making one costs more than using it.
  const weekdays = new Intl.DateTimeFormat(locale, { weekday: "short", timeZone: "UTC" });
  const weekday = (day: number) => weekdays.format(Date.UTC(2024, 0, 7 + day));
  // Monday first, as shops read their week; the data stays 0 = Sunday.
  const order = [1, 2, 3, 4, 5, 6, 0];
  const busiest = report.heatmap.flatMap((hours, day) => hours.map((count, hour) => ({ day, hour, count }))).sort((a, b) => b.count - a.count)[0]!;
  return html`<section aria-labelledby="daily-title">
  <h2 id="daily-title">${t("reports.dailyChart")}</h2>
  <div class="chart-scroll">${seriesChart({
    title: t("reports.dailyChart"),
    desc: t("reports.dailyChartDesc", { from: report.range.from, to: report.range.to, started: report.totals.started, answered: report.totals.answered, missed: report.totals.missed }),
    labels: report.daily.map((d) => dayLabel(d.date)),
    series: perDay,
    kind: report.daily.length > 31 ? "line" : "bar",
    format: (n) => String(n),
    steps: countSteps,
  })}</div>
  ${chartLegend(perDay)}
  <h2>${t("reports.firstResponseChart")}</h2>
  ${
    report.totals.answered === 0
      ? html`<p class="muted">${t("reports.noneAnswered")}</p>`
      : html`<div class="chart-scroll">${seriesChart({
    title: t("reports.firstResponseChart"),
    desc: t("reports.firstResponseChartDesc", { median: duration(t, report.totals.firstResponseMedian) }),
    labels: report.daily.map((d) => dayLabel(d.date)),
    series: [{ name: t("reports.firstResponseMedian"), values: report.daily.map((d) => d.firstResponseMedian) }],
    kind: "line",
    format: (ms) => duration(t, ms),
    steps: durationSteps,
  })}</div>`
  }
  <p class="muted small">${t("reports.seeDailyTable")}</p>
</section>
<section aria-labelledby="heatmap-title">
  <h2 id="heatmap-title">${t("reports.heatmap")}</h2>
  <div class="chart-scroll">${heatMap({
    title: t("reports.heatmap"),
    desc: t("reports.heatmapDesc", { day: weekday(busiest.day), hour: busiest.hour, count: busiest.count }),
    rows: order.map(weekday),
    columns: Array.from({ length: 24 }, (_, hour) => String(hour)),
    values: order.map((day) => report.heatmap[day]!),
    cellTitle: (row, hour, count) => t("reports.heatmapCell", { day: weekday(order[row]!), hour, next: hour + 1, count }),
  })}</div>
</section>`;
}

function exportLink(ctx: ConsoleContext, report: Report, table: ReportTable): SafeHtml {
  return html`<a class="button secondary small" href="/console/reports/export?${reportQuery(report, { table })}" download>${icon("download")} ${ctx.t("reports.exportCsv")}</a>`;
}

function figuresTable(ctx: ConsoleContext, report: Report, table: "agents" | "groups"): SafeHtml {
  const { t } = ctx;
  const rows = table === "agents" ? report.byAgent : report.byGroup;
  const none = table === "agents" ? "reports.noAgent" : "reports.noGroup";
  const title = table === "agents" ? t("reports.byAgent") : t("reports.byGroup");
  return html`<section aria-labelledby="by-${table}">
  <div class="report-table-head"><h2 id="by-${table}">${title}</h2>${exportLink(ctx, report, table)}</div>
  <div class="table-scroll"><table class="report-table" id="table-${table}">
    <thead><tr><th scope="col">${table === "agents" ? t("reports.agent") : t("reports.group")}</th>${columnNames(t).map((name) => html`<th scope="col">${name}</th>`)}</tr></thead>
    <tbody>${rows.map((row) => html`<tr data-id="${row.id ?? "none"}"><th scope="row">${rowName(t, row, none)}</th>${figureCells(t, row.figures).map((value) => html`<td>${value}</td>`)}</tr>`)}</tbody>
    <tfoot><tr><th scope="row">${t("reports.total")}</th>${figureCells(t, report.totals).map((value) => html`<td>${value}</td>`)}</tr></tfoot>
  </table></div>
</section>`;
}

function dailyTable(ctx: ConsoleContext, report: Report): SafeHtml {
  const { t } = ctx;
  return html`<section aria-labelledby="by-day">
  <div class="report-table-head"><h2 id="by-day">${t("reports.byDay")}</h2>${exportLink(ctx, report, "daily")}</div>
  <div class="table-scroll"><table class="report-table" id="table-daily">
    <thead><tr><th scope="col">${t("reports.date")}</th><th scope="col">${t("reports.started")}</th><th scope="col">${t("reports.answered")}</th><th scope="col">${t("reports.missed")}</th><th scope="col">${t("reports.firstResponseMedian")}</th></tr></thead>
    <tbody>${report.daily.map((d) => html`<tr data-date="${d.date}"><th scope="row">${d.date}</th><td>${d.started}</td><td>${d.answered}</td><td>${d.missed}</td><td>${duration(t, d.firstResponseMedian)}</td></tr>`)}</tbody>
  </table></div>
</section>`;
}

/** Each trigger's messages shown and the conversations they started (the whole shop's, whatever the filter). */
function triggersTable(ctx: ConsoleContext, report: Report): SafeHtml {
  const { t } = ctx;
  return html`<section aria-labelledby="by-trigger">
  <div class="report-table-head"><h2 id="by-trigger">${t("reports.byTrigger")}</h2></div>
  <div class="table-scroll"><table class="report-table" id="table-triggers">
    <thead><tr><th scope="col">${t("reports.trigger")}</th><th scope="col">${t("reports.triggerShown")}</th><th scope="col">${t("reports.triggerStarted")}</th><th scope="col">${t("reports.triggerRate")}</th></tr></thead>
    <tbody>${report.triggers.map((row) => html`<tr data-id="${row.id}"><th scope="row">${row.name}</th><td>${row.shown}</td><td>${row.started}</td><td>${row.shown ? `${Math.round((row.started / row.shown) * 100)}%` : "–"}</td></tr>`)}</tbody>
  </table></div>
</section>`;
}

const howNotes = [
  "reports.howStarted",
  "reports.howAnswered",
  "reports.howMissed",
  "reports.howFirstResponse",
  "reports.howQueueWait",
  "reports.howDuration",
  "reports.howAgent",
  "reports.howRatings",
  "reports.howMessages",
  "reports.howAutomaticAnswers",
  "reports.howOfflineMessages",
  "reports.howTriggers",
  "reports.howPrevious",
] as const;
type HowKey = (typeof howNotes)[number];

function howCounted(t: Translate): SafeHtml {
  return html`<details class="report-notes" id="how-counted" open>
  <summary>${t("reports.howCounted")}</summary>
  <ul>${howNotes.map((key) => html`<li>${t(key, { good: goodStars })}</li>`)}</ul>
</details>`;
}

export function reportsPage(ctx: ConsoleContext, state: ReportsPageState): SafeHtml {
  const { t } = ctx;
  const { report } = state;
  const empty = report !== null && report.totals.started === 0 && report.offlineMessages === 0 && report.triggers.every((row) => row.shown === 0);
  return consolePage(
    ctx,
    "reports",
    t("reports.title"),
    html`<div class="reports">
<h1>${t("reports.title")}</h1>
${filters(ctx, state)}
${
  report === null
    ? ""
    : html`<p class="muted report-range" id="report-range">${t("reports.rangeIn", { from: report.range.from, to: report.range.to, timezone: report.timezone })} <a href="#how-counted">${t("reports.howCounted")}</a></p>
${
  empty
    ? html`<p class="report-empty notice">${t("reports.empty")}</p>`
    : html`${summary(t, report)}
${report.totals.started ? charts(ctx, report) : ""}
${figuresTable(ctx, report, "agents")}
${figuresTable(ctx, report, "groups")}
${dailyTable(ctx, report)}
${report.triggers.length ? triggersTable(ctx, report) : ""}`
}
${howCounted(t)}`
}
</div>`,
  );
}
