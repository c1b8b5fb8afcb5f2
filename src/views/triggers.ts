// The Triggers page (owners and admins): one card per rule (its form, on or off, delete), a form
// to add one, and the shop's daily cap. Each part is a fragment the htmx response re-renders alone.
import type { Agent } from "../domain/agents";
import { limits } from "../domain/limits";
import type { Trigger, TriggerInput } from "../domain/triggers";
import { type ConsoleContext, consolePage } from "./console";
import { field, fieldError, type FieldErrors, invalid, notice } from "./form";
import { html, type SafeHtml } from "./html";

/** The agents a message may come from: the active members of the team. */
export type TriggerAuthors = Pick<Agent, "id" | "displayName">[];

export interface TriggerFormState {
  values?: TriggerInput;
  errors?: FieldErrors;
  saved?: boolean;
}

/** The fields of one rule; `prefix` keeps ids apart when several forms share the page. */
function triggerFields(ctx: ConsoleContext, authors: TriggerAuthors, prefix: string, values: TriggerInput, errors: FieldErrors): SafeHtml {
  const { t } = ctx;
  const id = (name: string) => `${prefix}-${name}`;
  const problem = (name: string) => (errors[name] ? html`<p class="field-error" id="${id(name)}-error">${t(errors[name].key, errors[name].params)}</p>` : "");
  const described = (name: string, hint = false) =>
    errors[name] ? html`aria-invalid="true" aria-describedby="${id(name)}-error"` : hint ? html`aria-describedby="${id(name)}-hint"` : "";
  return html`${field(t, errors, { id: id("name"), name: "name", label: t("triggers.name"), value: values.name, required: true, maxlength: limits.triggerNameLength })}
<label for="${id("pagePattern")}">${t("triggers.pattern")}</label>
<input id="${id("pagePattern")}" name="pagePattern" value="${values.pagePattern}" required maxlength="${limits.triggerPatternLength}" spellcheck="false" ${described("pagePattern", true)}>
<p class="muted hint" id="${id("pagePattern")}-hint">${t("triggers.patternHint")}</p>
${problem("pagePattern")}
<label for="${id("delaySeconds")}">${t("triggers.delay")}</label>
<input id="${id("delaySeconds")}" name="delaySeconds" type="number" inputmode="numeric" min="0" max="${limits.triggerDelaySeconds}" step="1" required value="${values.delaySeconds}" ${described("delaySeconds")}>
<p class="muted hint">${t("triggers.delayHint", { max: limits.triggerDelaySeconds })}</p>
${problem("delaySeconds")}
<label for="${id("message")}">${t("triggers.message")}</label>
<textarea id="${id("message")}" name="message" rows="3" maxlength="${limits.triggerMessageLength}" required ${described("message")}>${values.message}</textarea>
${problem("message")}
<label for="${id("agentId")}">${t("triggers.from")}</label>
<select id="${id("agentId")}" name="agentId" ${described("agentId")}>
  <option value="" ${values.agentId === null ? html`selected` : ""}>${t("triggers.fromShop", { name: ctx.business.name })}</option>
  ${authors.map((agent) => html`<option value="${agent.id}" ${values.agentId === agent.id ? html`selected` : ""}>${agent.displayName}</option>`)}
</select>
${problem("agentId")}
<label class="check"><input type="checkbox" name="enabled" value="on" ${values.enabled ? html`checked` : ""}> ${t("triggers.enabled")}</label>`;
}

const inputOf = (trigger: Trigger): TriggerInput => ({
  name: trigger.name,
  pagePattern: trigger.pagePattern,
  delaySeconds: trigger.delaySeconds,
  message: trigger.message,
  agentId: trigger.agentId,
  enabled: trigger.enabled,
});

