import { isKeptAvatar } from "../domain/avatars";
import { html, type SafeHtml } from "./html";

/**
 * The visitor's picture when Kefu keeps one (a WeChat sign-in's), else nothing: a host page's
 * avatar URL would have the agent's browser load a third party's image, telling it who reads when.
 */
export function visitorAvatar(visitor: { avatar: string | null }, size: "small" | "" = ""): SafeHtml | "" {
  return isKeptAvatar(visitor.avatar) ? html`<img class="avatar visitor-avatar ${size}" src="${visitor.avatar}" alt="">` : "";
}
