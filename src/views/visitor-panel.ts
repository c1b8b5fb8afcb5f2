// What the agent knows of the visitor they are talking to: who they are, what they are looking
// at and from where, and what the team keeps about them (notes, tags, earlier conversations).
// Every value here came from the visitor's browser, the host site or a colleague, so all of it
// is escaped, and only http(s) URLs become links or images: a `javascript:` page URL or a
// `data:` product image stays inert text.
//
// The hub re-renders the panel whenever the visitor's page or details change (visitorPanelPartial)
// and knows nothing of the team's part. That push marks the team's part `hx-preserve`, so htmx
// keeps the one on screen, with whatever an agent is typing into it, instead of wiping it.
import { visitorAvatar } from "./visitor-avatar";
import { visitorName } from "./visitor-name";
import { describeUserAgent } from "../domain/user-agent";
import type { VisitorConversation, VisitorNote, VisitorProfile } from "../domain/visitor-profile";
import type { Visitor } from "../domain/visitors";
import type { FieldErrors } from "./form";
import { field } from "./form";
import type { Translate } from "../i18n";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { webUrl } from "../domain/fields";
import { limits } from "../domain/limits";
import { outLink } from "./links";
import { messageTime } from "./message";
import { productCard } from "./product-card";

/** A link when the URL is http(s), the text alone otherwise. */
function urlOrText(url: string, text: string): SafeHtml {
  const href = webUrl(url);
  return href ? outLink(href, text) : html`${text}`;
}

function row(term: string, detail: SafeHtml | string | number | null | undefined): SafeHtml {
  if (detail === null || detail === undefined || detail === "") return html``;
  return html`<dt>${term}</dt><dd>${detail}</dd>`;
}

/** The page the visitor is on: its title linking to it when the address is http(s). */
export function currentPage(visitor: Pick<Visitor, "currentPage" | "pageTitle">): SafeHtml | null {
  if (!visitor.currentPage) return visitor.pageTitle ? html`${visitor.pageTitle}` : null;
  if (webUrl(visitor.currentPage)) return outLink(visitor.currentPage, visitor.pageTitle || visitor.currentPage);
  return html`${visitor.pageTitle ? `${visitor.pageTitle} ` : ""}<span class="url">${visitor.currentPage}</span>`;
}

function browserLine(t: Translate, userAgent: string | null): SafeHtml | null {
  if (!userAgent) return null;
  const { browser, os, device } = describeUserAgent(userAgent);
  const parts = browser || os ? [browser, os, t(`visitorPanel.device.${device}`)] : [t("visitorPanel.unknownBrowser")];
  // The full string stays at hand for when the summary is not enough.
  return html`<span title="${userAgent}">${parts.filter(Boolean).join(" · ")}</span>`;
}

const visitorPath = (visitorId: number) => `/console/visitors/${visitorId}`;

/** Name, the verified badge and contact details; re-rendered by id after an agent edits them. */
export function visitorSummary(t: Translate, visitor: Visitor): SafeHtml {
  return html`<div id="visitor-summary">
  <header>
    ${visitorAvatar(visitor)}<strong class="visitor-name">${visitorName(t, visitor)}</strong>
    ${visitor.verified ? html`<span class="badge verified" title="${t("visitorPanel.verifiedHint")}">${t("visitorPanel.verified")}</span>` : ""}
    ${visitor.wechatId ? html`<span class="badge wechat" title="${t("visitorPanel.wechatHint")}">${t("visitorPanel.wechat")}</span>` : ""}
  </header>
  ${
    visitor.email || visitor.phone
      ? html`<dl class="contact">${row(t("visitorPanel.email"), visitor.email)}${row(t("visitorPanel.phone"), visitor.phone)}</dl>`
      : ""
  }
</div>`;
}

/**
 * The form that corrects the visitor's name, email and phone, folded away until wanted. After a
 * refusal it stays open with what was typed and why; after a save it folds again.
 */
