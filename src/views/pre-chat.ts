// The pre-chat form that takes the composer's place until the shop knows who the visitor is; its
// question becomes their first message.
import { messageLimits } from "../domain/limits";
import type { OfflineField } from "../domain/offline-messages";
import type { PreChatInput } from "../domain/pre-chat";
import { type FieldErrors, textArea } from "./form";
import { contactFields, firstContactError } from "./leave-message";
import { html, type SafeHtml } from "./html";
import type { PageContext } from "./page";

export interface PreChatState {
  /** Where the form posts (under the shop's chat path, where the visitor cookie goes). */
  action: string;
  required: readonly OfflineField[];
  /** Made with the page: submitting twice sends the question once. */
  clientId: string;
  values?: Partial<PreChatInput>;
  errors?: FieldErrors;
}

export function preChatForm(ctx: PageContext, state: PreChatState): SafeHtml {
  const { t } = ctx;
  const values = state.values ?? {};
  const errors = state.errors ?? {};
  // The textarea is not named "body": chat.js sends any textarea[name=body] on Enter.
  return html`<section id="pre-chat" class="leave-message pre-chat" aria-labelledby="pre-chat-title">
  <h2 id="pre-chat-title">${t("preChat.title")}</h2>
  <p class="offline-text">${t("preChat.intro")}</p>
  <form method="post" action="${state.action}" hx-post="${state.action}" hx-target="#pre-chat" hx-swap="outerHTML" novalidate>
    <input type="hidden" name="clientId" value="${state.clientId}">
    ${contactFields(t, errors, state.required, values)}
    ${textArea(t, errors, { id: "field-question", name: "question", label: t("preChat.question"), value: values.question ?? "", maxlength: messageLimits.bodyLength, rows: 3, autofocus: !firstContactError(errors) && !!errors.question })}
    <div class="actions"><button type="submit">${t("preChat.submit")}</button></div>
  </form>
</section>`;
}
