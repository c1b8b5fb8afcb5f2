// The "API tokens" section of the profile page. The same fragment renders inside the page and as
// the htmx response to creating or revoking a token, which replaces the whole section.
import type { ApiToken } from "../domain/api-tokens";
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
  name?: string;
}

function tokenRow(ctx: ConsoleContext, token: ApiToken): SafeHtml {
  const { t } = ctx;
  const target = `#${apiTokensSectionId}`;
  return html`<tr id="api-token-${token.id}">
  <td>${token.name}</td>
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
function nameField({ t }: ConsoleContext, state: ApiTokensState): SafeHtml {
  const problem = state.errors?.name;
  return html`<label for="api-token-name">${t("field.name")}</label>
<input id="api-token-name" name="name" type="text" value="${state.name ?? ""}" required maxlength="${limits.nameLength}"
  ${problem ? html`aria-invalid="true" aria-describedby="api-token-name-error"` : ""}>
${problem ? html`<p class="field-error" id="api-token-name-error">${t(problem.key, problem.params)}</p>` : ""}`;
}

export function apiTokensSection(ctx: ConsoleContext, tokens: ApiToken[], state: ApiTokensState = {}): SafeHtml {
  const { t } = ctx;
  const target = `#${apiTokensSectionId}`;
  return html`<section class="card panel" id="${apiTokensSectionId}">
  <h2>${t("apiTokens.title")}</h2>
  <p class="muted">${t("apiTokens.intro")}</p>
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
    <thead><tr><th>${t("field.name")}</th><th>${t("apiTokens.createdAt")}</th><th>${t("apiTokens.lastUsed")}</th><th>${t("team.actions")}</th></tr></thead>
    <tbody>${tokens.map((token) => tokenRow(ctx, token))}</tbody>
  </table></div>`
      : html`<p class="muted">${t("apiTokens.none")}</p>`
  }
  <form method="post" action="/console/profile/api-tokens" hx-post="/console/profile/api-tokens" hx-target="${target}" hx-swap="outerHTML" novalidate>
    ${nameField(ctx, state)}
    <div class="actions"><button type="submit">${t("apiTokens.create")}</button></div>
  </form>
</section>`;
}
