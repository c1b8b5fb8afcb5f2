// Settings → Integrations: the shop's webhook endpoints, each with its events, signing secret and
// delivery log, and the form that adds one. README "Webhooks" says how a receiver checks a call.
import type { Delivery } from "../domain/deliveries";
import { type WebhookEndpoint, webhookEvents, webhookUrlLength } from "../domain/webhooks";
import type { Translate } from "../i18n";
import { tagAnchor } from "./api-docs";
import { type ConsoleContext, consolePage } from "./console";
import { deliveryLog } from "./deliveries";
import { copyText, field, fieldError, type FieldErrors } from "./form";
import { html, type SafeHtml } from "./html";

export const integrationsPath = "/console/integrations";

export interface EndpointForm {
  values: { url: string; events: string[]; enabled: boolean; allowPrivate: boolean };
  errors: FieldErrors;
}

export const endpointDomId = (id: number) => `webhook-${id}`;

export function endpointLog(t: Translate, endpointId: number, deliveries: Delivery[]): SafeHtml {
  return deliveryLog(t, { id: `webhook-log-${endpointId}`, refreshUrl: `${integrationsPath}/${endpointId}/deliveries`, deliveries, what: "event" });
}

function endpointFields(t: Translate, prefix: string, form: EndpointForm): SafeHtml {
  const { values, errors } = form;
  return html`${field(t, errors, { name: "url", id: `${prefix}-url`, label: t("webhooks.url"), type: "text", value: values.url, required: true, maxlength: webhookUrlLength })}
<fieldset class="webhook-events" ${errors.events ? html`aria-invalid="true" aria-describedby="field-events-error"` : ""}>
  <legend>${t("webhooks.events")}</legend>
  <div class="choice-row">${webhookEvents.map(
    (event) => html`<label class="check"><input type="checkbox" name="events" value="${event}" ${values.events.includes(event) ? html`checked` : ""}> ${t(`webhooks.event.${event}`)}</label>`,
  )}</div>
  ${fieldError(t, errors, "events")}
</fieldset>
<label class="check"><input type="checkbox" name="enabled" value="on" ${values.enabled ? html`checked` : ""}> ${t("webhooks.enabled")}</label>
<label class="check"><input type="checkbox" name="allowPrivate" value="on" ${values.allowPrivate ? html`checked` : ""}> ${t("webhooks.allowPrivate")}</label>
<p class="muted hint">${t("webhooks.allowPrivateHint")}</p>`;
}

function endpointCard(t: Translate, endpoint: WebhookEndpoint, deliveries: Delivery[], form?: EndpointForm): SafeHtml {
  const id = endpointDomId(endpoint.id);
  const shown = form ?? { values: endpoint, errors: {} };
  return html`<article class="card panel webhook-endpoint" id="${id}">
  <header>
    <strong class="webhook-url">${endpoint.url}</strong>
    <span class="badge ${endpoint.enabled ? "on" : "off"}">${t(endpoint.enabled ? "webhooks.on" : "webhooks.off")}</span>
  </header>
  ${copyText(t, { id: `${id}-secret`, label: t("webhooks.secret"), text: endpoint.secret })}
  <p class="muted hint">${t("webhooks.secretHint")}</p>
  <details ${form ? html`open` : ""}>
    <summary>${t("webhooks.edit")}</summary>
    <form method="post" action="${integrationsPath}/${endpoint.id}" novalidate>
      ${endpointFields(t, id, shown)}
      <div class="actions"><button type="submit">${t("webhooks.save")}</button></div>
    </form>
  </details>
  <h3>${t("webhooks.log")}</h3>
  ${endpointLog(t, endpoint.id, deliveries)}
  <div class="actions">
    <button type="button" class="secondary" hx-post="${integrationsPath}/${endpoint.id}/test" hx-target="#webhook-log-${endpoint.id}" hx-swap="outerHTML">${t("webhooks.sendTest")}</button>
    <form method="post" action="${integrationsPath}/${endpoint.id}/delete" hx-post="${integrationsPath}/${endpoint.id}/delete" hx-confirm="${t("webhooks.deleteConfirm")}" class="inline">
      <button type="submit" class="danger">${t("webhooks.delete")}</button>
    </form>
  </div>
</article>`;
}

export function integrationsPage(
  ctx: ConsoleContext,
  endpoints: { endpoint: WebhookEndpoint; deliveries: Delivery[] }[],
  typed: { add?: EndpointForm; endpointId?: number; edit?: EndpointForm } = {},
): SafeHtml {
  const { t } = ctx;
  const add = typed.add ?? { values: { url: "", events: [...webhookEvents], enabled: true, allowPrivate: false }, errors: {} };
  return consolePage(
    ctx,
    "settings",
    t("webhooks.title"),
    html`<h1>${t("webhooks.title")}</h1>
<p class="muted">${t("webhooks.intro")}</p>
<p class="muted">${t("webhooks.api")} <a href="/api/v1/docs?locale=${ctx.locale}#${tagAnchor("Webhooks")}" target="_blank" rel="noopener">${t("webhooks.apiLink")}</a></p>
<div class="webhook-endpoints">
  ${endpoints.length ? endpoints.map(({ endpoint, deliveries }) => endpointCard(t, endpoint, deliveries, typed.endpointId === endpoint.id ? typed.edit : undefined)) : html`<p class="muted">${t("webhooks.none")}</p>`}
</div>
<section class="card panel" id="webhook-add">
  <h2>${t("webhooks.add")}</h2>
  <form method="post" action="${integrationsPath}" novalidate>
    ${endpointFields(t, "webhook-new", add)}
    <div class="actions"><button type="submit">${t("webhooks.add")}</button></div>
  </form>
</section>`,
  );
}
