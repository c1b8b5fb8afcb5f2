// The recent deliveries of a webhook endpoint or of the shop's emails: what was sent, whether it
// went through, how often it was tried, the other side's last answer and when the next try is.
import type { Delivery } from "../domain/deliveries";
import type { MessageKey, Translate } from "../i18n";
import { html, type SafeHtml } from "./html";
import { when } from "./time";

const emailKinds: Record<string, MessageKey> = {
  "email.test": "deliveries.email.test",
  "email.digest": "deliveries.email.digest",
  "email.reply": "deliveries.email.reply",
  "email.transcript": "deliveries.email.transcript",
};

/** What an email was, by the event it was queued under (email-settings.ts, queueEmail). */
function emailKind(t: Translate, event: string): string {
  const key = emailKinds[event];
  return key ? t(key) : event;
}

export function deliveryLog(t: Translate, options: { id: string; refreshUrl: string; deliveries: Delivery[]; what: "event" | "recipient" }): SafeHtml {
  const { deliveries } = options;
  return html`<div id="${options.id}" class="delivery-log" hx-get="${options.refreshUrl}" hx-trigger="every 5s" hx-swap="outerHTML">
  ${
    deliveries.length
      ? html`<div class="table-scroll"><table>
    <thead><tr><th>${t(options.what === "event" ? "deliveries.event" : "deliveries.recipient")}</th><th>${t("deliveries.status")}</th><th>${t("deliveries.attempts")}</th><th>${t("deliveries.answer")}</th><th>${t("deliveries.nextAttempt")}</th></tr></thead>
    <tbody>${deliveries.map(
      (delivery) => html`<tr class="delivery ${delivery.status}" data-event="${delivery.event}">
      <td>${options.what === "event" ? html`<code>${delivery.event}</code>` : html`${delivery.recipient ?? ""} <small>${emailKind(t, delivery.event)}</small>`} <small class="muted">${when(delivery.createdAt, "")}</small></td>
      <td><span class="badge ${delivery.status}">${t(delivery.status === "pending" && delivery.attempts === 0 ? "deliveries.sending" : `deliveries.${delivery.status}`)}</span></td>
      <td>${delivery.attempts}</td>
      <td>${delivery.lastCode ?? ""} <span class="muted response-excerpt">${delivery.lastResponse ?? ""}</span></td>
      <td>${delivery.status === "pending" && delivery.attempts > 0 ? when(delivery.nextAttemptAt, "") : ""}</td>
    </tr>`,
    )}</tbody>
  </table></div>`
      : html`<p class="muted">${t("deliveries.none")}</p>`
  }
</div>`;
}
