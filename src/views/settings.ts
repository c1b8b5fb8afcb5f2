// The shop's settings (owners and admins): one form in sections, with the sections' own
// navigation and one save bar that sticks to the bottom of the window. A save checks every field;
// what is wrong is shown beside its field and listed above the form, and what was saved is marked.
import type { Business } from "../domain/businesses";
import { megabytes } from "../domain/attachments";
import { limits } from "../domain/limits";
import type { Setting } from "../domain/settings";
import type { MessageKey, Translate } from "../i18n";
import { uploadRulesInput } from "./attachment";
import { type ConsoleContext, consolePage } from "./console";
import { copyText, fieldError, type FieldErrors } from "./form";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { sectionNav } from "./section-nav";

/** What was posted: one value per field (a switch's "on" or "off"), and the kinds ticked. */
export interface TypedSettings {
  name?: string;
  welcomeText?: string;
  idleCloseMinutes?: string;
  reopenMinutes?: string;
  ratingEnabled?: string;
  typingPreview?: string;
  pushPreviews?: string;
  routingMode?: string;
  capacity?: string;
  holdMinutes?: string;
  autoAwayMinutes?: string;
  uploadMaxMb?: string;
  uploadKinds?: string[];
  callServerUrls?: string;
  callServerUsername?: string;
  callServerCredential?: string;
  callServerSecret?: string;
}

export interface SettingsState {
  errors?: FieldErrors;
  typed?: TypedSettings;
  /** After a save: the settings that changed (none when nothing did). */
  saved?: Setting[];
  /** Bytes the shop's files take, shown against the storage limit a platform admin may set. */
  storageUsed?: number;
}

const sections = ["shop", "conversations", "routing", "files", "calls"] as const;
type Section = (typeof sections)[number];

const sectionTitles: Record<Section, MessageKey> = {
  shop: "settings.business",
  conversations: "settings.conversations",
  routing: "settings.routing",
  files: "attachment.settingsTitle",
  calls: "call.settingsTitle",
};

const sectionOf: Record<Setting, Section> = {
  name: "shop",
  welcomeText: "conversations",
  idleCloseMinutes: "conversations",
  reopenMinutes: "conversations",
  ratingEnabled: "conversations",
  typingPreview: "conversations",
  pushPreviews: "conversations",
  routingMode: "routing",
  capacity: "routing",
  holdMinutes: "routing",
  autoAwayMinutes: "routing",
  uploads: "files",
  callServers: "calls",
};

/** Each field's label, for its row and for the list of problems above the form. */
const fieldLabels: Record<string, MessageKey> = {
  name: "field.businessName",
  welcomeText: "field.welcomeText",
  idleCloseMinutes: "field.idleCloseMinutes",
  reopenMinutes: "field.reopenMinutes",
  ratingEnabled: "rating.setting",
  typingPreview: "preview.setting",
  pushPreviews: "push.previewsSetting",
  routingMode: "field.routingMode",
  capacity: "field.capacity",
  holdMinutes: "field.holdMinutes",
  autoAwayMinutes: "field.autoAwayMinutes",
  uploadMaxMb: "attachment.maxMb",
  uploadKinds: "attachment.kinds",
  callServerUrls: "call.serverUrls",
  callServerUsername: "call.turnUsername",
  callServerCredential: "call.turnCredential",
  callServerSecret: "call.turnSecret",
};

/** Where the list of problems leads for each field; the upload rules' inputs are attachment.ts's. */
const fieldAnchor = (name: string) => (name === "uploadMaxMb" || name === "uploadKinds" ? "field-uploadRules" : `field-${name}`);

/** The kinds as posted, when the upload rules were (no kind ticked is then none); else undefined, the stored ones. */
const typedKinds = (typed: TypedSettings | undefined) =>
  typed?.uploadMaxMb !== undefined || typed?.uploadKinds !== undefined ? (typed.uploadKinds ?? []) : undefined;

