// Sign-in, first-run setup and the forced password change: small centred cards, plain forms
// (they work before any script loads).
import { limits } from "../domain/limits";
import { html, type SafeHtml } from "./html";
import { field, type FieldErrors, notice } from "./form";
import { icon } from "./icons";
import { documentPage, type PageContext } from "./page";

function authCard(ctx: PageContext, title: string, content: SafeHtml): SafeHtml {
  return documentPage(
    ctx,
    title,
    html`<main class="auth"><div class="card">
<div class="brand">${icon("message-square")} ${ctx.t("app.name")}</div>
<h1>${title}</h1>
${content}
</div></main>`,
  );
}

export function loginPage(
  ctx: PageContext,
  state: { email?: string; error?: string | null; info?: string | null } = {},
): SafeHtml {
  const { t } = ctx;
  return authCard(
    ctx,
    t("login.title"),
    html`${notice("error", state.error)}${notice("ok", state.info)}
<form method="post" action="/login">
${field(t, {}, { name: "email", label: t("field.email"), type: "email", value: state.email, autocomplete: "username", required: true, autofocus: true, maxlength: limits.emailLength })}
${field(t, {}, { name: "password", label: t("field.password"), type: "password", autocomplete: "current-password", required: true, maxlength: limits.passwordMaxLength })}
<div class="actions"><button type="submit">${t("login.submit")}</button></div>
</form>`,
  );
}

export function setupPage(
  ctx: PageContext,
  state: { name?: string; email?: string; errors?: FieldErrors } = {},
): SafeHtml {
  const { t } = ctx;
  const errors = state.errors ?? {};
  return authCard(
    ctx,
    t("setup.title"),
    html`<p class="muted">${t("setup.intro")}</p>
<form method="post" action="/setup" novalidate>
${field(t, errors, { name: "name", label: t("field.name"), value: state.name, autocomplete: "name", required: true, autofocus: true, maxlength: limits.nameLength })}
${field(t, errors, { name: "email", label: t("field.email"), type: "email", value: state.email, autocomplete: "username", required: true, maxlength: limits.emailLength })}
${field(t, errors, { name: "password", label: t("field.password"), type: "password", autocomplete: "new-password", required: true })}
<div class="actions"><button type="submit">${t("setup.submit")}</button></div>
</form>`,
  );
}

export function passwordForm(ctx: PageContext, action: string, errors: FieldErrors = {}): SafeHtml {
  const { t } = ctx;
  return html`<form method="post" action="${action}" novalidate>
${field(t, errors, { name: "current", label: t("field.currentPassword"), type: "password", autocomplete: "current-password", required: true })}
${field(t, errors, { name: "password", label: t("field.newPassword"), type: "password", autocomplete: "new-password", required: true })}
<div class="actions"><button type="submit">${t("password.submit")}</button></div>
</form>`;
}

export function changePasswordPage(ctx: PageContext, errors: FieldErrors = {}): SafeHtml {
  return authCard(
    ctx,
    ctx.t("password.changeTitle"),
    html`<p class="muted">${ctx.t("password.changeIntro")}</p>${passwordForm(ctx, "/console/password", errors)}`,
  );
}

export function messagePage(ctx: PageContext, title: string, text: string, link?: { href: string; label: string }): SafeHtml {
  return authCard(ctx, title, html`<p>${text}</p>${link ? html`<p><a href="${link.href}">${link.label}</a></p>` : ""}`);
}
