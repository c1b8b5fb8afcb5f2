// The Visitor window page: the FAQ questions and info tabs the visitor's chat page shows. Owners
// and admins add, edit, reorder and delete them, each in its own small form that posts and comes
// back to the page; agents read them.
import type { Faq } from "../domain/faqs";
import type { InfoTab } from "../domain/info-tabs";
import { limits } from "../domain/limits";
import type { Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { field, type FieldErrors, notice, textArea } from "./form";
import { html, type SafeHtml } from "./html";
import { richText } from "./rich-text";
import { mayManageShop } from "../domain/permissions";

export const visitorWindowPath = "/console/visitor-window";

export interface VisitorWindowContent {
  faqs: Faq[];
  infoTabs: InfoTab[];
  /** The shop's chat page, to see the result. */
  chatPage: string;
}

/** A refused form shown again: which one (its DOM id), what was typed and what is wrong. */
export interface TypedForm {
  form: string;
  values: Record<string, string>;
  errors: FieldErrors;
}

/** Save (for the item's form, by its id), move up, move down and delete; a move at either end is disabled. */
function itemActions(t: Translate, action: string, anchor: string, place: { first: boolean; last: boolean }, confirm: string): SafeHtml {
  return html`<div class="actions item-actions">
  <button type="submit" form="${anchor}-form">${t("visitorWindow.save")}</button>
  <form method="post" action="${action}/move#${anchor}" class="inline">
    <button type="submit" class="secondary small" name="direction" value="up" ${place.first ? html`disabled` : ""}>↑ ${t("visitorWindow.moveUp")}</button>
    <button type="submit" class="secondary small" name="direction" value="down" ${place.last ? html`disabled` : ""}>↓ ${t("visitorWindow.moveDown")}</button>
  </form>
  <form method="post" action="${action}/delete" hx-post="${action}/delete" hx-confirm="${confirm}" class="inline">
    <button type="submit" class="danger small">${t("visitorWindow.delete")}</button>
  </form>
</div>`;
}

/** Typed values when this form was the one refused, else the stored ones. */
export function valuesFor(typed: TypedForm | undefined, form: string, stored: Record<string, string>): { values: Record<string, string>; errors: FieldErrors } {
  return typed?.form === form ? { values: typed.values, errors: typed.errors } : { values: stored, errors: {} };
}

function faqFields(t: Translate, form: string, values: Record<string, string>, errors: FieldErrors): SafeHtml {
  return html`${field(t, errors, { id: `${form}-question`, name: "question", label: t("faq.question"), value: values.question, required: true, maxlength: limits.faqQuestionLength })}
${textArea(t, errors, { id: `${form}-answer`, name: "answer", label: t("faq.answer"), value: values.answer ?? "", maxlength: limits.faqAnswerLength, rows: 3 })}`;
}

function tabFields(t: Translate, form: string, values: Record<string, string>, errors: FieldErrors): SafeHtml {
  return html`${field(t, errors, { id: `${form}-title`, name: "title", label: t("infoTabs.tabTitle"), value: values.title, required: true, maxlength: limits.infoTabTitleLength })}
${textArea(t, errors, { id: `${form}-body`, name: "body", label: t("infoTabs.body"), value: values.body ?? "", maxlength: limits.infoTabBodyLength, rows: 5 })}`;
}

function faqItem(ctx: ConsoleContext, faq: Faq, place: { first: boolean; last: boolean }, typed?: TypedForm): SafeHtml {
  const { t } = ctx;
  const form = `faq-${faq.id}`;
  if (!mayManageShop(ctx.agent)) {
    return html`<li class="window-item" id="${form}"><p><strong>${faq.question}</strong></p><div class="info-text">${richText(faq.answer)}</div></li>`;
  }
  const { values, errors } = valuesFor(typed, form, { question: faq.question, answer: faq.answer });
  const action = `${visitorWindowPath}/faqs/${faq.id}`;
  return html`<li class="window-item" id="${form}">
  <form method="post" action="${action}#${form}" id="${form}-form" novalidate>
    ${faqFields(t, form, values, errors)}
  </form>
  ${itemActions(t, action, form, place, t("faq.deleteConfirm", { question: faq.question }))}
</li>`;
}

function tabItem(ctx: ConsoleContext, tab: InfoTab, place: { first: boolean; last: boolean }, typed?: TypedForm): SafeHtml {
  const { t } = ctx;
  const form = `tab-${tab.id}`;
  if (!mayManageShop(ctx.agent)) {
    return html`<li class="window-item" id="${form}"><p><strong>${tab.title}</strong></p><div class="info-text">${richText(tab.body)}</div></li>`;
  }
  const { values, errors } = valuesFor(typed, form, { title: tab.title, body: tab.body });
  const action = `${visitorWindowPath}/tabs/${tab.id}`;
  return html`<li class="window-item" id="${form}">
  <form method="post" action="${action}#${form}" id="${form}-form" novalidate>
    ${tabFields(t, form, values, errors)}
  </form>
  ${itemActions(t, action, form, place, t("infoTabs.deleteConfirm", { title: tab.title }))}
</li>`;
}

/** The form that adds one more, or why there can be no more. */
function addForm(ctx: ConsoleContext, spec: { form: string; action: string; title: string; submit: string; full: string | null; fields: (values: Record<string, string>, errors: FieldErrors) => SafeHtml }, typed?: TypedForm): SafeHtml {
  if (!mayManageShop(ctx.agent)) return html``;
  if (spec.full) return html`<p class="muted">${spec.full}</p>`;
  const { values, errors } = valuesFor(typed, spec.form, {});
  return html`<form method="post" action="${spec.action}#${spec.form}" id="${spec.form}" class="window-add" novalidate>
  <h3>${spec.title}</h3>
  ${spec.fields(values, errors)}
  <div class="actions"><button type="submit">${spec.submit}</button></div>
</form>`;
}

const place = (index: number, length: number) => ({ first: index === 0, last: index === length - 1 });

export function visitorWindowPage(ctx: ConsoleContext, content: VisitorWindowContent, typed?: TypedForm): SafeHtml {
  const { t } = ctx;
  const { faqs, infoTabs } = content;
  const count = (n: number, max: number) => t("visitorWindow.count", { count: n, max });
  return consolePage(
    ctx,
    "visitorWindow",
    t("visitorWindow.title"),
    html`<h1>${t("visitorWindow.title")}</h1>
<div class="panel visitor-window-settings">
<p class="muted">${t("visitorWindow.intro")} <a href="${content.chatPage}" target="_blank" rel="noopener">${t("visitorWindow.openChat")}</a></p>
${!mayManageShop(ctx.agent) ? notice("ok", t("visitorWindow.readOnly")) : ""}
<section class="card" id="faqs">
  <h2>${t("faq.title")} <small class="muted">${count(faqs.length, limits.faqsPerBusiness)}</small></h2>
  <p class="muted">${t("faq.hint")}</p>
  ${faqs.length ? html`<ol class="window-items">${faqs.map((faq, index) => faqItem(ctx, faq, place(index, faqs.length), typed))}</ol>` : html`<p class="muted">${t("faq.none")}</p>`}
  ${addForm(
    ctx,
    {
      form: "faq-new",
      action: `${visitorWindowPath}/faqs`,
      title: t("faq.add"),
      submit: t("faq.addSubmit"),
      full: faqs.length >= limits.faqsPerBusiness ? t("faq.tooMany", { max: limits.faqsPerBusiness }) : null,
      fields: (values, errors) => faqFields(t, "faq-new", values, errors),
    },
    typed,
  )}
</section>
<section class="card" id="info-tabs">
  <h2>${t("infoTabs.title")} <small class="muted">${count(infoTabs.length, limits.infoTabsPerBusiness)}</small></h2>
  <p class="muted">${t("infoTabs.hint", { max: limits.infoTabsPerBusiness })}</p>
  ${infoTabs.length ? html`<ol class="window-items">${infoTabs.map((tab, index) => tabItem(ctx, tab, place(index, infoTabs.length), typed))}</ol>` : html`<p class="muted">${t("infoTabs.none")}</p>`}
  ${addForm(
    ctx,
    {
      form: "tab-new",
      action: `${visitorWindowPath}/tabs`,
      title: t("infoTabs.add"),
      submit: t("infoTabs.addSubmit"),
      full: infoTabs.length >= limits.infoTabsPerBusiness ? t("infoTabs.tooMany", { max: limits.infoTabsPerBusiness }) : null,
      fields: (values, errors) => tabFields(t, "tab-new", values, errors),
    },
    typed,
  )}
</section>
</div>`,
  );
}
