// What the agent knows of the visitor they are talking to: who they are, what they are looking
// at and from where. Every value here came from the visitor's browser or the host site, so all
// of it is escaped, and only http(s) URLs become links or images: a `javascript:` page URL or
// a `data:` product image stays inert text.
import { describeUserAgent } from "../domain/user-agent";
import type { Visitor } from "../domain/visitors";
import type { Translate } from "../i18n";
import { html, type SafeHtml } from "./html";
import { webUrl } from "../domain/fields";
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

function currentPage(visitor: Visitor): SafeHtml | null {
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

/** The side panel beside a conversation; its fixed id lets a pushed re-rendering replace it. */
export function visitorPanel(t: Translate, visitor: Visitor): SafeHtml {
  const attributes = Object.entries(visitor.attributes ?? {});
  return html`<aside id="visitor-panel" class="visitor-panel" data-visitor="${visitor.id}" aria-label="${t("visitorPanel.title")}">
  <header>
    <strong class="visitor-name">${visitor.name || t("chat.visitor", { id: visitor.id })}</strong>
    ${visitor.verified ? html`<span class="badge verified" title="${t("visitorPanel.verifiedHint")}">${t("visitorPanel.verified")}</span>` : ""}
  </header>
  ${
    visitor.email || visitor.phone
      ? html`<dl class="contact">${row(t("visitorPanel.email"), visitor.email)}${row(t("visitorPanel.phone"), visitor.phone)}</dl>`
      : ""
  }
  ${
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
    ${row(t("visitorPanel.firstSeen"), messageTime(visitor.firstSeenAt))}
    ${row(t("visitorPanel.lastSeen"), messageTime(visitor.lastSeenAt))}
    ${row(t("visitorPanel.visits"), visitor.visitCount)}
  </dl>
</aside>`;
}

/** The panel as a realtime push: hx-ws swaps it over the open one by its id, like #agent-status. */
export function visitorPanelPartial(t: Translate, visitor: Visitor): SafeHtml {
  return html`<hx-partial hx-target="#visitor-panel" hx-swap="outerHTML">${visitorPanel(t, visitor)}</hx-partial>`;
}
