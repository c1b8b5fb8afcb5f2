// Who is asking: the signed-in agent (from the session cookie) and the language to answer in.
import { Elysia } from "elysia";
import type { AppDeps } from "../app";
import { findSignedIn } from "../domain/sessions";
import { localeFromAcceptLanguage, translator } from "../i18n";
import type { PageContext } from "../views/page";

export const sessionCookieName = "kefu_session";

export function signedInContext({ db, secret }: AppDeps) {
  return new Elysia().derive({ as: "scoped" }, ({ cookie, request }) => {
    const token = cookie[sessionCookieName]?.value;
    const signedIn = typeof token === "string" && token ? findSignedIn(db, secret, token) : null;
    const locale = signedIn?.agent.locale ?? localeFromAcceptLanguage(request.headers.get("accept-language"));
    const page: PageContext = { t: translator(locale), locale };
    return { signedIn, sessionToken: typeof token === "string" ? token : null, page };
  });
}
