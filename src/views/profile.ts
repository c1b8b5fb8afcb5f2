import type { ApiToken } from "../domain/api-tokens";
import { limits } from "../domain/limits";
import { apiTokensSection, type ApiTokensState } from "./api-tokens";
import { passwordForm } from "./auth";
import { avatar, type ConsoleContext, consolePage } from "./console";
import { copyLink, field, type FieldErrors, notice } from "./form";
import { html, type SafeHtml } from "./html";

export interface ProfileState {
  profileErrors?: FieldErrors;
  passwordErrors?: FieldErrors;
  saved?: "profile" | "password";
  apiTokens?: ApiTokensState;
}

export function profilePage(ctx: ConsoleContext, apiTokens: ApiToken[], exclusiveLink: string, state: ProfileState = {}): SafeHtml {
  const { t, agent } = ctx;
  const errors = state.profileErrors ?? {};
  return consolePage(
    ctx,
    "profile",
    t("profile.title"),
    html`<h1>${t("profile.title")}</h1>
<section class="card panel">
  ${state.saved === "profile" ? notice("ok", t("profile.saved")) : ""}
  <form method="post" action="/console/profile" enctype="multipart/form-data" novalidate>
    <p>${avatar(agent, "large")}</p>
    ${field(t, errors, { name: "name", label: t("field.name"), value: agent.displayName, autocomplete: "name", required: true, maxlength: limits.nameLength })}
    <label for="field-avatar">${t("field.avatar")}</label>
    <input id="field-avatar" name="avatar" type="file" accept="image/png,image/jpeg,image/gif,image/webp"
      ${errors.avatar ? html`aria-invalid="true"` : ""}>
    ${errors.avatar ? html`<p class="field-error">${t(errors.avatar.key, errors.avatar.params)}</p>` : ""}
    <label for="field-greeting">${t("field.greeting")}</label>
    <textarea id="field-greeting" name="greeting" rows="2" maxlength="${limits.greetingLength}">${agent.greeting}</textarea>
    ${errors.greeting ? html`<p class="field-error">${t(errors.greeting.key, errors.greeting.params)}</p>` : ""}
    <p class="muted">${t("profile.greetingHint")}</p>
    <p class="muted">${agent.email} · ${t(`role.${agent.role}`)}</p>
    <div class="actions"><button type="submit">${t("profile.submit")}</button></div>
  </form>
</section>
<section class="card panel" id="exclusive-link">
  ${copyLink(t, { id: "exclusive-link-url", label: t("profile.exclusiveLink"), url: exclusiveLink })}
  <p class="muted">${t("profile.exclusiveLinkHint")}</p>
</section>
<section class="card panel" id="password">
  <h2>${t("profile.passwordTitle")}</h2>
  ${state.saved === "password" ? notice("ok", t("password.changed")) : ""}
  ${passwordForm(ctx, "/console/profile/password", state.passwordErrors)}
</section>
${apiTokensSection(ctx, apiTokens, state.apiTokens)}`,
  );
}
