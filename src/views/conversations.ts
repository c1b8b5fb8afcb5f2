import { html, type SafeHtml } from "./html";
import { icon } from "./icons";
import { type ConsoleContext, consolePage } from "./console";

export function conversationsPage(ctx: ConsoleContext): SafeHtml {
  const { t } = ctx;
  return consolePage(
    ctx,
    "conversations",
    t("conversations.title"),
    html`<h1>${t("conversations.title")}</h1>
<div class="empty" id="conversations-empty">
  ${icon("inbox")}
  <p><strong>${t("conversations.empty")}</strong></p>
  <p>${t("conversations.emptyHint")}</p>
</div>`,
  );
}
