import type { FieldProblem } from "../domain/errors";
import type { Translate } from "../i18n";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";

export type FieldErrors = Record<string, FieldProblem>;

export interface FieldOptions {
  name: string;
  /** Needed when the same field appears more than once on a page; defaults to `field-<name>`. */
  id?: string;
  label: string;
  type?: "text" | "email" | "password" | "tel";
  value?: string;
  autocomplete?: string;
  required?: boolean;
  maxlength?: number;
  autofocus?: boolean;
}

/** A labelled input with its error message, wired for screen readers (aria-describedby). */
export function field(t: Translate, errors: FieldErrors, options: FieldOptions): SafeHtml {
  const id = options.id ?? `field-${options.name}`;
  const problem = errors[options.name];
  return html`<label for="${id}">${options.label}</label>
<input id="${id}" name="${options.name}" type="${options.type ?? "text"}" value="${options.value ?? ""}"
  ${options.autocomplete ? html`autocomplete="${options.autocomplete}"` : ""}
  ${options.required ? html`required` : ""} ${options.maxlength ? html`maxlength="${options.maxlength}"` : ""}
  ${options.autofocus ? html`autofocus` : ""}
  ${problem ? html`aria-invalid="true" aria-describedby="${id}-error"` : ""}>
${problem ? html`<p class="field-error" id="${id}-error">${t(problem.key, problem.params)}</p>` : ""}`;
}

/** A labelled textarea with its error message, like `field` for inputs. */
export function textArea(t: Translate, errors: FieldErrors, options: { id: string; name: string; label: string; value: string; maxlength: number; rows: number; autofocus?: boolean }): SafeHtml {
  const problem = errors[options.name];
  return html`<label for="${options.id}">${options.label}</label>
<textarea id="${options.id}" name="${options.name}" rows="${options.rows}" maxlength="${options.maxlength}" required
  ${options.autofocus ? html`autofocus` : ""}
  ${problem ? html`aria-invalid="true" aria-describedby="${options.id}-error"` : ""}>${options.value}</textarea>
${problem ? html`<p class="field-error" id="${options.id}-error">${t(problem.key, problem.params)}</p>` : ""}`;
}

/** A hand-made control's error, under it, for the `field-<name>` id `field` uses too. */
export function fieldError(t: Translate, errors: FieldErrors, name: string): SafeHtml | "" {
  const problem = errors[name];
  return problem ? html`<p class="field-error" id="field-${name}-error">${t(problem.key, problem.params)}</p>` : "";
}

/** The attributes that tie a hand-made control to its error (see fieldError). */
export function invalid(errors: FieldErrors, name: string): SafeHtml | "" {
  return errors[name] ? html`aria-invalid="true" aria-describedby="field-${name}-error"` : "";
}

export function notice(kind: "error" | "ok", text: string | null | undefined): SafeHtml {
  return text ? html`<p class="notice ${kind}" role="${kind === "error" ? "alert" : "status"}">${text}</p>` : html``;
}

/** Copies the value of the field marked `x-ref="copied"` in the same copy-field, and says so. */
function copyButton(t: Translate): SafeHtml {
  return html`<button type="button" class="secondary" @click="navigator.clipboard.writeText($refs.copied.value); copied = true">${icon("copy")} <span x-show="!copied">${t("team.copy")}</span><span x-show="copied" x-cloak>${t("team.copied")}</span></button>`;
}

/** A link shown read-only, with a button that copies it and one that opens it in a new tab. */
export function copyLink(t: Translate, options: { id: string; label: string; url: string }): SafeHtml {
  return html`<label for="${options.id}">${options.label}</label>
<div class="copy-field" x-data="{ copied: false }">
  <input id="${options.id}" readonly value="${options.url}" x-ref="copied">
  ${copyButton(t)}
  <a class="button secondary" href="${options.url}" target="_blank" rel="noopener" title="${t("groups.openLink")}" aria-label="${t("groups.openLink")}">${icon("link")}</a>
</div>`;
}

/** Text shown read-only with a copy button: one line, or a block of code when given `rows`. */
export function copyText(t: Translate, options: { id: string; label: string; text: string; rows?: number }): SafeHtml {
  return html`<label for="${options.id}">${options.label}</label>
<div class="copy-field" x-data="{ copied: false }">
  ${
    options.rows
      ? html`<textarea id="${options.id}" class="code" readonly rows="${options.rows}" spellcheck="false" x-ref="copied">${options.text}</textarea>`
      : html`<input id="${options.id}" readonly value="${options.text}" spellcheck="false" x-ref="copied">`
  }
  ${copyButton(t)}
</div>`;
}
