import { describe, expect, it } from "bun:test";
import { html, trustedHtml } from "../../src/views/html";

describe("the html template", () => {
  it("escapes every interpolated value", () => {
    const name = `"><img src=x onerror=alert(1)>&'`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      "<p title=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;&#39;\">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&amp;&#39;</p>",
    );
  });

  it("nests fragments and lists without escaping them twice", () => {
    const items = ["<a>", "b"].map((item) => html`<li>${item}</li>`);
    expect(html`<ul>${items}</ul>`.value).toBe("<ul><li>&lt;a&gt;</li><li>b</li></ul>");
  });

  it("renders nothing for null, undefined and false, and numbers as text", () => {
    expect(html`${null}${undefined}${false}${0}`.value).toBe("0");
  });

  it("passes markup through only when it is explicitly trusted", () => {
    expect(html`${trustedHtml("<b>ok</b>")}`.value).toBe("<b>ok</b>");
  });
});