export function contactEditor(
  t: Translate,
  visitor: Visitor,
  state: { values?: { name: string; email: string; phone: string }; errors?: FieldErrors; saved?: boolean } = {},
): SafeHtml {
  const errors = state.errors ?? {};
  const values = state.values ?? { name: visitor.name ?? "", email: visitor.email ?? "", phone: visitor.phone ?? "" };
  const open = Object.keys(errors).length > 0;
  return html`<details id="visitor-edit" class="visitor-edit" ${open ? html`open` : ""}>
  <summary>${icon("pencil")} ${t("visitorProfile.edit")}${state.saved ? html` <span class="saved" role="status">${t("visitorProfile.saved")}</span>` : ""}</summary>
  <form hx-post="${visitorPath(visitor.id)}/contact" hx-target="#visitor-edit" hx-swap="outerHTML">
    ${field(t, errors, { name: "name", id: "visitor-field-name", label: t("visitorProfile.name"), value: values.name, maxlength: limits.nameLength, autocomplete: "off" })}
    ${field(t, errors, { name: "email", id: "visitor-field-email", label: t("visitorPanel.email"), type: "email", value: values.email, maxlength: limits.emailLength, autocomplete: "off" })}
    ${field(t, errors, { name: "phone", id: "visitor-field-phone", label: t("visitorPanel.phone"), type: "tel", value: values.phone, maxlength: limits.phoneLength, autocomplete: "off" })}
    ${visitor.verified ? html`<p class="muted">${t("visitorProfile.verifiedEdit")}</p>` : ""}
    <button type="submit" class="small">${t("visitorProfile.save")}</button>
  </form>
</details>`;
}

/** The visitor's tags with a remove button each, and a field to add one (suggesting the shop's tags). */
export function tagsSection(
  t: Translate,
  visitorId: number,
  tags: string[],
  suggestions: string[],
  state: { value?: string; problem?: string } = {},
): SafeHtml {
  const offered = suggestions.filter((tag) => !tags.includes(tag));
  return html`<section id="visitor-tags" class="visitor-tags" aria-labelledby="visitor-tags-title">
  <h3 id="visitor-tags-title">${t("visitorProfile.tags")}</h3>
  ${
    tags.length
      ? html`<ul class="tag-list">${tags.map(
          (tag) => html`<li class="tag"><span>${tag}</span><form hx-post="${visitorPath(visitorId)}/tags/remove" hx-target="#visitor-tags" hx-swap="outerHTML">
      <input type="hidden" name="tag" value="${tag}">
      <button type="submit" class="icon-button" title="${t("visitorProfile.removeTag", { tag })}" aria-label="${t("visitorProfile.removeTag", { tag })}">${icon("x")}</button>
    </form></li>`,
        )}</ul>`
      : ""
  }
  ${
    tags.length < limits.visitorTagsPerVisitor
      ? html`<form class="tag-add" hx-post="${visitorPath(visitorId)}/tags" hx-target="#visitor-tags" hx-swap="outerHTML">
    <input name="tag" value="${state.value ?? ""}" list="visitor-tag-suggestions" maxlength="${limits.visitorTagLength}" autocomplete="off"
      placeholder="${t("visitorProfile.addTag")}" aria-label="${t("visitorProfile.addTag")}" ${state.problem ? html`aria-invalid="true" aria-describedby="visitor-tag-error"` : ""}>
    <datalist id="visitor-tag-suggestions">${offered.map((tag) => html`<option value="${tag}"></option>`)}</datalist>
    <button type="submit" class="secondary small">${t("visitorProfile.add")}</button>
  </form>`
      : html`<p class="muted">${t("visitorProfile.tooManyTags", { max: limits.visitorTagsPerVisitor })}</p>`
  }
  ${state.problem ? html`<p class="field-error" id="visitor-tag-error" role="alert">${state.problem}</p>` : ""}
</section>`;
}

function noteItem(t: Translate, note: VisitorNote): SafeHtml {
  return html`<li id="visitor-note-${note.id}">
  <p class="note-body">${note.body}</p>
  <small>${note.authorName ?? t("visitorProfile.formerMember")} · ${messageTime(note.createdAt)}</small>
</li>`;
}

/** Private notes: a field to add one, then the notes, newest first. Never part of any visitor page. */
export function notesSection(t: Translate, visitorId: number, notes: VisitorNote[], state: { value?: string; problem?: string } = {}): SafeHtml {
  return html`<section id="visitor-notes" class="visitor-notes" aria-labelledby="visitor-notes-title">
  <h3 id="visitor-notes-title">${t("visitorProfile.notes")}</h3>
  <form hx-post="${visitorPath(visitorId)}/notes" hx-target="#visitor-notes" hx-swap="outerHTML">
    <textarea name="body" rows="2" maxlength="${limits.visitorNoteLength}" placeholder="${t("visitorProfile.notePlaceholder")}" aria-label="${t("visitorProfile.notePlaceholder")}"
      ${state.problem ? html`aria-invalid="true" aria-describedby="visitor-note-error"` : ""}>${state.value ?? ""}</textarea>
    ${state.problem ? html`<p class="field-error" id="visitor-note-error" role="alert">${state.problem}</p>` : ""}
    <button type="submit" class="secondary small">${t("visitorProfile.addNote")}</button>
  </form>
  ${notes.length ? html`<ol class="note-list">${notes.map((note) => noteItem(t, note))}</ol>` : ""}
</section>`;
}

