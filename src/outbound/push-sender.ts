// Sends one push to one device: the notification encrypted for that browser (push-encryption.ts),
// signed as us (vapid.ts), to its push service. A push service is on the public internet, so its
// host is checked as a webhook's is (public-address.ts); a server option allows private ones for tests.
// A device its push service no longer knows (404, 410) is forgotten, and the push is not tried again.
import type { Database } from "../db/client";
import { type AttemptOutcome, type Delivery, responseExcerptLength } from "../domain/deliveries";
import { findDevice, forgetDevice, vapidKeyPair } from "../domain/push-subscriptions";
import { version } from "../version";
import { pinnedTo, resolveForCall } from "./public-address";
import type { PushPayload } from "./push-announcer";
import { encryptPushPayload } from "./push-encryption";
import { vapidAuthorization } from "./vapid";

export const pushTimeoutMs = 10_000;
/** How long the push service keeps a push for a device that is off: later, the news is stale. */
export const pushTtlSeconds = 60 * 60;

export function pushSender(db: Database, options: { allowPrivate: boolean; publicUrl: string | null }) {
  const keys = vapidKeyPair(db);
  // RFC 8292 asks for a way to reach the sender: the server's address, else a placeholder mail.
  const subject = options.publicUrl?.startsWith("https:") ? options.publicUrl : "mailto:kefu@localhost";
  return async (delivery: Delivery): Promise<AttemptOutcome> => {
    const payload = JSON.parse(delivery.payload) as PushPayload;
    const device = findDevice(db, payload.deviceId);
    if (!device) return { ok: false, final: true, code: null, response: "the device was unsubscribed" };
    const url = new URL(device.endpoint);
    const resolved = await resolveForCall(url, options.allowPrivate);
    if ("refused" in resolved) return { ok: false, final: true, code: null, response: `refused: ${url.hostname} is at ${resolved.refused}, a private address` };
    const pinned = resolved.pinned ? pinnedTo(url, resolved.pinned) : null;
    const body = encryptPushPayload(JSON.stringify(payload.notification), {
      p256dh: Buffer.from(device.p256dh, "base64url"),
      auth: Buffer.from(device.auth, "base64url"),
    });
    try {
      const response = await fetch(pinned?.url ?? url, {
        method: "POST",
        redirect: "manual",
        signal: AbortSignal.timeout(pushTimeoutMs),
        ...(pinned?.serverName ? { tls: { serverName: pinned.serverName } } : {}),
        headers: {
          ...(pinned ? { host: pinned.host } : {}),
          authorization: vapidAuthorization(device.endpoint, keys, subject),
          "content-encoding": "aes128gcm",
          "content-type": "application/octet-stream",
          ttl: String(pushTtlSeconds),
          urgency: "high",
          topic: payload.notification.tag,
          "user-agent": `Kefu/${version}`,
        },
        body,
      });
      const text = (await response.text()).slice(0, responseExcerptLength);
      if (response.status === 404 || response.status === 410) {
        forgetDevice(db, device.id);
        return { ok: false, final: true, code: response.status, response: text || "the device is gone" };
      }
      return { ok: response.status >= 200 && response.status < 300, code: response.status, response: text };
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      return { ok: false, code: null, response: timedOut ? `no answer within ${pushTimeoutMs / 1000} s` : String((error as Error)?.message ?? error) };
    }
  };
}
