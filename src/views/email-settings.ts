// Settings → Email: the shop's SMTP server, a test email to the signed-in agent, and the recent
// emails with the server's answer. The stored password is never put back into the page.
import type { Delivery } from "../domain/deliveries";
import { type EmailSettings, securities } from "../domain/email-settings";
import type { Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { deliveryLog } from "./deliveries";
import { field, fieldError, type FieldErrors, notice } from "./form";
import { html, type SafeHtml } from "./html";

export const emailPath = "/console/email";

export interface EmailTyped {
  values: { host: string; port: string; security: string; username: string; fromName: string; fromAddress: string; transcripts: boolean };
  errors: FieldErrors;
}

export function emailLog(t: Translate, deliveries: Delivery[], problem?: string): SafeHtml {
  return html`${problem ? notice("error", problem) : ""}${deliveryLog(t, { id: "email-log", refreshUrl: `${emailPath}/deliveries`, deliveries, what: "recipient" })}`;
}

export function emailSettingsPage(ctx: ConsoleContext, stored: EmailSettings | undefined, deliveries: Delivery[], state: { typed?: EmailTyped; saved?: boolean } = {}): SafeHtml {
  const { t } = ctx;
  const values = state.typed?.values ?? {
    host: stored?.host ?? "",
    port: String(stored?.port ?? 587),
    security: stored?.security ?? "starttls",
    username: stored?.username ?? "",
    fromName: stored?.fromName ?? ctx.business.name,
    fromAddress: stored?.fromAddress ?? "",
    transcripts: stored?.transcripts ?? false,
  };
  const errors = state.typed?.errors ?? {};
  return consolePage(
    ctx,
    "settings",
    t("email.title"),
    html`<h1>${t("email.title")}</h1>
<p class="muted">${t("email.intro")}</p>
<section class="card panel" id="email-server">
  ${state.saved ? notice("ok", t("email.saved")) : ""}
  ${Object.keys(errors).length ? notice("error", t("prefs.fix")) : ""}
  <form method="post" action="${emailPath}" novalidate>
    ${field(t, errors, { name: "host", label: t("email.host"), value: values.host, required: true, maxlength: 255, autocomplete: "off" })}
    ${field(t, errors, { name: "port", label: t("email.port"), value: values.port, required: true, maxlength: 5 })}
    <label for="field-security">${t("email.security")}</label>
    <select id="field-security" name="security">${securities.map(
      (security) => html`<option value="${security}" ${values.security === security ? html`selected` : ""}>${t(`email.security.${security}`)}</option>`,
    )}</select>
    ${fieldError(t, errors, "security")}
    ${field(t, errors, { name: "username", label: t("email.username"), value: values.username, maxlength: 254, autocomplete: "off" })}
    <label for="field-password">${t("email.password")}</label>
    <input id="field-password" name="password" type="password" value="" maxlength="1000" autocomplete="new-password" placeholder="${stored?.password ? t("email.passwordKept") : ""}">
    ${fieldError(t, errors, "password")}
    ${field(t, errors, { name: "fromName", label: t("email.fromName"), value: values.fromName, maxlength: 80 })}
    ${field(t, errors, { name: "fromAddress", label: t("email.fromAddress"), type: "email", value: values.fromAddress, required: true, maxlength: 254 })}
    <label class="check"><input type="checkbox" name="transcripts" value="on" ${values.transcripts ? html`checked` : ""}> ${t("email.transcripts")}</label>
    <div class="actions"><button type="submit">${t("email.save")}</button></div>
  </form>
</section>
<section class="card panel" id="email-deliveries">
  <h2>${t("email.recent")}</h2>
  <p class="muted">${t("email.testHint", { email: ctx.agent.email })}</p>
  <div class="actions"><button type="button" class="secondary" hx-post="${emailPath}/test" hx-target="#email-log-area" ${stored ? "" : html`disabled`}>${t("email.sendTest")}</button></div>
  <div id="email-log-area">${emailLog(t, deliveries)}</div>
</section>`,
  );
}