function conversationLine(t: Translate, conversation: VisitorConversation): SafeHtml {
  return html`<li>
  <a href="/console/conversations/${conversation.id}">${messageTime(conversation.openedAt)}</a>
  <span class="badge status-${conversation.status}">${t(`visitorProfile.status.${conversation.status}`)}</span>
  ${conversation.agentName ? html`<span class="muted">${conversation.agentName}</span>` : ""}
</li>`;
}

/** The visitor's conversations, newest first (at most limits.earlierConversationsShown). */
export function conversationsSection(t: Translate, conversations: VisitorConversation[]): SafeHtml {
  return html`<section id="visitor-conversations" class="visitor-conversations" aria-labelledby="visitor-conversations-title">
  <h3 id="visitor-conversations-title">${t("visitorProfile.conversations")}</h3>
  ${conversations.length ? html`<ol>${conversations.map((conversation) => conversationLine(t, conversation))}</ol>` : html`<p class="muted">${t("visitorProfile.noConversations")}</p>`}
</section>`;
}

/**
 * What the host site and the visitor's browser told us: attributes, product, page, device and
 * visits. `time` renders the first and last visit (a time of day beside a chat, a date elsewhere).
 */
export function visitDetails(t: Translate, visitor: Visitor, time: (at: number) => SafeHtml = messageTime): SafeHtml {
  const attributes = Object.entries(visitor.attributes ?? {});
  return html`${
    attributes.length
      ? html`<h3>${t("visitorPanel.attributes")}</h3>
  <dl class="attributes">${attributes.map(([key, value]) => row(key, String(value)))}</dl>`
      : ""
  }
  ${visitor.product ? html`<h3>${t("visitorPanel.product")}</h3>${productCard(visitor.product)}` : ""}
  <dl class="visit">
    ${row(t("visitorPanel.page"), currentPage(visitor))}
    ${row(t("visitorPanel.referrer"), visitor.referrer ? urlOrText(visitor.referrer, visitor.referrer) : null)}
    ${row(t("visitorPanel.browser"), browserLine(t, visitor.userAgent))}
    ${row(t("visitorPanel.language"), visitor.language)}
    ${row(t("visitorPanel.timezone"), visitor.timezone)}
    ${row(t("visitorPanel.ip"), visitor.lastIp)}
    ${row(t("visitorPanel.firstSeen"), time(visitor.firstSeenAt))}
    ${row(t("visitorPanel.lastSeen"), time(visitor.lastSeenAt))}
    ${row(t("visitorPanel.visits"), visitor.visitCount)}
  </dl>`;
}

function workspace(t: Translate, visitorId: number, profile: VisitorProfile): SafeHtml {
  return html`<div id="visitor-workspace">
  ${tagsSection(t, visitorId, profile.tags, profile.tagSuggestions)}
  ${notesSection(t, visitorId, profile.notes)}
  ${conversationsSection(t, profile.conversations)}
  <p><a href="/console/customers/${visitorId}">${icon("book-user")} ${t("customers.openPage")}</a></p>
</div>`;
}

/** Where the team's part is in a pushed panel: htmx keeps the one on screen in its place. */
const kept = (id: string) => html`<div id="${id}" hx-preserve></div>`;

/**
 * The side panel beside a conversation; its fixed id lets a pushed re-rendering replace it.
 * With `profile` (the conversation page) it carries the team's part: the contact editor, tags,
 * notes and conversations.
 */
export function visitorPanel(t: Translate, visitor: Visitor, profile?: VisitorProfile | "kept"): SafeHtml {
  return html`<aside id="visitor-panel" class="visitor-panel" data-visitor="${visitor.id}" aria-label="${t("visitorPanel.title")}">
  <button type="button" class="bar-button screen-back" data-show-screen="thread">${icon("arrow-left")} ${t("workspace.backToConversation")}</button>
  ${visitorSummary(t, visitor)}
  ${profile === "kept" ? kept("visitor-edit") : profile ? contactEditor(t, visitor) : ""}
  ${visitDetails(t, visitor)}
  ${profile === "kept" ? kept("visitor-workspace") : profile ? workspace(t, visitor.id, profile) : ""}
</aside>`;
}

/**
 * The panel as a realtime push: hx-ws swaps it over the open one by its id, like #agent-status.
 * The team's part on screen is kept as it is (see the top of this file).
 */
export function visitorPanelPartial(t: Translate, visitor: Visitor): SafeHtml {
  return html`<hx-partial hx-target="#visitor-panel" hx-swap="outerHTML">${visitorPanel(t, visitor, "kept")}</hx-partial>`;
}
