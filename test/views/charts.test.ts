import { describe, expect, it } from "bun:test";
import { countSteps, durationSteps, heatMap, seriesChart } from "../../src/views/charts";
import { csv } from "../../src/views/csv";

const daily = (values: (number | null)[], steps = countSteps) =>
  seriesChart({ title: "Per day", desc: "Three days", labels: ["11-01", "11-02", "11-03"], series: [{ name: "Started", values }], kind: "line", format: String, steps }).value;

describe("a series chart", () => {
  it("names itself and every point for a screen reader, escaping what it is given", () => {
    const svg = seriesChart({ title: "<Per day>", desc: "a & b", labels: ["11-01"], series: [{ name: "Started", values: [3] }], kind: "bar", format: String, steps: countSteps }).value;
    expect(svg).toContain('role="img"');
    expect(svg).toContain("<title>&lt;Per day&gt;</title>");
    expect(svg).toContain("<desc>a &amp; b</desc>");
    expect(svg).toContain("<title>11-01: Started 3</title>");
  });

  it("climbs its axis by whole counts or round durations", () => {
    expect(daily([0, 2, 1])).toContain(">4</text>");
    expect(daily([0, 2, 1])).not.toContain(">0.5</text>");
    expect(daily([0, 37, 1])).toContain(">40</text>");
    expect(daily([0, 130_000, 1], durationSteps)).toContain(">240000</text>");
  });

  it("breaks its line on a day with nothing, instead of drawing a trend across it", () => {
    const svg = daily([5, null, 7]);
    const path = /<path fill="none" d="([^"]+)"/.exec(svg)![1]!;
    expect(path.match(/M/g)).toHaveLength(2);
    expect(path).not.toContain("L");
  });
});

describe("a heat map", () => {
  it("gives every cell its number in words", () => {
    const svg = heatMap({ title: "Week", desc: "Busiest Monday", rows: ["Mon"], columns: ["0", "1"], values: [[0, 4]], cellTitle: (r, c, v) => `row ${r} hour ${c}: ${v}` }).value;
    expect(svg).toContain("<title>row 0 hour 1: 4</title>");
    expect(svg).toContain('fill-opacity="1"');
  });
});

describe("a CSV", () => {
  it("opens with a byte-order mark, quotes what needs it and defuses formulas", () => {
    expect(csv([["a,b", 'say "hi"', "=1+1", "-2", "@x", "+1", 3, null]])).toBe('\uFEFF"a,b","say ""hi""",\'=1+1,\'-2,\'@x,\'+1,3,\r\n');
  });
});
