import type { FieldProblem } from "../domain/errors";
import type { Translate } from "../i18n";
import { html, type SafeHtml } from "./html";

export type FieldErrors = Record<string, FieldProblem>;

export interface FieldOptions {
  name: string;
  label: string;
  type?: "text" | "email" | "password";
  value?: string;
  autocomplete?: string;
  required?: boolean;
  maxlength?: number;
  autofocus?: boolean;
}

/** A labelled input with its error message, wired for screen readers (aria-describedby). */
export function field(t: Translate, errors: FieldErrors, options: FieldOptions): SafeHtml {
  const id = `field-${options.name}`;
  const problem = errors[options.name];
  return html`<label for="${id}">${options.label}</label>
<input id="${id}" name="${options.name}" type="${options.type ?? "text"}" value="${options.value ?? ""}"
  ${options.autocomplete ? html`autocomplete="${options.autocomplete}"` : ""}
  ${options.required ? html`required` : ""} ${options.maxlength ? html`maxlength="${options.maxlength}"` : ""}
  ${options.autofocus ? html`autofocus` : ""}
  ${problem ? html`aria-invalid="true" aria-describedby="${id}-error"` : ""}>
${problem ? html`<p class="field-error" id="${id}-error">${t(problem.key, problem.params)}</p>` : ""}`;
}

export function notice(kind: "error" | "ok", text: string | null | undefined): SafeHtml {
  return text ? html`<p class="notice ${kind}" role="${kind === "error" ? "alert" : "status"}">${text}</p>` : html``;
}