/** Ties a control to its hint and its error for screen readers. */
function described(errors: FieldErrors, name: string, hint: boolean): SafeHtml | "" {
  const ids = [hint ? `field-${name}-hint` : "", errors[name] ? `field-${name}-error` : ""].filter(Boolean).join(" ");
  return html`${ids ? html`aria-describedby="${ids}"` : ""} ${errors[name] ? html`aria-invalid="true"` : ""}`;
}

interface Page {
  t: Translate;
  business: Business;
  state: SettingsState;
  errors: FieldErrors;
}

/** The value shown: what was typed after a refusal, else what is stored. */
function shown(page: Page, name: Exclude<keyof TypedSettings, "uploadKinds">, stored: string | number): string {
  return page.state.typed?.[name] ?? String(stored);
}

function savedMark(page: Page, setting: Setting): SafeHtml | "" {
  return page.state.saved?.includes(setting) ? html` <span class="saved-mark">${icon("check")} ${page.t("settings.savedMark")}</span>` : "";
}

/** One setting: its label and hint, beside its control (above it when `wide`). */
/** `setting`: the one its "saved" mark is for; none for a field saved with the row above it. */
function row(page: Page, spec: { name: string; setting?: Setting; hint?: MessageKey; control: SafeHtml; wide?: boolean; toggle?: boolean }): SafeHtml {
  const { t } = page;
  return html`<div class="setting${spec.wide ? " wide" : ""}${spec.toggle ? " toggle" : ""}">
  <div class="setting-text">
    <label for="field-${spec.name}">${t(fieldLabels[spec.name]!)}${spec.setting ? savedMark(page, spec.setting) : ""}</label>
    ${spec.hint ? html`<p class="hint" id="field-${spec.name}-hint">${t(spec.hint)}</p>` : ""}
  </div>
  <div class="setting-control">${spec.control}</div>
  ${fieldError(t, page.errors, spec.name)}
</div>`;
}

function minutesRow(page: Page, name: "idleCloseMinutes" | "reopenMinutes" | "holdMinutes" | "autoAwayMinutes", hint: MessageKey): SafeHtml {
  return row(page, {
    name,
    setting: name,
    hint,
    control: html`<span class="with-unit"><input id="field-${name}" name="${name}" inputmode="numeric" autocomplete="off" value="${shown(page, name, page.business[name])}" ${described(page.errors, name, true)}><span>${page.t("settings.minutes")}</span></span>`,
  });
}

/** On or off. The hidden "off" goes first, so an unticked switch still says off. */
function switchRow(page: Page, name: "ratingEnabled" | "typingPreview" | "pushPreviews", hint: MessageKey): SafeHtml {
  const typed = page.state.typed?.[name];
  const on = typed === undefined ? page.business[name] : typed === "on";
  return row(page, {
    name,
    setting: name,
    hint,
    toggle: true,
    control: html`<input type="hidden" name="${name}" value="off"><input type="checkbox" role="switch" class="switch" id="field-${name}" name="${name}" value="on" ${on ? html`checked` : ""} ${described(page.errors, name, true)}>`,
  });
}

function section(page: Page, id: Section, intro: MessageKey | null, content: SafeHtml): SafeHtml {
  return html`<section class="card settings-section" id="settings-${id}" aria-labelledby="settings-${id}-title">
  <h2 id="settings-${id}-title">${page.t(sectionTitles[id])}</h2>
  ${intro ? html`<p class="muted">${page.t(intro)}</p>` : ""}
  ${content}
</section>`;
}

