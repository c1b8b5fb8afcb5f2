// Deployment → links → WeChat sign-in, under the WeChat menu link: the official account's AppID
// and AppSecret (owners only). The stored secret never goes back into the page, only that it is set.
import type { WeChatAccount } from "../domain/wechat-accounts";
import { mayConfigureWeChat } from "../domain/permissions";
import type { ConsoleContext } from "./console";
import { field, fieldError, type FieldErrors, invalid, notice } from "./form";
import { html, type SafeHtml } from "./html";

export const wechatSettingsPath = "/console/deploy/wechat";

export interface WeChatSettingsState {
  saved?: boolean;
  errors?: FieldErrors;
  /** What was typed, shown again with what is wrong (never the secret). */
  typed?: { appId: string; enabled: boolean };
}

export function wechatSignInSettings(ctx: ConsoleContext, account: Pick<WeChatAccount, "appId" | "enabled"> | undefined, domain: string, state: WeChatSettingsState = {}): SafeHtml {
  const { t } = ctx;
  const errors = state.errors ?? {};
  const on = account?.enabled === true;
  const status = html`<p class="wechat-status"><span class="badge ${on ? "on" : ""}">${t(on ? "wechat.on" : "wechat.off")}</span> ${t(on ? "wechat.onHint" : "wechat.offHint")}</p>`;
  if (!mayConfigureWeChat(ctx.agent)) {
    return html`<div class="wechat-sign-in" id="wechat-sign-in"><h3>${t("wechat.title")}</h3>${status}<p class="muted">${t("wechat.ownersOnly")}</p></div>`;
  }
  const values = state.typed ?? { appId: account?.appId ?? "", enabled: account?.enabled ?? true };
  return html`<div class="wechat-sign-in" id="wechat-sign-in">
  <h3>${t("wechat.title")}</h3>
  ${state.saved ? notice("ok", t("settings.saved")) : ""}
  ${status}
  <p class="muted">${t("wechat.intro", { domain })}</p>
  <form method="post" action="${wechatSettingsPath}#wechat-sign-in" novalidate>
    ${field(t, errors, { name: "appId", label: t("wechat.appId"), value: values.appId, maxlength: 18, autocomplete: "off" })}
    <label for="field-appSecret">${t("wechat.appSecret")}</label>
    <input id="field-appSecret" name="appSecret" type="password" value="" maxlength="32" autocomplete="new-password" spellcheck="false"
      placeholder="${account ? t("wechat.appSecretKept") : ""}" ${invalid(errors, "appSecret")}>
    ${fieldError(t, errors, "appSecret")}
    <label class="check"><input type="checkbox" name="enabled" value="on" ${values.enabled ? html`checked` : ""}> ${t("wechat.enabled")}</label>
    <div class="actions"><button type="submit">${t("settings.submit")}</button></div>
  </form>
</div>`;
}
