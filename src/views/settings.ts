// The shop's settings: one small form per setting, each saved on its own. Agents see the values.
import { limits } from "../domain/limits";
import type { MessageKey } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { field, type FieldErrors, notice } from "./form";
import { html, type SafeHtml } from "./html";
import { uploadRulesInput, uploadRulesSummary } from "./attachment";

type Setting = "name" | "capacity" | "welcome" | "idle" | "routing" | "hold" | "reopen" | "autoAway" | "rating" | "typingPreview" | "uploads";

export interface SettingsState {
  errors?: FieldErrors;
  saved?: Setting;
  name?: string;
  capacity?: string;
  welcomeText?: string;
  idleCloseMinutes?: string;
  routingMode?: string;
  holdMinutes?: string;
  autoAwayMinutes?: string;
  reopenMinutes?: string;
  ratingEnabled?: string;
  typingPreview?: string;
  uploadMaxMb?: string;
  uploadKinds?: string[];
}

interface SectionSpec {
  setting: Setting;
  action: string;
  label: MessageKey;
  value: string;
  /** The input; omitted for a one-line text field named by `name`. */
  input?: SafeHtml;
  name: string;
  hint?: MessageKey;
  title?: MessageKey;
  maxlength?: number;
  extra?: SafeHtml;
}

function section(ctx: ConsoleContext, state: SettingsState, spec: SectionSpec): SafeHtml {
  const { t } = ctx;
  const errors = state.errors ?? {};
  const problem = errors[spec.name];
  const editable = ctx.agent.role !== "agent";
  return html`<section class="card panel" id="setting-${spec.setting}">
  ${spec.title ? html`<h2>${t(spec.title)}</h2>` : ""}
  ${state.saved === spec.setting ? notice("ok", t("settings.saved")) : ""}
  ${
    editable
      ? html`<form method="post" action="${spec.action}" novalidate>
    ${
      spec.input
        ? html`<label for="field-${spec.name}">${t(spec.label)}</label>${spec.input}${problem ? html`<p class="field-error">${t(problem.key, problem.params)}</p>` : ""}`
        : field(t, errors, { name: spec.name, label: t(spec.label), value: spec.value, required: true, maxlength: spec.maxlength })
    }
    ${spec.hint ? html`<p class="muted">${t(spec.hint)}</p>` : ""}
    <div class="actions"><button type="submit">${t("settings.submit")}</button></div>
  </form>`
      : html`<p><strong>${t(spec.label)}:</strong> ${spec.value}</p>`
  }
  ${spec.extra}
</section>`;
}

/** A setting that is on or off: a select of the two, shown as "On"/"Off" to agents. */
function switchSection(
  ctx: ConsoleContext,
  state: SettingsState,
  spec: Omit<SectionSpec, "value" | "input"> & { name: "ratingEnabled" | "typingPreview"; on: boolean },
): SafeHtml {
  const { t } = ctx;
  const chosen = state[spec.name] ?? (spec.on ? "on" : "off");
  return section(ctx, state, {
    ...spec,
    value: t(spec.on ? "prefs.on" : "prefs.off"),
    input: html`<select id="field-${spec.name}" name="${spec.name}">
    ${(["on", "off"] as const).map((value) => html`<option value="${value}" ${chosen === value ? html`selected` : ""}>${t(value === "on" ? "prefs.on" : "prefs.off")}</option>`)}
  </select>`,
  });
}

export function settingsPage(ctx: ConsoleContext, state: SettingsState = {}): SafeHtml {
  const { t, business, agent } = ctx;
  const welcomeText = state.welcomeText ?? business.welcomeText;
  return consolePage(
    ctx,
    "settings",
    t("settings.title"),
    html`<h1>${t("settings.title")}</h1>
${section(ctx, state, {
  setting: "name",
  title: "settings.business",
  maxlength: limits.businessNameLength,
  action: "/console/settings",
  label: "field.businessName",
  name: "name",
  value: state.name ?? business.name,
  extra: html`<label for="widget-key">${t("settings.widgetKey")}</label>
  <div class="copy-field"><input id="widget-key" readonly value="${business.widgetKey}"></div>`,
})}
${agent.role !== "agent" ? html`<p class="panel"><a href="/console/blocked">${t("blocked.title")}</a></p>` : ""}
${agent.role !== "agent" ? html`<p class="panel"><a href="/console/hours">${t("hours.title")}</a></p>` : ""}
${section(ctx, state, {
  setting: "welcome",
  action: "/console/settings/welcome",
  label: "field.welcomeText",
  name: "welcomeText",
  value: welcomeText,
  input: html`<textarea id="field-welcomeText" name="welcomeText" rows="3" maxlength="${limits.greetingLength}">${welcomeText}</textarea>`,
  hint: "settings.welcomeHint",
})}
${section(ctx, state, {
  setting: "idle",
  action: "/console/settings/idle",
  label: "field.idleCloseMinutes",
  name: "idleCloseMinutes",
  value: state.idleCloseMinutes ?? String(business.idleCloseMinutes),
  hint: "settings.idleHint",
})}
${section(ctx, state, {
  setting: "routing",
  title: "settings.routing",
  action: "/console/settings/routing",
  label: "field.routingMode",
  name: "routingMode",
  value: t(business.routingMode === "claim" ? "settings.routingClaim" : "settings.routingAuto"),
  input: html`<select id="field-routingMode" name="routingMode">
    ${(["auto", "claim"] as const).map((mode) => html`<option value="${mode}" ${(state.routingMode ?? business.routingMode) === mode ? html`selected` : ""}>${t(mode === "auto" ? "settings.routingAuto" : "settings.routingClaim")}</option>`)}
  </select>`,
  hint: "settings.routingHint",
})}
${section(ctx, state, {
  setting: "hold",
  action: "/console/settings/hold",
  label: "field.holdMinutes",
  name: "holdMinutes",
  value: state.holdMinutes ?? String(business.holdMinutes),
  hint: "settings.holdHint",
})}
${section(ctx, state, {
  setting: "autoAway",
  action: "/console/settings/auto-away",
  label: "field.autoAwayMinutes",
  name: "autoAwayMinutes",
  value: state.autoAwayMinutes ?? String(business.autoAwayMinutes),
  hint: "settings.autoAwayHint",
})}
${section(ctx, state, {
  setting: "reopen",
  action: "/console/settings/reopen",
  label: "field.reopenMinutes",
  name: "reopenMinutes",
  value: state.reopenMinutes ?? String(business.reopenMinutes),
  hint: "settings.reopenHint",
})}
${section(ctx, state, {
  setting: "capacity",
  action: "/console/settings/capacity",
  label: "field.capacity",
  name: "capacity",
  value: state.capacity ?? String(business.maxConcurrentChats),
  hint: "settings.capacityHint",
})}
${section(ctx, state, {
  setting: "uploads",
  title: "attachment.settingsTitle",
  action: "/console/settings/uploads",
  label: "attachment.maxMb",
  name: "uploadRules",
  value: uploadRulesSummary(t, business),
  input: uploadRulesInput(t, business, state),
  hint: "attachment.settingsHint",
})}
${switchSection(ctx, state, { setting: "rating", title: "rating.settingTitle", action: "/console/settings/rating", label: "rating.setting", name: "ratingEnabled", on: business.ratingEnabled, hint: "rating.settingHint" })}
${switchSection(ctx, state, { setting: "typingPreview", title: "preview.settingTitle", action: "/console/settings/typing-preview", label: "preview.setting", name: "typingPreview", on: business.typingPreview, hint: "preview.settingHint" })}`,
  );
}
