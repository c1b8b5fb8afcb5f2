// The `state` of WeChat sign-in guards the callback against login CSRF: without it, anyone could
// send a visitor's browser to our callback with a code of the attacker's own WeChat account and
// have the shop take the visitor for the attacker. It is signed with the server secret, bound to
// this shop and this visitor's cookie token, and good for a few minutes. WeChat passes it back
// unchanged but takes only letters and digits, at most 128: ten digits of expiry and 64 hex.
import { createHmac, timingSafeEqual } from "node:crypto";

export const signInStateLifetimeMs = 10 * 60_000;

function signature(secret: string, businessId: number, visitorToken: string, expiresAt: number): string {
  return createHmac("sha256", secret).update(`wechat-sign-in\n${businessId}\n${visitorToken}\n${expiresAt}`).digest("hex");
}

export function signInState(secret: string, businessId: number, visitorToken: string, now = Date.now()): string {
  const expiresAt = Math.floor((now + signInStateLifetimeMs) / 1000);
  return `${String(expiresAt).padStart(10, "0")}${signature(secret, businessId, visitorToken, expiresAt)}`;
}

/** Whether this state was made by this server, for this shop and visitor, and has not expired. */
export function isSignInState(secret: string, businessId: number, visitorToken: string, state: string, now = Date.now()): boolean {
  const parts = /^(\d{10})([0-9a-f]{64})$/.exec(state);
  if (!parts) return false;
  const expiresAt = Number(parts[1]);
  if (expiresAt * 1000 < now) return false;
  const expected = Buffer.from(signature(secret, businessId, visitorToken, expiresAt), "hex");
  return timingSafeEqual(expected, Buffer.from(parts[2]!, "hex"));
}
