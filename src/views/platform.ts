// The platform page, for whoever runs the install: every shop with what it uses, a switch to
// disable it, and its limits. Each row is re-rendered by the response to a change in it.
import { megabytes } from "../domain/attachments";
import type { ShopUsage } from "../domain/shops";
import type { Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import type { FieldErrors } from "./form";
import { html, type SafeHtml } from "./html";
import { when } from "./time";

export interface ShopRowState {
  errors?: FieldErrors;
  values?: { maxAgents?: string; maxStorageMegabytes?: string };
}

/** "12 / 20" against a limit, or the count alone without one. */
function ofLimit(used: string | number, limit: string | null): SafeHtml {
  return limit === null ? html`${used}` : html`${used} <span class="muted">/ ${limit}</span>`;
}

function limitsForm(t: Translate, usage: ShopUsage, state: ShopRowState): SafeHtml {
  const { shop } = usage;
  const errors = state.errors ?? {};
  const values = {
    maxAgents: state.values?.maxAgents ?? (shop.maxAgents === null ? "" : String(shop.maxAgents)),
    maxStorageMegabytes: state.values?.maxStorageMegabytes ?? (shop.maxStorageBytes === null ? "" : megabytes(shop.maxStorageBytes)),
  };
  const id = (name: string) => `shop-${shop.id}-${name}`;
  const input = (name: "maxAgents" | "maxStorageMegabytes", label: string, inputmode: string) => html`<div class="platform-limit">
      <label for="${id(name)}">${label}</label>
      <input id="${id(name)}" name="${name}" inputmode="${inputmode}" value="${values[name]}" placeholder="${t("platform.noLimit")}"
        ${errors[name] ? html`aria-invalid="true" aria-describedby="${id(name)}-error"` : ""}>
      ${errors[name] ? html`<p class="field-error" id="${id(name)}-error">${t(errors[name].key, errors[name].params)}</p>` : ""}
    </div>`;
  return html`<details ${Object.keys(errors).length ? html`open` : ""}>
  <summary>${t("platform.limitsOf", { name: shop.name })}</summary>
  <form class="platform-limits" hx-post="/console/platform/shops/${shop.id}/limits" hx-target="#shop-${shop.id}" hx-swap="outerHTML" novalidate>
    ${input("maxAgents", t("platform.maxAgents"), "numeric")}
    ${input("maxStorageMegabytes", t("platform.maxStorage"), "decimal")}
    <button type="submit" class="small">${t("platform.saveLimits")}</button>
    <p class="hint">${t("platform.limitsHint")}</p>
  </form>
</details>`;
}

/** One shop: its usage on the first row, its limits under it; a change re-renders both. */
export function shopRow(ctx: ConsoleContext, usage: ShopUsage, state: ShopRowState = {}): SafeHtml {
  const { t } = ctx;
  const { shop } = usage;
  const own = shop.id === ctx.agent.businessId;
  const toggle = shop.disabled
    ? html`<button type="button" class="small" hx-post="/console/platform/shops/${shop.id}/enable" hx-target="#shop-${shop.id}" hx-swap="outerHTML">${t("platform.enable")}</button>`
    : own
      ? ""
      : html`<button type="button" class="danger small" hx-post="/console/platform/shops/${shop.id}/disable" hx-target="#shop-${shop.id}" hx-swap="outerHTML"
  hx-confirm="${t("platform.disableConfirm", { name: shop.name })}">${t("platform.disable")}</button>`;
  return html`<tbody id="shop-${shop.id}" class="shop ${shop.disabled ? "disabled" : ""}">
<tr>
  <th scope="row"><strong>${shop.name}</strong> <span class="muted">#${shop.id}</span>${own ? html` <span class="badge">${t("platform.yourShop")}</span>` : ""}</th>
  <td>${shop.disabled ? html`<span class="badge off">${t("platform.disabled")}</span>` : html`<span class="badge status-open">${t("platform.active")}</span>`}</td>
  <td class="number">${ofLimit(usage.agents, shop.maxAgents === null ? null : String(shop.maxAgents))}</td>
  <td class="number">${usage.openConversations}</td>
  <td class="number">${usage.conversationsThisMonth}</td>
  <td class="number">${usage.messages}</td>
  <td class="number">${ofLimit(`${megabytes(usage.storageBytes)} MB`, shop.maxStorageBytes === null ? null : `${megabytes(shop.maxStorageBytes)} MB`)}</td>
  <td class="when">${when(usage.lastActivityAt, t("platform.never"))}</td>
  <td>${toggle}</td>
</tr>
<tr class="shop-limits"><td colspan="9">${limitsForm(t, usage, state)}</td></tr>
</tbody>`;
}

export function platformPage(ctx: ConsoleContext, shops: ShopUsage[]): SafeHtml {
  const { t } = ctx;
  return consolePage(
    ctx,
    "platform",
    t("platform.title"),
    html`<h1>${t("platform.title")}</h1>
<p class="muted">${t("platform.intro")}</p>
<div class="table-scroll"><table class="platform-shops">
  <caption class="visually-hidden">${t("platform.title")}</caption>
  <thead><tr>
    <th scope="col">${t("platform.shop")}</th><th scope="col">${t("team.status")}</th><th scope="col">${t("platform.agents")}</th>
    <th scope="col">${t("platform.open")}</th><th scope="col">${t("platform.thisMonth")}</th><th scope="col">${t("platform.messages")}</th>
    <th scope="col">${t("platform.storage")}</th><th scope="col">${t("platform.lastActivity")}</th><th scope="col">${t("team.actions")}</th>
  </tr></thead>
  ${shops.map((usage) => shopRow(ctx, usage))}
</table></div>
<p class="muted">${t("platform.addHint")} <code>kefu shop add --name … --owner-email …</code></p>`,
  );
}
