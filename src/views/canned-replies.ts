// The Canned replies page (快捷回复): the agent's own replies and the shop's shared ones, each
// shown as its shortcut and text with an "Edit" disclosure holding its form. Shared ones are
// read-only for agents. Forms post and come back to the page; a refused one opens again with
// what was typed and what is wrong.
import { type CannedReply, type CannedScope, scopeOf } from "../domain/canned-replies";
import { limits } from "../domain/limits";
import type { Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { field, type FieldErrors, notice, textArea } from "./form";
import { html, type SafeHtml } from "./html";
import { mayChangeCannedReplies } from "../domain/permissions";

export const cannedRepliesPath = "/console/canned-replies";

/** A refused form shown again: which one (its DOM id), what was typed and what is wrong. */
export interface CannedTypedForm {
  form: string;
  values: { shortcut?: string; body?: string };
  errors: FieldErrors;
}

export const cannedItemId = (reply: Pick<CannedReply, "id">) => `canned-${reply.id}`;
export const cannedAddFormId = (scope: CannedScope) => `canned-new-${scope}`;

const placeholders = ["visitor_name", "agent_name", "shop_name"] as const;

// One more character than a shortcut may have: people often type the leading `/` too.
function replyFields(t: Translate, form: string, values: CannedTypedForm["values"], errors: FieldErrors): SafeHtml {
  return html`${errors.form ? notice("error", t(errors.form.key, errors.form.params)) : ""}
${field(t, errors, { id: `${form}-shortcut`, name: "shortcut", label: t("canned.shortcut"), value: values.shortcut, required: true, maxlength: limits.cannedShortcutLength + 1 })}
<p class="muted hint">${t("canned.shortcutHint", { max: limits.cannedShortcutLength })}</p>
${textArea(t, errors, { id: `${form}-body`, name: "body", label: t("canned.body"), value: values.body ?? "", maxlength: limits.cannedBodyLength, rows: 3 })}`;
}

/** Typed values when this form was the one refused, else the stored ones. */
function valuesFor(typed: CannedTypedForm | undefined, form: string, stored: CannedTypedForm["values"]) {
  return typed?.form === form ? { values: typed.values, errors: typed.errors, refused: true } : { values: stored, errors: {}, refused: false };
}

function mayChange(ctx: ConsoleContext, scope: CannedScope): boolean {
  return mayChangeCannedReplies(ctx.agent, scope);
}

function replyItem(ctx: ConsoleContext, reply: CannedReply, typed?: CannedTypedForm): SafeHtml {
  const { t } = ctx;
  const form = cannedItemId(reply);
  const shown = html`<p class="canned-shortcut"><code>/${reply.shortcut}</code></p>
  <div class="info-text">${reply.body}</div>`;
  if (!mayChange(ctx, scopeOf(reply))) return html`<li class="window-item" id="${form}">${shown}</li>`;
  const { values, errors, refused } = valuesFor(typed, form, { shortcut: reply.shortcut, body: reply.body });
  const action = `${cannedRepliesPath}/${reply.id}`;
  return html`<li class="window-item" id="${form}">
  ${shown}
  <details class="canned-edit" ${refused ? html`open` : ""}>
    <summary>${t("canned.edit")}</summary>
    <form method="post" action="${action}#${form}" id="${form}-form" novalidate>
      ${replyFields(t, form, values, errors)}
    </form>
    <div class="actions item-actions">
      <button type="submit" form="${form}-form">${t("canned.save")}</button>
      <form method="post" action="${action}/delete" hx-post="${action}/delete" hx-confirm="${t("canned.deleteConfirm", { shortcut: reply.shortcut })}" class="inline">
        <button type="submit" class="danger small">${t("canned.delete")}</button>
      </form>
    </div>
  </details>
</li>`;
}

function addForm(ctx: ConsoleContext, scope: CannedScope, count: number, typed?: CannedTypedForm): SafeHtml {
  const { t } = ctx;
  if (!mayChange(ctx, scope)) return html``;
  const max = scope === "shared" ? limits.cannedRepliesShared : limits.cannedRepliesPerAgent;
  if (count >= max) return html`<p class="muted">${t(scope === "shared" ? "canned.tooManyShared" : "canned.tooManyPersonal", { max })}</p>`;
  const form = cannedAddFormId(scope);
  const { values, errors } = valuesFor(typed, form, {});
  return html`<form method="post" action="${cannedRepliesPath}#${form}" id="${form}" class="window-add" novalidate>
  <h3>${t("canned.add")}</h3>
  <input type="hidden" name="scope" value="${scope}">
  ${replyFields(t, form, values, errors)}
  <div class="actions"><button type="submit">${t("canned.addSubmit")}</button></div>
</form>`;
}

function replySection(ctx: ConsoleContext, scope: CannedScope, replies: CannedReply[], typed?: CannedTypedForm): SafeHtml {
  const { t } = ctx;
  const max = scope === "shared" ? limits.cannedRepliesShared : limits.cannedRepliesPerAgent;
  return html`<section class="card" id="canned-${scope}">
  <h2>${t(scope === "shared" ? "canned.shared" : "canned.personal")} <small class="muted">${t("canned.count", { count: replies.length, max })}</small></h2>
  <p class="muted">${t(scope === "shared" ? (mayChange(ctx, scope) ? "canned.sharedHint" : "canned.sharedReadOnly") : "canned.personalHint")}</p>
  ${replies.length ? html`<ul class="window-items">${replies.map((reply) => replyItem(ctx, reply, typed))}</ul>` : html`<p class="muted">${t("canned.none")}</p>`}
  ${addForm(ctx, scope, replies.length, typed)}
</section>`;
}

export function cannedRepliesPage(ctx: ConsoleContext, replies: { personal: CannedReply[]; shared: CannedReply[] }, typed?: CannedTypedForm): SafeHtml {
  const { t } = ctx;
  return consolePage(
    ctx,
    "cannedReplies",
    t("canned.title"),
    html`<h1>${t("canned.title")}</h1>
<div class="panel canned-replies">
<p class="muted">${t("canned.intro")}</p>
<p class="muted">${t("canned.placeholders")}</p>
<ul class="canned-placeholders muted">${placeholders.map((name) => html`<li><code>{${name}}</code> ${t(`canned.placeholder.${name}`)}</li>`)}</ul>
${replySection(ctx, "personal", replies.personal, typed)}
${replySection(ctx, "shared", replies.shared, typed)}
</div>`,
  );
}

/**
 * Tells assets/canned-replies.js where this conversation's canned replies are (with their
 * placeholders filled for it) and what to say around them, in the page's language.
 */
export function cannedRepliesTemplate(t: Translate, conversationId: number): SafeHtml {
  return html`<template id="canned-replies" data-src="/console/conversations/${conversationId}/canned-replies" data-manage="${cannedRepliesPath}"
  data-label="${t("canned.title")}" data-none="${t("canned.noMatch")}" data-empty="${t("canned.emptyComposer")}" data-manage-label="${t("canned.manage")}"
  data-shared="${t("canned.sharedTag")}" data-hint="${t("canned.keysHint")}" data-unfilled="${t("canned.unfilled")}"></template>`;
}
