// The Automatic answers page (自动回复) for owners and admins: when the shop's bot answers, its rules
// (keywords and an answer each), and the banned words screened out of visitors' messages. Each part
// is its own small form that posts and comes back to the page; a refused one shows what was typed.
import type { AnswerRule, AnswerSettings } from "../domain/answer-rules";
import { answerWhenChoices, bannedModes } from "../domain/answer-rules";
import { limits, messageLimits } from "../domain/limits";
import type { Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { fieldError, invalid, textArea } from "./form";
import { html, type SafeHtml } from "./html";
import { type TypedForm, valuesFor } from "./visitor-window-settings";

export const automaticAnswersPath = "/console/automatic-answers";

function choices(t: Translate, name: string, options: readonly { value: string; label: string }[], chosen: string): SafeHtml {
  return html`<div class="choices">${options.map(
    (option) => html`<label class="choice"><input type="radio" name="${name}" value="${option.value}" ${chosen === option.value ? html`checked` : ""}><span><strong>${option.label}</strong></span></label>`,
  )}</div>`;
}

function settingsCard(t: Translate, settings: AnswerSettings, typed?: TypedForm): SafeHtml {
  const { values, errors } = valuesFor(typed, "answer-settings", { answerWhen: settings.answerWhen, useFaqs: settings.useFaqs ? "on" : "" });
  return html`<section class="card" id="answer-settings">
  <form method="post" action="${automaticAnswersPath}/settings#answer-settings" novalidate>
    <fieldset id="field-answerWhen" ${invalid(errors, "answerWhen")}>
      <legend>${t("answers.whenLegend")}</legend>
      ${choices(t, "answerWhen", answerWhenChoices.map((value) => ({ value, label: t(`answers.when.${value}`) })), values.answerWhen ?? "off")}
      ${fieldError(t, errors, "answerWhen")}
    </fieldset>
    <label class="choice"><input type="checkbox" name="useFaqs" value="on" ${values.useFaqs === "on" ? html`checked` : ""}><span>${t("answers.useFaqs")}</span></label>
    <div class="actions"><button type="submit">${t("answers.saveSettings")}</button></div>
  </form>
</section>`;
}

function ruleFields(t: Translate, form: string, values: Record<string, string>, errors: TypedForm["errors"]): SafeHtml {
  return html`${textArea(t, errors, { id: `${form}-keywords`, name: "keywords", label: t("answers.keywords"), value: values.keywords ?? "", maxlength: limits.keywordsPerRule * (limits.keywordLength + 1), rows: 3 })}
${textArea(t, errors, { id: `${form}-answer`, name: "answer", label: t("answers.answer"), value: values.answer ?? "", maxlength: messageLimits.bodyLength, rows: 3 })}
<label class="choice"><input type="checkbox" name="enabled" value="on" ${values.enabled === "on" ? html`checked` : ""}><span>${t("answers.enabled")}</span></label>`;
}

function ruleItem(t: Translate, rule: AnswerRule, typed?: TypedForm): SafeHtml {
  const form = `rule-${rule.id}`;
  const { values, errors } = valuesFor(typed, form, { keywords: rule.keywords, answer: rule.answer, enabled: rule.enabled ? "on" : "" });
  const action = `${automaticAnswersPath}/rules/${rule.id}`;
  return html`<li class="window-item${rule.enabled ? "" : " disabled"}" id="${form}">
  ${rule.enabled ? "" : html`<span class="badge">${t("answers.disabled")}</span>`}
  <form method="post" action="${action}#${form}" id="${form}-form" novalidate>
    ${ruleFields(t, form, values, errors)}
  </form>
  <div class="actions item-actions">
    <button type="submit" form="${form}-form">${t("answers.save")}</button>
    <form method="post" action="${action}/delete" hx-post="${action}/delete" hx-confirm="${t("answers.deleteConfirm")}" class="inline">
      <button type="submit" class="danger small">${t("answers.delete")}</button>
    </form>
  </div>
</li>`;
}

function rulesCard(t: Translate, rules: AnswerRule[], typed?: TypedForm): SafeHtml {
  const full = rules.length >= limits.answerRulesPerBusiness;
  const { values, errors } = valuesFor(typed, "rule-new", { enabled: "on" });
  return html`<section class="card" id="answer-rules">
  <h2>${t("answers.rules")} <small class="muted">${t("answers.count", { count: rules.length, max: limits.answerRulesPerBusiness })}</small></h2>
  <p class="muted">${t("answers.rulesHint")}</p>
  ${rules.length ? html`<ol class="window-items">${rules.map((rule) => ruleItem(t, rule, typed))}</ol>` : html`<p class="muted">${t("answers.none")}</p>`}
  ${
    full
      ? html`<p class="muted">${t("answers.tooManyRules", { max: limits.answerRulesPerBusiness })}</p>`
      : html`<form method="post" action="${automaticAnswersPath}/rules#rule-new" id="rule-new" class="window-add" novalidate>
  <h3>${t("answers.add")}</h3>
  ${ruleFields(t, "rule-new", values, errors)}
  <div class="actions"><button type="submit">${t("answers.addSubmit")}</button></div>
</form>`
  }
</section>`;
}

function bannedCard(t: Translate, settings: AnswerSettings, typed?: TypedForm): SafeHtml {
  const { values, errors } = valuesFor(typed, "banned-words", { bannedWords: settings.bannedWords, bannedMode: settings.bannedMode });
  return html`<section class="card" id="banned-words">
  <h2>${t("answers.bannedTitle")}</h2>
  <p class="muted">${t("answers.bannedHint")}</p>
  <form method="post" action="${automaticAnswersPath}/banned-words#banned-words" novalidate>
    <label for="field-bannedWords">${t("answers.bannedWords")}</label>
    <textarea id="field-bannedWords" name="bannedWords" rows="5" ${invalid(errors, "bannedWords")}>${values.bannedWords ?? ""}</textarea>
    ${fieldError(t, errors, "bannedWords")}
    <fieldset id="field-bannedMode" ${invalid(errors, "bannedMode")}>
      <legend>${t("answers.bannedMode")}</legend>
      ${choices(t, "bannedMode", bannedModes.map((value) => ({ value, label: t(`answers.banned.${value}`) })), values.bannedMode ?? "mask")}
      ${fieldError(t, errors, "bannedMode")}
    </fieldset>
    <div class="actions"><button type="submit">${t("answers.saveSettings")}</button></div>
  </form>
</section>`;
}

export function automaticAnswersPage(ctx: ConsoleContext, content: { settings: AnswerSettings; rules: AnswerRule[] }, typed?: TypedForm): SafeHtml {
  const { t } = ctx;
  return consolePage(
    ctx,
    "automaticAnswers",
    t("answers.title"),
    html`<h1>${t("answers.title")}</h1>
<div class="panel visitor-window-settings automatic-answers">
<p class="muted">${t("answers.intro")}</p>
${settingsCard(t, content.settings, typed)}
${rulesCard(t, content.rules, typed)}
${bannedCard(t, content.settings, typed)}
</div>`,
  );
}
