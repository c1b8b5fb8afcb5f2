// The leave-a-message form (留言) that takes the composer's place while the chat is offline, and
// the thanks that replaces it once a message is stored.
import { limits, messageLimits } from "../domain/limits";
import type { LeftMessage, OfflineField } from "../domain/offline-messages";
import { field, type FieldErrors, notice } from "./form";
import type { Translate } from "../i18n";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import type { PageContext } from "./page";

export interface LeaveMessageState {
  /** Where the form posts (under the shop's chat path, where the visitor cookie goes). */
  action: string;
  /** The shop's own offline text; empty shows the default one. */
  offlineText: string;
  required: readonly OfflineField[];
  values?: Partial<LeftMessage>;
  errors?: FieldErrors;
  /** A refusal that is about no single field (too many messages). */
  problem?: string;
}

/** Name, phone and email, each marked optional unless the shop requires it; the pre-chat form's too. */
export function contactFields(t: Translate, errors: FieldErrors, requiredFields: readonly OfflineField[], values: Partial<Record<OfflineField, string>>): SafeHtml {
  const required = (name: OfflineField) => requiredFields.includes(name);
  const label = (name: OfflineField) => (required(name) ? t(`leave.${name}`) : t("leave.optional", { label: t(`leave.${name}`) }));
  return html`<div class="contact-fields">
      <div>${field(t, errors, { name: "name", label: label("name"), value: values.name, autocomplete: "name", required: required("name"), maxlength: limits.nameLength })}</div>
      <div>${field(t, errors, { name: "phone", label: label("phone"), type: "tel", value: values.phone, autocomplete: "tel", required: required("phone"), maxlength: limits.phoneLength })}</div>
      <div>${field(t, errors, { name: "email", label: label("email"), type: "email", value: values.email, autocomplete: "email", required: required("email"), maxlength: limits.emailLength })}</div>
    </div>`;
}

export function leaveMessageForm(ctx: PageContext, state: LeaveMessageState): SafeHtml {
  const { t } = ctx;
  const values = state.values ?? {};
  const errors = state.errors ?? {};
  const problem = errors.message;
  // The textarea is not named "body": chat.js sends any textarea[name=body] on Enter.
  return html`<section id="leave-message" class="leave-message" aria-labelledby="leave-message-title">
  <h2 id="leave-message-title">${t("leave.title")}</h2>
  <p class="offline-text">${state.offlineText || t("leave.defaultText")}</p>
  ${notice("error", state.problem)}
  <form method="post" action="${state.action}" hx-post="${state.action}" hx-target="#leave-message" hx-swap="outerHTML" novalidate>
    ${contactFields(t, errors, state.required, values)}
    <label for="field-message">${t("leave.message")}</label>
    <textarea id="field-message" name="message" rows="3" maxlength="${messageLimits.bodyLength}" required
      ${problem ? html`aria-invalid="true" aria-describedby="field-message-error"` : ""}>${values.message ?? ""}</textarea>
    ${problem ? html`<p class="field-error" id="field-message-error">${t(problem.key, problem.params)}</p>` : ""}
    <div class="actions"><button type="submit">${t("leave.submit")}</button></div>
  </form>
</section>`;
}

/** What replaces the form once the message is stored: plainly sent, and what happens next. */
export function leaveMessageSent(t: Translate): SafeHtml {
  return html`<section id="leave-message" class="leave-message sent" role="status">${icon("circle-check")}
  <h2>${t("leave.sentTitle")}</h2>
  <p>${t("leave.thanks")}</p>
</section>`;
}

/** What replaces the form when it cannot be used. */
export function leaveMessageRefused(text: string): SafeHtml {
  return html`<section id="leave-message" class="leave-message">${notice("error", text)}</section>`;
}
