// The agent's own preferences page: the alert sound and its volume, desktop notifications, and
// the key that sends, and push notifications on this device. assets/console.js plays the test
// sound, asks for notification permission and subscribes the device.
import { type Preferences, sendKeys, sounds } from "../domain/preferences";
import type { MessageKey } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { type FieldErrors, notice } from "./form";
import { html, type SafeHtml } from "./html";

export interface PreferencesState {
  saved?: boolean;
  /** Whether the agent gets the email digest while away (domain/email-digests.ts). */
  emailDigest: boolean;
  /** The server's VAPID public key, which the browser subscribes with (assets/console.js). */
  pushKey: string;
  errors?: FieldErrors;
  /** What was typed, shown again beside its errors. */
  typed?: { sound: string; soundVolume: string; desktopNotifications: boolean; sendKey: string };
}

const soundNames: Record<(typeof sounds)[number], MessageKey> = {
  chime: "prefs.soundChime",
  bell: "prefs.soundBell",
  pop: "prefs.soundPop",
  none: "prefs.soundNone",
};

const sendKeyNames: Record<(typeof sendKeys)[number], MessageKey> = {
  enter: "prefs.sendEnter",
  "ctrl-enter": "prefs.sendCtrlEnter",
};

export function preferencesPage(ctx: ConsoleContext, state: PreferencesState): SafeHtml {
  const { t, agent } = ctx;
  const current: Preferences = agent;
  const values = state.typed ?? { ...current, soundVolume: String(current.soundVolume) };
  const errors = state.errors ?? {};
  const problem = (name: string) => {
    const found = errors[name];
    return found ? html`<p class="field-error" id="field-${name}-error" role="alert">${t(found.key, found.params)}</p>` : "";
  };
  const described = (name: string) => (errors[name] ? html`aria-describedby="field-${name}-error"` : "");
  const invalid = (name: string) => (errors[name] ? html`aria-invalid="true" ${described(name)}` : "");
  return consolePage(
    ctx,
    "preferences",
    t("prefs.title"),
    html`<h1>${t("prefs.title")}</h1>
<section class="card panel preferences" id="preferences">
  ${state.saved ? notice("ok", t("prefs.saved")) : ""}
  ${Object.keys(errors).length ? notice("error", t("prefs.fix")) : ""}
  <form method="post" action="/console/preferences" novalidate id="preferences-form">
    <fieldset ${described("sound")}>
      <legend>${t("prefs.sound")}</legend>
      <div class="choice-row">${sounds.map(
        (sound) => html`<label class="check"><input type="radio" name="sound" value="${sound}" ${values.sound === sound ? html`checked` : ""}> ${t(soundNames[sound])}</label>`,
      )}</div>
      ${problem("sound")}
      <label for="field-soundVolume">${t("prefs.volume")}</label>
      <div class="volume-row">
        <input type="range" id="field-soundVolume" name="soundVolume" min="0" max="100" step="5" value="${values.soundVolume}" ${invalid("soundVolume")}>
        <output for="field-soundVolume" id="volume-shown">${values.soundVolume}%</output>
        <button type="button" class="secondary small" id="test-sound">${t("prefs.testSound")}</button>
      </div>
      ${problem("soundVolume")}
    </fieldset>
    <fieldset>
      <legend>${t("prefs.desktop")}</legend>
      <label class="check"><input type="checkbox" name="desktopNotifications" value="1" id="field-desktopNotifications" ${values.desktopNotifications ? html`checked` : ""}> ${t("prefs.desktopOn")}</label>
      <p class="muted">${t("prefs.desktopHint")}</p>
      <p class="field-error" id="notification-permission" hidden>${t("prefs.desktopDenied")}</p>
    </fieldset>
    <fieldset ${described("sendKey")}>
      <legend>${t("prefs.sendKey")}</legend>
      ${sendKeys.map(
        (key) => html`<label class="check"><input type="radio" name="sendKey" value="${key}" ${values.sendKey === key ? html`checked` : ""}> ${t(sendKeyNames[key])}</label>`,
      )}
      <p class="muted">${t("prefs.sendKeyHint")}</p>
      ${problem("sendKey")}
    </fieldset>
    <div class="actions"><button type="submit">${t("prefs.submit")}</button></div>
  </form>
</section>
<section class="card panel preferences" id="push-device" data-push-key="${state.pushKey}" data-denied="${t("prefs.desktopDenied")}" data-failed="${t("prefs.pushFailed", { reason: "{reason}" })}">
  <fieldset>
    <legend>${t("prefs.push")}</legend>
    <label class="check"><input type="checkbox" id="field-pushDevice" disabled> ${t("prefs.pushOn")}</label>
    <p class="muted">${t("prefs.pushHint")}</p>
    <p class="muted" id="push-unsupported" hidden>${t("prefs.pushUnsupported")}</p>
    <p class="field-error" id="push-problem" role="alert" hidden></p>
  </fieldset>
</section>
<section class="card panel preferences" id="email-digest">
  <form method="post" action="/console/preferences/digest">
    <fieldset>
      <legend>${t("prefs.digest")}</legend>
      <label class="check"><input type="checkbox" name="emailDigest" value="on" id="field-emailDigest" ${state.emailDigest ? html`checked` : ""}> ${t("prefs.digestOn")}</label>
      <p class="muted">${t("prefs.digestHint")}</p>
    </fieldset>
    <div class="actions"><button type="submit" class="secondary">${t("prefs.digestSave")}</button></div>
  </form>
</section>`,
  );
}