function routingChoice(page: Page): SafeHtml {
  const { t, errors } = page;
  const chosen = shown(page, "routingMode", page.business.routingMode);
  const choices: [string, MessageKey, MessageKey][] = [
    ["auto", "settings.routingAuto", "settings.routingAutoHint"],
    ["claim", "settings.routingClaim", "settings.routingClaimHint"],
  ];
  return html`<fieldset class="setting wide" id="field-routingMode" ${described(errors, "routingMode", false)}>
  <legend>${t("field.routingMode")}${savedMark(page, "routingMode")}</legend>
  <div class="choices">${choices.map(
    ([value, label, hint]) => html`<label class="choice"><input type="radio" name="routingMode" value="${value}" ${chosen === value ? html`checked` : ""}>
    <span><strong>${t(label)}</strong><small>${t(hint)}</small></span></label>`,
  )}</div>
  ${fieldError(t, errors, "routingMode")}
</fieldset>`;
}

/** Above the form after a refused save: each problem, linked to its field. */
function problemList(page: Page): SafeHtml | "" {
  const { t, errors } = page;
  const names = Object.keys(errors);
  if (!names.length) return "";
  return html`<div class="notice error" role="alert" id="settings-problems">
  <p>${t("settings.notSaved")}</p>
  <ul>${names.map((name) => html`<li><a href="#${fieldAnchor(name)}">${fieldLabels[name] ? t(fieldLabels[name]) : name}</a>: ${t(errors[name]!.key, errors[name]!.params)}</li>`)}</ul>
</div>`;
}

/** What the last save did, in the save bar: the sections saved, nothing to save, or nothing saved. */
function saveStatus(page: Page, locale: string): string {
  const { t, state } = page;
  if (Object.keys(page.errors).length) return t("settings.notSavedShort");
  if (!state.saved) return "";
  if (!state.saved.length) return t("settings.nothingChanged");
  const saved = sections.filter((id) => state.saved!.some((setting) => sectionOf[setting] === id)).map((id) => t(sectionTitles[id]));
  return t("settings.savedIn", { sections: new Intl.ListFormat(locale, { type: "conjunction" }).format(saved) });
}

function saveBar(page: Page, locale: string): SafeHtml {
  const { t } = page;
  const status = saveStatus(page, locale);
  const refused = Object.keys(page.errors).length > 0;
  return html`<div class="save-bar" ${status ? "" : html`:class="{ resting: !changed }"`}>
  <p class="save-status ${refused ? "error" : ""}" role="status">
    <span x-show="!changed">${status}</span><span x-show="changed" x-cloak>${t("settings.unsaved")}</span>
  </p>
  <div class="save-actions">
    <a class="button secondary" href="/console/settings" ${refused ? "" : html`x-show="changed" x-cloak`}>${t("settings.discard")}</a>
    <button type="submit">${t("settings.saveChanges")}</button>
  </div>
</div>`;
}

