import { limits } from "../domain/limits";
import { type ConsoleContext, consolePage } from "./console";
import { field, type FieldErrors, notice } from "./form";
import { html, type SafeHtml } from "./html";

export interface SettingsState {
  errors?: FieldErrors;
  saved?: "name" | "capacity" | "welcome" | "idle";
  name?: string;
  capacity?: string;
  welcomeText?: string;
  idleCloseMinutes?: string;
}

export function settingsPage(ctx: ConsoleContext, state: SettingsState = {}): SafeHtml {
  const { t, business, agent } = ctx;
  const editable = agent.role !== "agent";
  return consolePage(
    ctx,
    "settings",
    t("settings.title"),
    html`<h1>${t("settings.title")}</h1>
<section class="card panel">
  <h2>${t("settings.business")}</h2>
  ${state.saved === "name" ? notice("ok", t("settings.saved")) : ""}
  ${
    editable
      ? html`<form method="post" action="/console/settings" novalidate>
    ${field(t, state.errors ?? {}, { name: "name", label: t("field.businessName"), value: state.name ?? business.name, required: true, maxlength: limits.businessNameLength })}
    <div class="actions"><button type="submit">${t("settings.submit")}</button></div>
  </form>`
      : html`<p><strong>${t("field.businessName")}:</strong> ${business.name}</p>`
  }
  <label for="widget-key">${t("settings.widgetKey")}</label>
  <div class="copy-field"><input id="widget-key" readonly value="${business.widgetKey}"></div>
</section>
${editable ? html`<p class="panel"><a href="/console/blocked">${t("blocked.title")}</a></p>` : ""}
<section class="card panel" id="welcome">
  ${state.saved === "welcome" ? notice("ok", t("settings.saved")) : ""}
  ${
    editable
      ? html`<form method="post" action="/console/settings/welcome" novalidate>
    <label for="field-welcomeText">${t("field.welcomeText")}</label>
    <textarea id="field-welcomeText" name="welcomeText" rows="3" maxlength="${limits.greetingLength}">${state.welcomeText ?? business.welcomeText}</textarea>
    ${state.errors?.welcomeText ? html`<p class="field-error">${t(state.errors.welcomeText.key, state.errors.welcomeText.params)}</p>` : ""}
    <p class="muted">${t("settings.welcomeHint")}</p>
    <div class="actions"><button type="submit">${t("settings.submit")}</button></div>
  </form>`
      : html`<p><strong>${t("field.welcomeText")}:</strong> ${business.welcomeText}</p>`
  }
</section>
<section class="card panel" id="idle">
  ${state.saved === "idle" ? notice("ok", t("settings.saved")) : ""}
  ${
    editable
      ? html`<form method="post" action="/console/settings/idle" novalidate>
    ${field(t, state.errors ?? {}, { name: "idleCloseMinutes", label: t("field.idleCloseMinutes"), value: state.idleCloseMinutes ?? String(business.idleCloseMinutes), required: true })}
    <p class="muted">${t("settings.idleHint")}</p>
    <div class="actions"><button type="submit">${t("settings.submit")}</button></div>
  </form>`
      : html`<p><strong>${t("field.idleCloseMinutes")}:</strong> ${business.idleCloseMinutes}</p>`
  }
</section>
<section class="card panel" id="capacity">
  ${state.saved === "capacity" ? notice("ok", t("settings.saved")) : ""}
  ${
    editable
      ? html`<form method="post" action="/console/settings/capacity" novalidate>
    ${field(t, state.errors ?? {}, { name: "capacity", label: t("field.capacity"), value: state.capacity ?? String(business.maxConcurrentChats), required: true })}
    <p class="muted">${t("settings.capacityHint")}</p>
    <div class="actions"><button type="submit">${t("settings.submit")}</button></div>
  </form>`
      : html`<p><strong>${t("field.capacity")}:</strong> ${business.maxConcurrentChats}</p>`
  }
</section>`,
  );
}
