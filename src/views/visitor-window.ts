// The visitor window's FAQ list and info tabs (from wolive's visitor window). On a wide screen
// they stand in a column beside the chat; on a narrow one, and in the mini window, a toggle in
// the chat header opens them above the composer. Alpine keeps which tab is shown and whether the
// panel is open (the page's x-data: `tab`, `side`); no inline script, which the CSP forbids.
import type { Faq } from "../domain/faqs";
import type { InfoTab } from "../domain/info-tabs";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import type { PageContext } from "./page";
import { richText } from "./rich-text";

export type FaqChoice = Pick<Faq, "id" | "question">;
export type InfoTabView = Pick<InfoTab, "id" | "title" | "body">;

export interface VisitorWindowContent {
  /** Empty while the visitor cannot write (leave-a-message form, group picker): a question is a message. */
  faqs: FaqChoice[];
  infoTabs: InfoTabView[];
}

const faqKey = "faq";
const tabKey = (tab: InfoTabView) => `tab-${tab.id}`;

/** The Alpine state of the chat page: the first tab shown, the narrow-screen panel closed. */
export function visitorWindowState(content: VisitorWindowContent): string | null {
  const first = content.faqs.length ? faqKey : content.infoTabs[0] ? tabKey(content.infoTabs[0]) : null;
  return first ? JSON.stringify({ tab: first, side: false }) : null;
}

/**
 * One button per question. Each sends a `faq` frame over the page's socket (chat.js gives it a
 * client id); the question then shows as the visitor's message and the answer follows.
 */
export function faqPanel(ctx: PageContext, faqs: FaqChoice[]): SafeHtml {
  const { t } = ctx;
  return html`<section class="side-panel faq-panel" id="side-panel-${faqKey}" role="tabpanel" aria-labelledby="side-tab-${faqKey}" x-show="tab === '${faqKey}'">
  <p class="muted">${t("faq.pick")}</p>
  <ul class="faq-list">${faqs.map(
    (faq) =>
      html`<li><button type="button" class="faq-question" hx-ws:send hx-vals='${JSON.stringify({ type: "faq", id: faq.id })}' @click="side = false">${faq.question}</button></li>`,
  )}</ul>
</section>`;
}

/** One panel per tab: its text as written, escaped, with its line breaks (CSS) and web addresses as links. */
export function infoTabs(ctx: PageContext, tabs: InfoTabView[], firstShown = true): SafeHtml {
  return html`${tabs.map(
    (tab, index) =>
      html`<section class="side-panel info-tab" id="side-panel-${tabKey(tab)}" role="tabpanel" aria-labelledby="side-tab-${tabKey(tab)}" x-show="tab === '${tabKey(tab)}'" ${index === 0 && firstShown ? "" : html`x-cloak`}>
  <div class="info-text">${richText(tab.body)}</div>
</section>`,
  )}`;
}

function tabButton(key: string, title: string, selected: boolean): SafeHtml {
  return html`<button type="button" role="tab" id="side-tab-${key}" aria-controls="side-panel-${key}" aria-selected="${String(selected)}" :aria-selected="tab === '${key}'" @click="tab = '${key}'">${title}</button>`;
}

/** The column (wide) or drop-down panel (narrow) holding the FAQ and the info tabs; nothing when there are neither. */
export function visitorSide(ctx: PageContext, content: VisitorWindowContent): SafeHtml {
  const { t } = ctx;
  const { faqs, infoTabs: tabs } = content;
  if (!faqs.length && !tabs.length) return html``;
  return html`<aside id="chat-side" class="chat-side" :class="{ open: side }" aria-label="${t("visitorWindow.panel")}">
  <div class="side-tabs" role="tablist">
    ${faqs.length ? tabButton(faqKey, t("faq.title"), true) : ""}
    ${tabs.map((tab, index) => tabButton(tabKey(tab), tab.title, !faqs.length && index === 0))}
  </div>
  ${faqs.length ? faqPanel(ctx, faqs) : ""}
  ${infoTabs(ctx, tabs, !faqs.length)}
</aside>`;
}

/** The header's toggle for the panel on narrow screens, an icon named "FAQ" when there are questions, else "Info". */
export function visitorSideToggle(ctx: PageContext, content: VisitorWindowContent): SafeHtml {
  const { t } = ctx;
  if (!content.faqs.length && !content.infoTabs.length) return html``;
  const name = t(content.faqs.length ? "faq.title" : "infoTabs.toggle");
  return html`<button type="button" class="icon-button chat-side-toggle" title="${name}" aria-controls="chat-side" aria-expanded="false" :aria-expanded="side" @click="side = !side">${icon("circle-help")}<span class="visually-hidden">${name}</span></button>`;
}