export function settingsPage(ctx: ConsoleContext, state: SettingsState = {}): SafeHtml {
  const { t, business } = ctx;
  const page: Page = { t, business, state, errors: state.errors ?? {} };
  const welcomeText = shown(page, "welcomeText", business.welcomeText);
  const nav = sectionNav(
    t("settings.sections"),
    sections.map((id) => ({ href: `#settings-${id}`, label: t(sectionTitles[id]) })),
    {
      title: t("settings.more"),
      links: [
        { href: "/console/hours", label: t("hours.title") },
        { href: "/console/blocked", label: t("blocked.title") },
        { href: "/console/integrations", label: t("webhooks.title") },
        { href: "/console/email", label: t("email.title") },
      ],
    },
  );
  return consolePage(
    ctx,
    "settings",
    t("settings.title"),
    html`<h1>${t("settings.title")}</h1>
<div class="sectioned">
${nav}
<form method="post" action="/console/settings" class="settings-form" novalidate x-data="{ changed: false }" @input="changed = true" @change="changed = true">
${problemList(page)}
${section(
  page,
  "shop",
  "settings.shopIntro",
  html`${row(page, {
    name: "name",
    setting: "name",
    wide: true,
    control: html`<input id="field-name" name="name" type="text" value="${shown(page, "name", business.name)}" maxlength="${limits.businessNameLength}" required ${described(page.errors, "name", false)}>`,
  })}
  <div class="setting wide">${copyText(t, { id: "widget-key", label: t("settings.widgetKey"), text: business.widgetKey })}</div>`,
)}
${section(
  page,
  "conversations",
  "settings.conversationsIntro",
  html`${row(page, {
    name: "welcomeText",
    setting: "welcomeText",
    hint: "settings.welcomeHint",
    wide: true,
    control: html`<textarea id="field-welcomeText" name="welcomeText" rows="3" maxlength="${limits.greetingLength}" ${described(page.errors, "welcomeText", true)}>${welcomeText}</textarea>`,
  })}
  ${switchRow(page, "ratingEnabled", "rating.settingHint")}
  ${switchRow(page, "typingPreview", "preview.settingHint")}
  ${switchRow(page, "pushPreviews", "push.previewsHint")}
  ${minutesRow(page, "idleCloseMinutes", "settings.idleHint")}
  ${minutesRow(page, "reopenMinutes", "settings.reopenHint")}`,
)}
${section(
  page,
  "routing",
  "settings.routingIntro",
  html`${routingChoice(page)}
  ${row(page, {
    name: "capacity",
    setting: "capacity",
    hint: "settings.capacityHint",
    control: html`<span class="with-unit"><input id="field-capacity" name="capacity" inputmode="numeric" autocomplete="off" value="${shown(page, "capacity", business.maxConcurrentChats)}" ${described(page.errors, "capacity", true)}><span>${t("settings.chats")}</span></span>`,
  })}
  ${minutesRow(page, "holdMinutes", "settings.holdHint")}
  ${minutesRow(page, "autoAwayMinutes", "settings.autoAwayHint")}`,
)}
${section(
  page,
  "files",
  "attachment.settingsHint",
  html`<div class="setting wide upload-rules">
    <label for="field-uploadRules">${t("attachment.maxMb")}${savedMark(page, "uploads")}</label>
    ${uploadRulesInput(t, business, { uploadMaxMb: state.typed?.uploadMaxMb, uploadKinds: typedKinds(state.typed), errors: page.errors })}
    ${business.maxStorageBytes === null ? "" : html`<p class="hint" id="storage-limit">${t("attachment.storageLimit", { used: megabytes(state.storageUsed ?? 0), max: megabytes(business.maxStorageBytes) })}</p>`}
  </div>`,
)}
${section(
  page,
  "calls",
  "call.settingsIntro",
  html`${row(page, {
    name: "callServerUrls",
    setting: "callServers",
    hint: "call.serverUrlsHint",
    wide: true,
    control: html`<textarea id="field-callServerUrls" name="callServerUrls" rows="3" spellcheck="false" autocomplete="off" placeholder="stun:stun.example.com:3478" ${described(page.errors, "callServerUrls", true)}>${state.typed?.callServerUrls ?? business.callServers.urls.join("\n")}</textarea>`,
  })}
  ${row(page, {
    name: "callServerUsername",
    control: html`<input id="field-callServerUsername" name="callServerUsername" autocomplete="off" value="${state.typed?.callServerUsername ?? business.callServers.username}" ${described(page.errors, "callServerUsername", false)}>`,
  })}
  ${row(page, {
    name: "callServerCredential",
    control: html`<input id="field-callServerCredential" name="callServerCredential" type="password" autocomplete="new-password" value="${state.typed?.callServerCredential ?? business.callServers.credential}" ${described(page.errors, "callServerCredential", false)}>`,
  })}
  ${row(page, {
    name: "callServerSecret",
    hint: "call.turnSecretHint",
    control: html`<input id="field-callServerSecret" name="callServerSecret" type="password" autocomplete="new-password" value="" placeholder="${business.callServers.secret ? t("call.turnSecretKept") : ""}" ${described(page.errors, "callServerSecret", true)}>`,
  })}`,
)}
${saveBar(page, ctx.locale)}
</form>
</div>`,
  );
}
