// WeChat's web sign-in for official accounts (网页授权, scope snsapi_userinfo): the page that asks
// the user to agree, then the code exchanged for an access token and the user's profile. WeChat
// answers a failure with status 200 and `{ errcode, errmsg }`, so every answer is checked for it.
import type { WeChatUrls } from "../config";
import type { WeChatAccount } from "./wechat-accounts";

export interface WeChatUser {
  /** The unionid when the account is linked to an open platform (one id across the shop's apps), else the openid. */
  id: string;
  nickname: string;
  /** An http(s) URL of the user's picture, or "" when they have none. */
  avatarUrl: string;
}

/** WeChat refused (an errcode), answered something else than its protocol, or could not be reached. */
export class WeChatError extends Error {}

const answerTimeoutMs = 5000;

export function authorizeUrl(urls: WeChatUrls, appId: string, redirectUri: string, state: string): string {
  const query = new URLSearchParams({ appid: appId, redirect_uri: redirectUri, response_type: "code", scope: "snsapi_userinfo", state });
  // WeChat reads its parameters in this order and wants the fragment, or it shows an error page.
  return `${urls.openUrl}/connect/oauth2/authorize?${query}#wechat_redirect`;
}

async function ask(urls: WeChatUrls, path: string, query: Record<string, string>): Promise<Record<string, unknown>> {
  let answer: unknown;
  try {
    const response = await fetch(`${urls.apiUrl}${path}?${new URLSearchParams(query)}`, { signal: AbortSignal.timeout(answerTimeoutMs), redirect: "error" });
    if (!response.ok) throw new WeChatError(`${path} answered HTTP ${response.status}`);
    answer = await response.json();
  } catch (error) {
    if (error instanceof WeChatError) throw error;
    throw new WeChatError(`${path} could not be reached: ${(error as Error).message}`);
  }
  if (typeof answer !== "object" || answer === null) throw new WeChatError(`${path} answered no object`);
  const fields = answer as Record<string, unknown>;
  if (fields.errcode !== undefined && fields.errcode !== 0) throw new WeChatError(`${path} refused: errcode ${String(fields.errcode)} ${String(fields.errmsg ?? "")}`);
  return fields;
}

const text = (value: unknown) => (typeof value === "string" ? value : "");

/** Exchanges the code WeChat gave the callback for the user's id, nickname and picture. */
export async function fetchWeChatUser(urls: WeChatUrls, account: Pick<WeChatAccount, "appId" | "appSecret">, code: string): Promise<WeChatUser> {
  const token = await ask(urls, "/sns/oauth2/access_token", { appid: account.appId, secret: account.appSecret, code, grant_type: "authorization_code" });
  const accessToken = text(token.access_token);
  const openid = text(token.openid);
  if (!accessToken || !openid) throw new WeChatError("/sns/oauth2/access_token answered no access_token or openid");
  const user = await ask(urls, "/sns/userinfo", { access_token: accessToken, openid, lang: "zh_CN" });
  const avatarUrl = text(user.headimgurl);
  return {
    id: (text(user.unionid) || text(token.unionid) || text(user.openid) || openid).slice(0, 128),
    nickname: text(user.nickname).trim().slice(0, 100),
    avatarUrl: /^https?:\/\//.test(avatarUrl) ? avatarUrl : "",
  };
}