export function triggerCard(ctx: ConsoleContext, authors: TriggerAuthors, trigger: Trigger, state: TriggerFormState = {}): SafeHtml {
  const { t } = ctx;
  const id = `trigger-${trigger.id}`;
  return html`<section class="card panel trigger" id="${id}">
  ${state.saved ? notice("ok", t("settings.saved")) : ""}
  <h2>${trigger.name} <span class="badge ${trigger.enabled ? "on" : "off"}">${trigger.enabled ? t("triggers.on") : t("triggers.off")}</span></h2>
  <p class="muted">${t("triggers.summary", { seconds: trigger.delaySeconds, pattern: trigger.pagePattern })}</p>
  <p class="trigger-says">${t("triggers.says", { from: authors.find((agent) => agent.id === trigger.agentId)?.displayName ?? ctx.business.name, message: trigger.message })}</p>
  <details ${state.errors ? html`open` : ""}>
    <summary>${t("triggers.edit")}</summary>
    <form class="trigger-form" hx-post="/console/triggers/${trigger.id}" hx-target="#${id}" hx-swap="outerHTML" novalidate>
      ${triggerFields(ctx, authors, id, state.values ?? inputOf(trigger), state.errors ?? {})}
      <div class="actions"><button type="submit">${t("triggers.save")}</button></div>
    </form>
  </details>
  <div class="actions">
    <button class="danger small" hx-post="/console/triggers/${trigger.id}/delete" hx-target="#trigger-list" hx-swap="outerHTML"
      hx-confirm="${t("triggers.deleteConfirm", { name: trigger.name })}">${t("triggers.delete")}</button>
  </div>
</section>`;
}

export function triggerList(ctx: ConsoleContext, authors: TriggerAuthors, triggers: Trigger[]): SafeHtml {
  return html`<div id="trigger-list">${
    triggers.length ? triggers.map((trigger) => triggerCard(ctx, authors, trigger)) : html`<p class="muted panel">${ctx.t("triggers.none")}</p>`
  }</div>`;
}

const blank: TriggerInput = { name: "", pagePattern: "", delaySeconds: 10, message: "", agentId: null, enabled: true };

export function createTriggerSection(ctx: ConsoleContext, authors: TriggerAuthors, state: TriggerFormState & { problem?: string } = {}): SafeHtml {
  const { t } = ctx;
  return html`<section class="card panel" id="trigger-create">
  <h2>${t("triggers.create")}</h2>
  ${notice("error", state.problem)}
  <form class="trigger-form" hx-post="/console/triggers" hx-target="#trigger-create" hx-swap="outerHTML" novalidate>
    ${triggerFields(ctx, authors, "new-trigger", state.values ?? blank, state.errors ?? {})}
    <div class="actions"><button type="submit">${t("triggers.createSubmit")}</button></div>
  </form>
</section>`;
}

export function triggerCapSection(ctx: ConsoleContext, state: { value?: string; errors?: FieldErrors; saved?: boolean } = {}): SafeHtml {
  const { t } = ctx;
  const errors = state.errors ?? {};
  return html`<section class="card panel" id="trigger-cap">
  ${state.saved ? notice("ok", t("settings.saved")) : ""}
  <form class="trigger-form" hx-post="/console/triggers/cap" hx-target="#trigger-cap" hx-swap="outerHTML" novalidate>
    <label for="field-dailyCap">${t("triggers.cap")}</label>
    <input id="field-dailyCap" name="dailyCap" type="number" inputmode="numeric" min="1" max="${limits.triggerDailyCap}" step="1" required
      value="${state.value ?? String(ctx.business.triggerDailyCap)}" ${invalid(errors, "dailyCap")}>
    <p class="muted hint">${t("triggers.capHint", { max: limits.triggerDailyCap })}</p>
    ${fieldError(t, errors, "dailyCap")}
    <div class="actions"><button type="submit">${t("triggers.save")}</button></div>
  </form>
</section>`;
}

export function triggersPage(ctx: ConsoleContext, authors: TriggerAuthors, triggers: Trigger[]): SafeHtml {
  const { t } = ctx;
  return consolePage(
    ctx,
    "triggers",
    t("triggers.title"),
    html`<h1>${t("triggers.title")}</h1>
<p class="muted panel">${t("triggers.intro")}</p>
${triggerList(ctx, authors, triggers)}
${createTriggerSection(ctx, authors)}
${triggerCapSection(ctx)}`,
  );
}
