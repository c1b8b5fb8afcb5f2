// WeChat sign-in on the official account's menu link: the chat page sends a visitor who came by
// it (`?via=wechat`, in WeChat's browser) to WeChat to agree, and WeChat sends them back here with
// a code. Whatever goes wrong (they refuse, WeChat errs or is unreachable, the state is not theirs)
// they chat as before, anonymous, and the log says why. Only ever back to our own chat page.
import { Elysia, t } from "elysia";
import type { AppDeps } from "../app";
import { wechatUrls } from "../config";
import type { Business } from "../domain/businesses";
import { NotFoundError } from "../domain/errors";
import { isWeChat } from "../domain/user-agent";
import type { Visitor } from "../domain/visitors";
import { signInAccount } from "../domain/wechat-accounts";
import { authorizeUrl, fetchWeChatUser, WeChatError, type WeChatUser } from "../domain/wechat-oauth";
import { findWeChatVisitor, keepWeChatUser, takeOverVisitor } from "../domain/wechat-sign-in";
import { isSignInState, signInState } from "../domain/wechat-state";
import type { Hub } from "../realtime/hub";
import { type ChatLink, chatLink } from "./chat-links";
import { linkQuery, visitorCookieName, visitorFromCookie } from "./visitor-cookie";

/** The chat page after a sign-in that did not happen: it must not send them to WeChat again. */
function skipped(link: string): string {
  return `${link}${link.includes("?") ? "&" : "?"}anonymous=1`;
}

/**
 * Where the chat page sends this visitor first, or null to show itself: only a visitor on the
 * WeChat link, in WeChat's browser (elsewhere WeChat's page says "open in WeChat" and stops), not
 * yet known to WeChat sign-in, of a shop that set it up.
 */
export function wechatSignInUrl(
  { db, secret, config }: Pick<AppDeps, "db" | "secret" | "config">,
  request: Request,
  signIn: { business: Business; visitor: Visitor | null; visitorToken: string; widgetKey: string; opened: ChatLink },
): string | null {
  const { opened } = signIn;
  if (opened.via !== "wechat" || opened.embed === "1" || opened.anonymous === "1" || signIn.visitor?.wechatId) return null;
  if (!isWeChat(request.headers.get("user-agent"))) return null;
  const account = signInAccount(db, signIn.business.id);
  if (!account) return null;
  const callback = `${config.publicUrl ?? new URL(request.url).origin}${chatLink(signIn.widgetKey, opened, { path: "/wechat" })}`;
  return authorizeUrl(config.wechat ?? wechatUrls, account.appId, callback, signInState(secret, signIn.business.id, signIn.visitorToken));
}

export function wechatSignInRoutes(deps: AppDeps, hub: Hub) {
  const { db, secret, config, uploadsDir, log } = deps;
  return new Elysia().get(
    "/chat/:widgetKey/wechat",
    async ({ params, query, cookie, request, server, set }) => {
      const { business, visitor, blocked } = visitorFromCookie(deps, params.widgetKey, cookie, request, server, query.locale);
      if (!business) throw new NotFoundError("chat");
      const chat = chatLink(params.widgetKey, query);
      const back = (location: string) => {
        set.status = 303;
        set.headers.location = location;
        return "";
      };
      const account = signInAccount(db, business.id);
      // Blocked, or signed in already (a second tap on "agree"): the chat page says the rest.
      if (blocked || !account || visitor?.wechatId) return back(chat);
      const token = cookie[visitorCookieName]?.value;
      if (typeof token !== "string" || !query.state || !isSignInState(secret, business.id, token, query.state)) {
        log.warn("wechat sign-in refused: the state is missing, expired or another visitor's", { businessId: business.id });
        return back(skipped(chat));
      }
      if (!query.code) {
        log.info("wechat sign-in declined by the visitor", { businessId: business.id, visitorId: visitor?.id });
        return back(skipped(chat));
      }
      let user: WeChatUser;
      try {
        user = await fetchWeChatUser(config.wechat ?? wechatUrls, account, query.code);
      } catch (error) {
        if (!(error instanceof WeChatError)) throw error;
        log.warn("wechat sign-in failed", { businessId: business.id, visitorId: visitor?.id, reason: error.message });
        return back(skipped(chat));
      }
      // A new browser of a WeChat user the shop knows is that customer; any other is stored now.
      const known = visitor ? undefined : findWeChatVisitor(db, business.id, user.id);
      const signingIn = known
        ? takeOverVisitor(db, secret, known, token)
        : (visitor ?? visitorFromCookie(deps, params.widgetKey, cookie, request, server, query.locale, true).visitor);
      if (!signingIn) return back(skipped(chat));
      const signedIn = await keepWeChatUser(db, uploadsDir, log, signingIn, user);
      hub.visitorChanged(signedIn, { renamed: signedIn.name !== signingIn.name || signedIn.avatar !== signingIn.avatar });
      return back(chat);
    },
    {
      query: t.Composite([linkQuery, t.Object({ code: t.Optional(t.String({ maxLength: 512 })), state: t.Optional(t.String({ maxLength: 256 })) })]),
    },
  );
}
