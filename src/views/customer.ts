// One customer's page: who they are (the visitor panel's pieces: contact details and their
// editor, attributes, visits, tags, notes) and every conversation they had, each opening as the
// history does. The heading is the conversation's title element, so a rename here updates it as it
// does beside a chat. Owners also get their data as JSON and the way to delete them, asked twice: a
// button here, then a page that names the customer and everything that will go.
import type { CustomerConversation, CustomerConversationPage } from "../domain/customers";
import { mayManageCustomerData } from "../domain/permissions";
import type { VisitorProfile } from "../domain/visitor-profile";
import type { Visitor } from "../domain/visitors";
import type { Translate } from "../i18n";
import { type ConsoleContext, consolePage } from "./console";
import { conversationTitle } from "./conversation-header";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { ratingStars } from "./rating";
import { when } from "./time";
import { visitorName } from "./visitor-name";
import { contactEditor, notesSection, tagsSection, visitDetails, visitorSummary } from "./visitor-panel";

const customerPath = (visitorId: number) => `/console/customers/${visitorId}`;

function conversationRow(t: Translate, conversation: CustomerConversation): SafeHtml {
  return html`<li class="list-item">
  <a href="/console/conversations/${conversation.id}">
    <span class="item-main">
      <span class="customer-conversation-head">
        <span class="badge status-${conversation.status}">${t(`visitorProfile.status.${conversation.status}`)}</span>
        ${when(conversation.openedAt, "")}
        ${conversation.closedAt ? html`<span class="muted">→ ${when(conversation.closedAt, "")}</span>` : ""}
      </span>
      <span class="preview">${conversation.firstLine ? conversation.firstLine.slice(0, 160) : t("customers.noWords")}</span>
    </span>
    <span class="list-meta">
      ${conversation.agentName ? html`<span>${icon("user")} ${conversation.agentName}</span>` : html`<span class="badge">${t("lists.unassigned")}</span>`}
      ${conversation.rating !== null ? ratingStars(t, conversation.rating) : ""}
    </span>
  </a>
</li>`;
}

/** A page of the customer's conversations and, when there is more, the control that loads the next. */
export function customerConversationsMore(t: Translate, visitorId: number, page: CustomerConversationPage): SafeHtml {
  const url = page.next === null ? null : `${customerPath(visitorId)}?before=${page.next}`;
  return html`${page.items.map((conversation) => conversationRow(t, conversation))}${
    url
      ? html`<li class="more" id="customer-conversations-more-item"><a class="button secondary" href="${url}" hx-get="${url}" hx-target="#customer-conversations-more-item" hx-swap="outerHTML">${t("lists.more")}</a></li>`
      : ""
  }`;
}

function ownerActions(t: Translate, visitor: Visitor): SafeHtml {
  return html`<div class="customer-actions">
  <form method="post" action="${customerPath(visitor.id)}/export">
    <button type="submit" class="secondary" id="customer-export">${icon("download")} ${t("customers.export")}</button>
  </form>
  <a class="button danger" id="customer-delete" href="${customerPath(visitor.id)}/delete">${t("customers.delete")}</a>
</div>`;
}

export function customerPage(ctx: ConsoleContext, visitor: Visitor, profile: Omit<VisitorProfile, "conversations">, conversations: CustomerConversationPage): SafeHtml {
  const { t } = ctx;
  const name = visitorName(t, visitor);
  return consolePage(
    ctx,
    "customers",
    `${name} · ${t("customers.title")}`,
    html`<div class="customer-page">
<p class="back-link"><a href="/console/customers">${icon("arrow-left")} ${t("customers.title")}</a></p>
<div class="customer-heading">
  <h1>${conversationTitle(t, visitor)}</h1>
  ${visitor.blocked ? html`<span class="badge off">${t("customers.blocked")}</span>` : ""}
  ${mayManageCustomerData(ctx.agent) ? ownerActions(t, visitor) : ""}
</div>
<div class="customer-layout">
  <section class="customer-card visitor-panel" aria-label="${t("customers.details")}">
    ${visitorSummary(t, visitor)}
    ${contactEditor(t, visitor)}
    ${visitDetails(t, visitor, (at) => when(at, ""))}
    ${tagsSection(t, visitor.id, profile.tags, profile.tagSuggestions)}
    ${notesSection(t, visitor.id, profile.notes)}
  </section>
  <section class="customer-conversations" aria-labelledby="customer-conversations-title">
    <h2 id="customer-conversations-title">${t("customers.conversations", { count: visitor.conversationCount })}</h2>
    ${
      conversations.items.length
        ? html`<ul class="history-list" id="customer-conversation-list">${customerConversationsMore(t, visitor.id, conversations)}</ul>`
        : html`<p class="muted">${t("visitorProfile.noConversations")}</p>`
    }
  </section>
</div>
</div>`,
  );
}

/** The second ask before a deletion: whom, and everything that goes with them. */
export function customerDeletePage(
  ctx: ConsoleContext,
  visitor: Visitor,
  preview: { conversations: number; messages: number; files: number; ongoing: boolean },
  problem: string | null = null,
): SafeHtml {
  const { t } = ctx;
  const name = visitorName(t, visitor);
  return consolePage(
    ctx,
    "customers",
    t("customers.deleteTitle", { name }),
    html`<div class="customer-delete panel card">
<h1>${t("customers.deleteTitle", { name })}</h1>
<p>${t("customers.deleteIntro")}</p>
<ul id="customer-delete-what">
  <li>${t("customers.deleteConversations", { count: preview.conversations, messages: preview.messages })}</li>
  <li>${t("customers.deleteFiles", { count: preview.files })}</li>
  <li>${t("customers.deleteRest")}</li>
</ul>
${preview.ongoing ? html`<p class="notice error" role="note">${t("customers.deleteOngoing")}</p>` : ""}
<form method="post" action="${customerPath(visitor.id)}/delete">
  <label class="inline"><input type="checkbox" name="understood" value="yes" required ${problem ? html`aria-invalid="true" aria-describedby="customer-delete-error"` : ""}> ${t("customers.deleteUnderstood")}</label>
  ${problem ? html`<p class="field-error" id="customer-delete-error" role="alert">${problem}</p>` : ""}
  <div class="actions">
    <button type="submit" class="danger" id="customer-delete-confirm">${t("customers.deleteConfirm", { name })}</button>
    <a href="${customerPath(visitor.id)}">${t("customers.cancel")}</a>
  </div>
</form>
</div>`,
  );
}
