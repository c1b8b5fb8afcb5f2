// Sign-in, first-run setup and the forced password change: small centred cards, plain forms
// (they work before any script loads).
import { limits } from "../domain/limits";
import { html, type SafeHtml } from "./html";
import { timezoneChoices } from "../domain/hours";
import { field, fieldError, type FieldErrors, invalid, notice } from "./form";
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
  state: { shopName?: string; name?: string; email?: string; errors?: FieldErrors; serverTimezone?: string } = {},
): SafeHtml {
  const { t } = ctx;
  const errors = state.errors ?? {};
  return authCard(
    ctx,
    t("setup.title"),
    html`<p class="muted">${t("setup.intro")}</p>
<form method="post" action="/setup" novalidate>
${field(t, errors, { name: "shopName", label: t("field.businessName"), value: state.shopName, autocomplete: "organization", required: true, autofocus: true, maxlength: limits.businessNameLength })}
${field(t, errors, { name: "name", label: t("setup.ownerName"), value: state.name, autocomplete: "name", required: true, maxlength: limits.nameLength })}
${field(t, errors, { name: "email", label: t("field.email"), type: "email", value: state.email, autocomplete: "username", required: true, maxlength: limits.emailLength })}
${field(t, errors, { name: "password", label: t("field.password"), type: "password", autocomplete: "new-password", required: true })}
${timezoneField(ctx, errors, state.serverTimezone ?? "UTC")}
<div class="actions"><button type="submit">${t("setup.submit")}</button></div>
</form>`,
  );
}

/**
 * The shop's time zone, taken from the browser by script (a hidden field; empty without scripts,
 * and the server keeps its default). A zone the server does not know is asked for with a list.
 */
function timezoneField(ctx: PageContext, errors: FieldErrors, serverTimezone: string): SafeHtml {
  const { t } = ctx;
  if (errors.timezone) {
    return html`<label for="field-timezone">${t("hours.timezone")}</label>
<select id="field-timezone" name="timezone" ${invalid(errors, "timezone")}>
  ${timezoneChoices(serverTimezone).map((zone) => html`<option value="${zone}" ${zone === serverTimezone ? html`selected` : ""}>${zone}</option>`)}
</select>
${fieldError(t, errors, "timezone")}`;
  }
  return html`<div x-data="{ zone: Intl.DateTimeFormat().resolvedOptions().timeZone || '' }">
  <input type="hidden" name="timezone" value="" :value="zone">
  <p class="muted setup-timezone" x-show="zone" x-cloak>${t("setup.timezone")} <strong x-text="zone"></strong>${t("setup.timezoneHint")}</p>
</div>`;
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
