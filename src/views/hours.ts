// The business-hours page (owners and admins): time zone, the weekly schedule, closed dates and
// the leave-a-message form's settings, saved together as one form.
import { type HoursSettings, timezoneChoices, weekdays } from "../domain/hours";
import { limits } from "../domain/limits";
import { offlineFields } from "../domain/offline-messages";
import type { Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { fieldError, type FieldErrors, invalid, notice } from "./form";
import { html, type SafeHtml } from "./html";

/** The form as typed: a closed day keeps its times, so ticking it again restores them. */
export interface HoursForm {
  timezone: string;
  days: { weekday: number; open: boolean; opensAt: string; closesAt: string }[];
  closedDates: string;
  offlineText: string;
  noAgentText: string;
  offlineWhenNoAgent: boolean;
  offlineRequired: string[];
  preChatForm: boolean;
  preChatRequired: string[];
}

export interface HoursPageState {
  form: HoursForm;
  /** Whether the chat is inside business hours right now, by the saved settings. */
  openNow: boolean;
  errors?: FieldErrors;
  saved?: boolean;
}

// Monday first, as shop schedules are usually read; weekday numbers stay 0 = Sunday.
const displayOrder: readonly number[] = [1, 2, 3, 4, 5, 6, 0];

/** The saved settings as the form shows them; a closed day offers 09:00 to 18:00. */
export function hoursForm(settings: HoursSettings): HoursForm {
  return {
    timezone: settings.timezone,
    days: weekdays.map((weekday) => {
      const day = settings.days.find((d) => d.weekday === weekday);
      return { weekday, open: day !== undefined, opensAt: day?.opensAt ?? "09:00", closesAt: day?.closesAt ?? "18:00" };
    }),
    closedDates: settings.closedDates.join("\n"),
    offlineText: settings.offlineText,
    noAgentText: settings.noAgentText,
    offlineWhenNoAgent: settings.offlineWhenNoAgent,
    offlineRequired: settings.offlineRequired,
    preChatForm: settings.preChatForm,
    preChatRequired: settings.preChatRequired,
  };
}

function dayRow(t: Translate, errors: FieldErrors, day: HoursForm["days"][number]): SafeHtml {
  const name = t(`hours.day${day.weekday as 0 | 1 | 2 | 3 | 4 | 5 | 6}`);
  const opens = `opensAt-${day.weekday}`;
  const closes = `closesAt-${day.weekday}`;
  return html`<div class="day-row">
  <label class="check"><input type="checkbox" name="open-${day.weekday}" value="on" ${day.open ? html`checked` : ""}> ${name}</label>
  <input id="field-${opens}" name="${opens}" value="${day.opensAt}" inputmode="numeric" maxlength="5" placeholder="09:00"
    aria-label="${t("hours.opensAt", { day: name })}" ${invalid(errors, opens)}>
  <span aria-hidden="true">–</span>
  <input id="field-${closes}" name="${closes}" value="${day.closesAt}" inputmode="numeric" maxlength="5" placeholder="18:00"
    aria-label="${t("hours.closesAt", { day: name })}" ${invalid(errors, closes)}>
  ${fieldError(t, errors, opens)}${fieldError(t, errors, closes)}
</div>`;
}

export function hoursPage(ctx: ConsoleContext, state: HoursPageState): SafeHtml {
  const { t } = ctx;
  const { form } = state;
  const errors = state.errors ?? {};
  const checked = (on: boolean) => (on ? html`checked` : "");
  return consolePage(
    ctx,
    "hours",
    t("hours.title"),
    html`<h1>${t("hours.title")}</h1>
<section class="card panel hours-settings">
  ${state.saved ? notice("ok", t("settings.saved")) : ""}
  ${Object.keys(errors).length ? notice("error", t("hours.fixErrors")) : ""}
  <p class="muted" id="hours-now">${t(state.openNow ? "hours.openNow" : "hours.closedNow")}</p>
  <form method="post" action="/console/hours" novalidate>
    <label for="field-timezone">${t("hours.timezone")}</label>
    <select id="field-timezone" name="timezone" ${invalid(errors, "timezone")}>
      ${timezoneChoices(form.timezone).map((zone) => html`<option value="${zone}" ${zone === form.timezone ? html`selected` : ""}>${zone}</option>`)}
    </select>
    ${fieldError(t, errors, "timezone")}

    <fieldset>
      <legend>${t("hours.weekly")}</legend>
      <p class="muted">${t("hours.weeklyHint")}</p>
      ${form.days.toSorted((a, b) => displayOrder.indexOf(a.weekday) - displayOrder.indexOf(b.weekday)).map((day) => dayRow(t, errors, day))}
    </fieldset>

    <label for="field-closedDates">${t("hours.closedDates")}</label>
    <textarea id="field-closedDates" name="closedDates" rows="4" placeholder="2026-12-25" ${invalid(errors, "closedDates")}>${form.closedDates}</textarea>
    ${fieldError(t, errors, "closedDates")}
    <p class="muted">${t("hours.closedDatesHint", { max: limits.closedDates })}</p>

    <label for="field-offlineText">${t("hours.offlineText")}</label>
    <textarea id="field-offlineText" name="offlineText" rows="3" maxlength="${limits.offlineTextLength}" placeholder="${t("leave.defaultText")}"
      ${invalid(errors, "offlineText")}>${form.offlineText}</textarea>
    ${fieldError(t, errors, "offlineText")}
    <p class="muted">${t("hours.offlineTextHint")}</p>

    <label for="field-noAgentText">${t("hours.noAgentText")}</label>
    <textarea id="field-noAgentText" name="noAgentText" rows="3" maxlength="${limits.offlineTextLength}" placeholder="${t("chat.nobodyOnline")}"
      ${invalid(errors, "noAgentText")}>${form.noAgentText}</textarea>
    ${fieldError(t, errors, "noAgentText")}
    <p class="muted">${t("hours.noAgentTextHint")}</p>

    <fieldset>
      <legend>${t("hours.form")}</legend>
      <label class="check"><input type="checkbox" name="offlineWhenNoAgent" value="on" ${checked(form.offlineWhenNoAgent)}> ${t("hours.offlineWhenNoAgent")}</label>
      <p class="muted">${t("hours.required")}</p>
      ${offlineFields.map(
        (name) =>
          html`<label class="check"><input type="checkbox" name="required-${name}" value="on" ${checked(form.offlineRequired.includes(name))}> ${t(`leave.${name}`)}</label>`,
      )}
      ${fieldError(t, errors, "offlineRequired")}
    </fieldset>
    <fieldset>
      <legend>${t("hours.preChat")}</legend>
      <label class="check"><input type="checkbox" name="preChatForm" value="on" ${checked(form.preChatForm)}> ${t("hours.preChatForm")}</label>
      <p class="muted">${t("hours.preChatRequired")}</p>
      ${offlineFields.map(
        (name) =>
          html`<label class="check"><input type="checkbox" name="preChatRequired-${name}" value="on" ${checked(form.preChatRequired.includes(name))}> ${t(`leave.${name}`)}</label>`,
      )}
      ${fieldError(t, errors, "preChatRequired")}
    </fieldset>
    <div class="actions"><button type="submit">${t("settings.submit")}</button></div>
  </form>
</section>`,
  );
}
