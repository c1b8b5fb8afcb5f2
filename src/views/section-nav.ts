// A long console page's own navigation: its sections as anchors beside the content (above it on a
// phone), and optionally related pages under a heading of their own.
import { html, type SafeHtml } from "./html";

export interface SectionLink {
  href: string;
  label: string;
}

export function sectionNav(label: string, sections: SectionLink[], related?: { title: string; links: SectionLink[] }): SafeHtml {
  return html`<nav class="section-nav" aria-label="${label}">
  <ul>${sections.map((section) => html`<li><a href="${section.href}">${section.label}</a></li>`)}</ul>
  ${
    related?.links.length
      ? html`<p class="section-nav-title">${related.title}</p>
  <ul>${related.links.map((link) => html`<li><a href="${link.href}">${link.label}</a></li>`)}</ul>`
      : ""
  }
</nav>`;
}
