// The leave-a-message form (留言) that takes the composer's place while the chat is offline, and
// the thanks that replaces it once a message is stored.
import { limits, messageLimits } from "../domain/limits";
import type { LeftMessage, OfflineField } from "../domain/offline-messages";
import { field, type FieldErrors, notice, textArea } from "./form";
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
/** The contact field a refused form puts the caret in: the first one with a problem. */
export function firstContactError(errors: FieldErrors): OfflineField | undefined {
  return (["name", "phone", "email"] as const).find((name) => errors[name]);
}

export function contactFields(t: Translate, errors: FieldErrors, requiredFields: readonly OfflineField[], values: Partial<Record<OfflineField, string>>): SafeHtml {
  const required = (name: OfflineField) => requiredFields.includes(name);
  const first = firstContactError(errors);
  const label = (name: OfflineField) => (required(name) ? t(`leave.${name}`) : t("leave.optional", { label: t(`leave.${name}`) }));
  return html`<div class="contact-fields">
      <div>${field(t, errors, { name: "name", label: label("name"), value: values.name, autocomplete: "name", required: required("name"), autofocus: first === "name", maxlength: limits.nameLength })}</div>
      <div>${field(t, errors, { name: "phone", label: label("phone"), type: "tel", value: values.phone, autocomplete: "tel", required: required("phone"), autofocus: first === "phone", maxlength: limits.phoneLength })}</div>
      <div>${field(t, errors, { name: "email", label: label("email"), type: "email", value: values.email, autocomplete: "email", required: required("email"), autofocus: first === "email", maxlength: limits.emailLength })}</div>
    </div>`;
}

export function leaveMessageForm(ctx: PageContext, state: LeaveMessageState): SafeHtml {
  const { t } = ctx;
  const values = state.values ?? {};
  const errors = state.errors ?? {};
  // The textarea is not named "body": chat.js sends any textarea[name=body] on Enter.
  return html`<section id="leave-message" class="leave-message" aria-labelledby="leave-message-title">
  <h2 id="leave-message-title">${t("leave.title")}</h2>
  <p class="offline-text">${state.offlineText || t("leave.defaultText")}</p>
  ${notice("error", state.problem)}
  <form method="post" action="${state.action}" hx-post="${state.action}" hx-target="#leave-message" hx-swap="outerHTML" novalidate>
    ${contactFields(t, errors, state.required, values)}
    ${textArea(t, errors, { id: "field-message", name: "message", label: t("leave.message"), value: values.message ?? "", maxlength: messageLimits.bodyLength, rows: 3, autofocus: !firstContactError(errors) && !!errors.message })}
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
