// The conversation lists (history): tabs for closed, all open, mine and waiting; the closed list
// with its filters. One page at a time; "more" appends the next page (or follows its link
// without scripts).
import { ratingStars } from "./rating";
import { visitorName } from "./visitor-name";
import type { Agent } from "../domain/agents";
import { type ConversationListItem, type ConversationListName, type ConversationListPage, conversationLists, mayViewList } from "../domain/conversation-lists";
import type { Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { messageTime, systemText } from "./message";

export interface ConversationListState {
  list: ConversationListName;
  page: ConversationListPage;
  /** The closed list's filters as they were typed (kept in the form and in "more" links). */
  filters: { agent: string; from: string; to: string; rating: string };
  agents: Pick<Agent, "id" | "displayName" | "disabled">[];
  timezone: string;
  error: string | null;
}

const tabKeys = { closed: "lists.closed", open: "lists.allOpen", mine: "lists.mine", waiting: "lists.waiting" } as const;

function listUrl(list: ConversationListName, filters: ConversationListState["filters"], before?: string): string {
  const params = new URLSearchParams();
  if (list !== "closed") params.set("list", list);
  else for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  if (before) params.set("before", before);
  const query = params.toString();
  return `/console/conversations${query ? `?${query}` : ""}`;
}

function listItem(t: Translate, item: ConversationListItem, list: ConversationListName): SafeHtml {
  const { conversation } = item;
  const name = visitorName(t, { id: conversation.visitorId, name: item.visitorName });
  // What was last said; a thread of system events only (rare) shows the last event.
  const preview = item.lastWords ?? (item.lastSender === "system" ? systemText(t, { body: item.lastBody ?? "", meta: item.lastMeta }) : (item.lastBody ?? ""));
  const at = list === "closed" ? conversation.closedAt : item.lastAt;
  return html`<li class="list-item">
  <a href="/console/conversations/${conversation.id}">
    <span class="item-main"><strong>${name}</strong><span class="preview">${preview.slice(0, 160)}</span></span>
    <span class="list-meta">
      ${item.agentName ? html`<span>${icon("user")} ${item.agentName}</span>` : html`<span class="badge">${t("lists.unassigned")}</span>`}
      ${conversation.rating !== null ? ratingStars(t, conversation.rating) : ""}
      ${at ? messageTime(at) : ""}
    </span>
  </a>
</li>`;
}

/** A page of items and, when there is more, the "more" control that loads the next one in its place. */
export function listMore(ctx: ConsoleContext, state: ConversationListState): SafeHtml {
  const { t } = ctx;
  const next = state.page.next;
  const url = next === null ? null : listUrl(state.list, state.filters, next);
  return html`${state.page.items.map((item) => listItem(t, item, state.list))}${
    url
      ? html`<li class="more" id="list-more-item"><a class="button secondary" id="list-more" href="${url}" hx-get="${url}" hx-target="#list-more-item" hx-swap="outerHTML">${t("lists.more")}</a></li>`
      : ""
  }`;
}

function closedFilters(ctx: ConsoleContext, state: ConversationListState): SafeHtml {
  const { t } = ctx;
  const { filters } = state;
  const ratings: [string, string][] = [
    ["", t("lists.anyRating")],
    ...[5, 4, 3, 2, 1].map((n): [string, string] => [String(n), t("lists.ratedStars", { rating: n })]),
    ["rated", t("lists.rated")],
    ["unrated", t("lists.unrated")],
  ];
  return html`<form class="list-filters" method="get" action="/console/conversations">
  <div><label for="filter-agent">${t("lists.agent")}</label>
    <select id="filter-agent" name="agent">
      <option value="">${t("lists.anyAgent")}</option>
      ${state.agents.map((agent) => html`<option value="${agent.id}" ${String(agent.id) === filters.agent ? html`selected` : ""}>${agent.displayName}${agent.disabled ? ` (${t("lists.disabledAgent")})` : ""}</option>`)}
    </select></div>
  <div><label for="filter-from">${t("lists.from")}</label><input type="date" id="filter-from" name="from" value="${filters.from}"></div>
  <div><label for="filter-to">${t("lists.to")}</label><input type="date" id="filter-to" name="to" value="${filters.to}"></div>
  <div><label for="filter-rating">${t("lists.rating")}</label>
    <select id="filter-rating" name="rating">
      ${ratings.map(([value, label]) => html`<option value="${value}" ${value === filters.rating ? html`selected` : ""}>${label}</option>`)}
    </select></div>
  <div class="list-filter-actions"><button type="submit">${t("lists.filter")}</button>
    ${Object.values(filters).some(Boolean) ? html`<a href="/console/conversations">${t("lists.clear")}</a>` : ""}</div>
  <p class="muted small">${t("lists.timezone", { timezone: state.timezone })}</p>
</form>`;
}

export function conversationListPage(ctx: ConsoleContext, state: ConversationListState): SafeHtml {
  const { t } = ctx;
  const tabs = conversationLists.filter((list) => mayViewList(ctx.agent, list));
  return consolePage(
    ctx,
    "history",
    `${t("lists.title")} · ${t(tabKeys[state.list])}`,
    html`<div class="conversation-lists">
<h1>${t("lists.title")}</h1>
<nav class="tabs" aria-label="${t("lists.title")}">
  ${tabs.map((list) => html`<a href="${listUrl(list, { agent: "", from: "", to: "", rating: "" })}" ${list === state.list ? html`aria-current="page"` : ""}>${t(tabKeys[list])}</a>`)}
</nav>
${state.list === "closed" ? closedFilters(ctx, state) : ""}
${state.error ? html`<p class="field-error" role="alert">${state.error}</p>` : ""}
${
  state.page.items.length
    ? html`<ul class="history-list" id="history-list">${listMore(ctx, state)}</ul>`
    : state.error
      ? ""
      : html`<p class="muted">${t("lists.empty")}</p>`
}
</div>`,
  );
}
