// Small SVG charts drawn on the server: no chart library reaches the browser. Each chart is an
// image with a title and a description, and every bar, point and cell carries its number in a
// <title> (a tooltip for the mouse, text for a screen reader). Colours come from the console's
// CSS (.chart-series-N), so they follow its theme. The caller formats every text: charts know
// no language.
import { html, type SafeHtml } from "./html";

export interface Series {
  name: string;
  values: (number | null)[];
}

export interface SeriesChart {
  title: string;
  desc: string;
  /** One per x position (a day). */
  labels: string[];
  series: Series[];
  kind: "line" | "bar";
  /** A y value as shown on the axis and in tooltips (a count, a duration). */
  format: (value: number) => string;
  /** The steps the axis may climb by, smallest first: whole counts, or round durations. */
  steps: readonly number[];
}

/** Whole numbers: 1, 2, 5, 10, 20, 25, 50, … */
export const countSteps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 50_000, 100_000];
/** Round durations in ms: seconds, minutes, hours. */
export const durationSteps = [5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map((s) => s * 1000);

const ticks = 4;

const width = 720;
const height = 220;
const pad = { left: 56, right: 12, top: 12, bottom: 28 };

/** The axis's top: four equal steps from `steps`, the smallest that reach `max`. */
function axisTop(max: number, steps: readonly number[]): number {
  const step = steps.find((candidate) => candidate * ticks >= max) ?? Math.ceil(max / ticks);
  return step * ticks;
}

const round = (n: number) => Math.round(n * 10) / 10;

export function seriesChart(chart: SeriesChart): SafeHtml {
  const all = chart.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const top = axisTop(Math.max(0, ...all), chart.steps);
  const plotWidth = width - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const step = plotWidth / Math.max(1, chart.labels.length);
  const x = (i: number) => round(pad.left + step * (i + 0.5));
  const y = (v: number) => round(pad.top + plotHeight * (1 - v / top));
  const axis = Array.from({ length: ticks + 1 }, (_, i) => (i * top) / ticks);
  const labelEvery = Math.ceil(chart.labels.length / 8);
  const barWidth = round(Math.max(1, (step * 0.7) / chart.series.length));
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" preserveAspectRatio="xMidYMid meet">
  <title>${chart.title}</title>
  <desc>${chart.desc}</desc>
  ${axis.map(
    (tick) => html`<line class="chart-grid" x1="${pad.left}" x2="${width - pad.right}" y1="${y(tick)}" y2="${y(tick)}"/>
  <text class="chart-axis" x="${pad.left - 6}" y="${y(tick) + 4}" text-anchor="end">${chart.format(tick)}</text>`,
  )}
  ${chart.labels.map((label, i) =>
    i % labelEvery === 0 ? html`<text class="chart-axis" x="${x(i)}" y="${height - 8}" text-anchor="middle">${label}</text>` : "",
  )}
  ${chart.series.map((series, s) =>
    chart.kind === "bar"
      ? html`<g class="chart-series-${s}">${series.values.map((value, i) =>
          value === null
            ? ""
            : html`<rect x="${round(x(i) - (barWidth * chart.series.length) / 2 + barWidth * s)}" y="${y(value)}" width="${barWidth}" height="${round(y(0) - y(value))}"><title>${chart.labels[i]}: ${series.name} ${chart.format(value)}</title></rect>`,
        )}</g>`
      : html`<g class="chart-series-${s}">
    <path fill="none" d="${linePath(series.values, x, y)}"/>
    ${series.values.map((value, i) =>
      value === null ? "" : html`<circle cx="${x(i)}" cy="${y(value)}" r="3"><title>${chart.labels[i]}: ${series.name} ${chart.format(value)}</title></circle>`,
    )}</g>`,
  )}
</svg>`;
}

/** A line through the values, broken where a day has none: a gap is not drawn as a trend. */
function linePath(values: (number | null)[], x: (i: number) => number, y: (v: number) => number): string {
  return values
    .map((value, i) => (value === null ? "" : `${i === 0 || values[i - 1] === null ? "M" : "L"}${x(i)},${y(value)}`))
    .filter(Boolean)
    .join(" ");
}

/** The series' names beside their colours, as HTML under the chart. */
export function chartLegend(series: { name: string }[]): SafeHtml {
  return html`<ul class="chart-legend">${series.map((s, i) => html`<li><span class="chart-swatch chart-series-${i}" aria-hidden="true"></span>${s.name}</li>`)}</ul>`;
}

export interface HeatMap {
  title: string;
  desc: string;
  rows: string[];
  columns: string[];
  values: number[][];
  /** A cell's tooltip: its row, column and number in words. */
  cellTitle: (row: number, column: number, value: number) => string;
}

export function heatMap(map: HeatMap): SafeHtml {
  const cell = 26;
  const left = 48;
  const topPad = 18;
  const max = Math.max(1, ...map.values.flat());
  const mapWidth = left + cell * map.columns.length;
  const mapHeight = topPad + cell * map.rows.length;
  return html`<svg class="chart heat-map" viewBox="0 0 ${mapWidth} ${mapHeight}" role="img">
  <title>${map.title}</title>
  <desc>${map.desc}</desc>
  ${map.columns.map((label, c) => (c % 3 === 0 ? html`<text class="chart-axis" x="${left + cell * c + cell / 2}" y="12" text-anchor="middle">${label}</text>` : ""))}
  ${map.rows.map(
    (label, r) => html`<text class="chart-axis" x="${left - 6}" y="${topPad + cell * r + cell / 2 + 4}" text-anchor="end">${label}</text>
  ${map.values[r]!.map(
    (value, c) => html`<rect class="heat-cell" x="${left + cell * c + 1}" y="${topPad + cell * r + 1}" width="${cell - 2}" height="${cell - 2}" rx="3"
    fill-opacity="${value === 0 ? 0.06 : round(0.15 + (0.85 * value) / max)}"><title>${map.cellTitle(r, c, value)}</title></rect>`,
  )}`,
  )}
</svg>`;
}
