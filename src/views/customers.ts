// Console → Customers (客户): find a customer by what they told us, narrow by tag and last seen,
// order by last seen or conversations. One page at a time; "more" appends the next page (or
// follows its link without scripts), like the history.
import { type CustomerListItem, type CustomerPage, customerOrders, lastSeenRanges } from "../domain/customers";
import type { Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { when } from "./time";
import { visitorName } from "./visitor-name";

/** The list's filters as they were typed (kept in the form and in "more" links). */
export interface CustomerListFilters {
  q: string;
  tag: string;
  seen: string;
  order: string;
}

export interface CustomerListState {
  page: CustomerPage;
  filters: CustomerListFilters;
  /** The shop's tags, to filter by. */
  tags: string[];
  error: string | null;
  /** Just deleted a customer: the list says so. */
  deleted: boolean;
}

export const noCustomerFilters: CustomerListFilters = { q: "", tag: "", seen: "", order: "" };

function listUrl(filters: CustomerListFilters, after?: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  if (after) params.set("after", after);
  const query = params.toString();
  return `/console/customers${query ? `?${query}` : ""}`;
}

function customerItem(t: Translate, customer: CustomerListItem): SafeHtml {
  const contact = [customer.email, customer.phone, customer.externalId].filter(Boolean);
  return html`<li class="customer-item">
  <a href="/console/customers/${customer.id}">
    <span class="item-main">
      <strong>${visitorName(t, customer)}${customer.verified ? html` <span class="badge verified" title="${t("visitorPanel.verifiedHint")}">${t("visitorPanel.verified")}</span>` : ""}${
        customer.blocked ? html` <span class="badge off">${t("customers.blocked")}</span>` : ""
      }</strong>
      ${contact.length ? html`<span class="customer-contact">${contact.join(" · ")}</span>` : ""}
      ${customer.tags.length ? html`<span class="customer-tags">${customer.tags.map((tag) => html`<span class="tag">${tag}</span>`)}</span>` : ""}
    </span>
    <span class="list-meta">
      <span title="${t("customers.conversationCount")}">${icon("message-square")} ${customer.conversationCount}</span>
      <span>${t("customers.seen")} ${when(customer.lastSeenAt, "")}</span>
    </span>
  </a>
</li>`;
}

/** A page of customers and, when there is more, the "more" control that loads the next one in its place. */
export function customerListMore(ctx: ConsoleContext, state: CustomerListState): SafeHtml {
  const { t } = ctx;
  const next = state.page.next;
  const url = next === null ? null : listUrl(state.filters, next);
  return html`${state.page.items.map((customer) => customerItem(t, customer))}${
    url
      ? html`<li class="more" id="customers-more-item"><a class="button secondary" id="customers-more" href="${url}" hx-get="${url}" hx-target="#customers-more-item" hx-swap="outerHTML">${t("customers.more")}</a></li>`
      : ""
  }`;
}

function select(id: string, label: string, current: string, options: [string, string][]): SafeHtml {
  return html`<div><label for="${id}">${label}</label>
    <select id="${id}" name="${id.replace("customer-", "")}">
      ${options.map(([value, text]) => html`<option value="${value}" ${value === current ? html`selected` : ""}>${text}</option>`)}
    </select></div>`;
}

function filterForm(ctx: ConsoleContext, state: CustomerListState): SafeHtml {
  const { t } = ctx;
  const { filters } = state;
  // A tag typed in a link but no longer in use still shows as chosen.
  const tags = filters.tag && !state.tags.includes(filters.tag) ? [filters.tag, ...state.tags] : state.tags;
  return html`<form class="list-filters customer-filters" method="get" action="/console/customers" role="search">
  <div class="customer-search"><label for="customer-q">${t("customers.search")}</label>
    <input type="search" id="customer-q" name="q" value="${filters.q}" maxlength="200" placeholder="${t("customers.searchPlaceholder")}"></div>
  ${select("customer-tag", t("customers.tag"), filters.tag, [["", t("customers.anyTag")], ...tags.map((tag): [string, string] => [tag, tag])])}
  ${select("customer-seen", t("customers.lastSeen"), filters.seen, [["", t("customers.seenAny")], ...lastSeenRanges.map((range): [string, string] => [range, t(`customers.seen.${range}`)])])}
  ${select("customer-order", t("customers.order"), filters.order, customerOrders.map((order): [string, string] => [order === "seen" ? "" : order, t(`customers.order.${order}`)]))}
  <div class="list-filter-actions"><button type="submit">${icon("search")} ${t("customers.filter")}</button>
    ${Object.values(filters).some(Boolean) ? html`<a href="/console/customers">${t("lists.clear")}</a>` : ""}</div>
  <p class="muted small">${t("customers.who")}</p>
</form>`;
}

export function customerListPage(ctx: ConsoleContext, state: CustomerListState): SafeHtml {
  const { t } = ctx;
  const filtered = Object.values(state.filters).some(Boolean);
  return consolePage(
    ctx,
    "customers",
    t("customers.title"),
    html`<div class="customers">
<h1>${t("customers.title")}</h1>
${state.deleted ? html`<p class="notice ok" role="status" id="customer-deleted">${t("customers.deleted")}</p>` : ""}
${filterForm(ctx, state)}
${state.error ? html`<p class="field-error" role="alert">${state.error}</p>` : ""}
${
  state.page.items.length
    ? html`<ul class="history-list customer-list" id="customer-list">${customerListMore(ctx, state)}</ul>`
    : state.error
      ? ""
      : html`<p class="muted" id="customers-empty">${t(filtered ? "customers.noMatch" : "customers.empty")}</p>`
}
</div>`,
  );
}
