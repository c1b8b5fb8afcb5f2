// A likeness of the chat window and its button as visitors will see them, drawn from appearance
// settings that may not be saved yet: the Deploy page asks for it again as its form changes. It
// takes the shop's colour through the same --brand, --on-brand and --brand-ink properties as the
// chat window itself (brand.ts), so a pale colour gets dark text here as it will there.
import type { WidgetAppearance } from "../domain/businesses";
import type { Translate } from "../i18n";
import { brandStyle } from "./brand";
import { html, type SafeHtml } from "./html";
import { icon } from "./icons";

export function widgetPreview(t: Translate, appearance: WidgetAppearance, shopName: string): SafeHtml {
  const title = appearance.title.trim() || shopName;
  const greeting = appearance.greeting.trim();
  const side = appearance.position === "left" ? "left" : "right";
  return html`<div id="widget-preview" class="widget-preview at-${side}" style="${brandStyle(appearance.color.trim())}" aria-hidden="true">
  <div class="preview-window">
    <div class="preview-header"><strong>${title}</strong><small><span class="dot online"></span> ${t("chat.online")}</small></div>
    <div class="preview-thread">
      <p class="preview-message theirs">${t("chat.welcome")}</p>
      <p class="preview-message mine">${t("deploy.previewQuestion")}</p>
      <p class="preview-message theirs">${t("deploy.previewAnswer")} <a>${t("deploy.previewLink")}</a></p>
    </div>
    <div class="preview-composer"><span>${t("composer.placeholder")}</span><span class="preview-send">${icon("send")}</span></div>
  </div>
  <div class="preview-launcher-row">
    ${greeting ? html`<p class="preview-greeting">${greeting}</p>` : ""}
    <span class="preview-launcher">${icon("message-square")}</span>
  </div>
</div>`;
}
