// The live connection's state, on every page that keeps a socket (chat page and console): chat.js
// shows "Reconnecting…" when the socket drops and "Back online" when it returns, and labels the
// bubbles still on their way "Sending…". The texts travel as data attributes; they are set as text.
import type { Translate } from "../i18n";
import { html, type SafeHtml } from "./html";

export function connectionNotice(t: Translate): SafeHtml {
  return html`<div id="connection-state" class="connection-state" role="status" aria-live="polite" hidden
  data-lost="${t("connection.lost")}" data-back="${t("connection.back")}" data-sending="${t("message.sending")}"></div>`;
}
