// The "API tokens" section of the profile page. The same fragment renders inside the page and as
// the htmx response to creating or revoking a token, which replaces the whole section.
import { type ApiToken, apiTokenLimits } from "../domain/api-tokens";
import type { MessageKey } from "../i18n";
import { limits } from "../domain/limits";
import type { ConsoleContext } from "./console";
import { type FieldErrors, notice } from "./form";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { when } from "./time";

export const apiTokensSectionId = "api-tokens";

export interface ApiTokensState {
  /** Just created: the only time the token itself is ever shown. */
  created?: { name: string; token: string };
  errors?: FieldErrors;
  /** A refusal that is not about one field (e.g. too many tokens). */
  problem?: string;
  /** What was typed, shown again after a refusal. */
  name?: string;
  scope?: string;
  requestsPerMinute?: string;
}

function tokenRow(ctx: ConsoleContext, token: ApiToken): SafeHtml {
  const { t } = ctx;
  const target = `#${apiTokensSectionId}`;
  return html`<tr id="api-token-${token.id}">
  <td>${token.name}</td>
  <td><span class="badge">${t(token.scope === "write" ? "apiTokens.scopeWrite" : "apiTokens.scopeRead")}</span></td>
  <td>${t("apiTokens.perMinute", { count: token.requestsPerMinute })}</td>
  <td>${when(token.createdAt, "")}</td>
  <td>${when(token.lastUsedAt, t("apiTokens.never"))}</td>
  <td>
    <form method="post" action="/console/profile/api-tokens/${token.id}/revoke" hx-post="/console/profile/api-tokens/${token.id}/revoke"
      hx-target="${target}" hx-swap="outerHTML" hx-confirm="${t("apiTokens.revokeConfirm", { name: token.name })}">
      <button type="submit" class="danger small">${t("apiTokens.revoke")}</button>
    </form>
  </td>
</tr>`;
}

/** Like form.ts's field(), with an id of its own: the profile form above has "field-name". */
function tokenField(
  { t }: ConsoleContext,
  state: ApiTokensState,
  options: { name: "name" | "requestsPerMinute"; label: string; value: string; hint?: string; number?: { min: number; max: number } },
): SafeHtml {
  const id = `api-token-${options.name}`;
  const problem = state.errors?.[options.name];
  const described = [options.hint ? `${id}-hint` : "", problem ? `${id}-error` : ""].filter(Boolean).join(" ");
  return html`<label for="${id}">${options.label}</label>
<input id="${id}" name="${options.name}" value="${options.value}" required
  ${options.number ? html`type="number" inputmode="numeric" min="${options.number.min}" max="${options.number.max}" step="1"` : html`type="text" maxlength="${limits.nameLength}"`}
  ${problem ? html`aria-invalid="true"` : ""} ${described ? html`aria-describedby="${described}"` : ""}>
${options.hint ? html`<p class="muted hint" id="${id}-hint">${options.hint}</p>` : ""}
${problem ? html`<p class="field-error" id="${id}-error">${t(problem.key, problem.params)}</p>` : ""}`;
}

/** Read only or read and write: least privilege is offered first and chosen by default. */
function scopeChoice({ t }: ConsoleContext, state: ApiTokensState): SafeHtml {
  const chosen = state.scope ?? "read";
  const problem = state.errors?.scope;
  const choices: [string, MessageKey][] = [
    ["read", "apiTokens.scopeRead"],
    ["write", "apiTokens.scopeWrite"],
  ];
  return html`<fieldset class="api-token-scope" ${problem ? html`aria-invalid="true" aria-describedby="api-token-scope-error"` : ""}>
  <legend>${t("apiTokens.scope")}</legend>
  <div class="choice-row">${choices.map(
    ([value, label]) => html`<label class="check"><input type="radio" name="scope" value="${value}" ${chosen === value ? html`checked` : ""}> ${t(label)}</label>`,
  )}</div>
  <p class="muted hint">${t("apiTokens.scopeHint")}</p>
  ${problem ? html`<p class="field-error" id="api-token-scope-error">${t(problem.key, problem.params)}</p>` : ""}
</fieldset>`;
}

export function apiTokensSection(ctx: ConsoleContext, tokens: ApiToken[], state: ApiTokensState = {}): SafeHtml {
  const { t } = ctx;
  const { default: byDefault, min, max } = apiTokenLimits.requestsPerMinute;
  const target = `#${apiTokensSectionId}`;
  return html`<section class="card panel" id="${apiTokensSectionId}">
  <h2>${t("apiTokens.title")}</h2>
  <p class="muted">${t("apiTokens.intro")}</p>
  <p><a href="/api/v1/docs?locale=${ctx.locale}" target="_blank" rel="noopener">${icon("link")} ${t("apiTokens.docs")}</a>
    <span class="muted">${t("apiTokens.docsHint", { url: "/api/v1/openapi.json" })}</span></p>
  ${
    state.created
      ? html`<div class="notice ok" role="status" x-data="{ copied: false }">
    <p>${t("apiTokens.created", { name: state.created.name })}</p>
    <p><code class="secret" id="new-api-token" x-ref="secret" style="overflow-wrap: anywhere">${state.created.token}</code>
    <button type="button" class="secondary small" @click="navigator.clipboard.writeText($refs.secret.textContent); copied = true">
      ${icon("copy")} <span x-show="!copied">${t("team.copy")}</span><span x-show="copied" x-cloak>${t("team.copied")}</span>
    </button></p>
  </div>`
      : ""
  }
  ${notice("error", state.problem)}
  ${
    tokens.length
      ? html`<div class="table-scroll"><table>
    <thead><tr><th>${t("field.name")}</th><th>${t("apiTokens.scope")}</th><th>${t("apiTokens.limitColumn")}</th><th>${t("apiTokens.createdAt")}</th><th>${t("apiTokens.lastUsed")}</th><th>${t("team.actions")}</th></tr></thead>
    <tbody>${tokens.map((token) => tokenRow(ctx, token))}</tbody>
  </table></div>`
      : html`<p class="muted">${t("apiTokens.none")}</p>`
  }
  <h3>${t("apiTokens.new")}</h3>
  <form method="post" action="/console/profile/api-tokens" hx-post="/console/profile/api-tokens" hx-target="${target}" hx-swap="outerHTML" novalidate>
    ${tokenField(ctx, state, { name: "name", label: t("field.name"), value: state.name ?? "" })}
    ${scopeChoice(ctx, state)}
    ${tokenField(ctx, state, {
      name: "requestsPerMinute",
      label: t("apiTokens.limit"),
      value: state.requestsPerMinute ?? String(byDefault),
      hint: t("apiTokens.limitHint", { min, max }),
      number: { min, max },
    })}
    <div class="actions"><button type="submit">${t("apiTokens.create")}</button></div>
  </form>
</section>`;
}
