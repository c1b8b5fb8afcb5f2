// Sends one push to one device: the notification encrypted for that browser (push-encryption.ts),
// signed as us (vapid.ts), to its push service. A push service is on the public internet, so it is
// called as a webhook is (public-call.ts); a server option allows private addresses for tests.
// A device its push service no longer knows (404, 410) is forgotten, and the push is not tried again.
import type { Database } from "../db/client";
import type { AttemptOutcome, Delivery } from "../domain/deliveries";
import { findDevice, forgetDevice, type PushDevices, vapidKeyPair } from "../domain/push-subscriptions";
import { version } from "../version";
import { postToPublicAddress } from "./public-call";
import type { PushPayload } from "./push-announcer";
import { encryptPushPayload } from "./push-encryption";
import { vapidAuthorization } from "./vapid";

export const pushTimeoutMs = 10_000;
/** How long the push service keeps a push for a device that is off: later, the news is stale. */
export const pushTtlSeconds = 60 * 60;

export function pushSender(db: Database, devices: PushDevices, options: { allowPrivate: boolean; publicUrl: string | null }) {
  const keys = vapidKeyPair(db);
  // RFC 8292 asks for a way to reach the sender: the server's address, else a placeholder mail.
  const subject = options.publicUrl?.startsWith("https:") ? options.publicUrl : "mailto:kefu@localhost";
  return async (delivery: Delivery): Promise<AttemptOutcome> => {
    const payload = JSON.parse(delivery.payload) as PushPayload;
    const device = findDevice(db, payload.deviceId);
    if (!device) return { ok: false, final: true, code: null, response: "the device was unsubscribed" };
    const outcome = await postToPublicAddress(new URL(device.endpoint), options.allowPrivate, {
      timeoutMs: pushTimeoutMs,
      headers: {
        authorization: vapidAuthorization(device.endpoint, keys, subject),
        "content-encoding": "aes128gcm",
        "content-type": "application/octet-stream",
        ttl: String(pushTtlSeconds),
        urgency: "high",
        topic: payload.notification.tag,
        "user-agent": `Kefu/${version}`,
      },
      body: encryptPushPayload(JSON.stringify(payload.notification), {
        p256dh: Buffer.from(device.p256dh, "base64url"),
        auth: Buffer.from(device.auth, "base64url"),
      }),
    });
    if (outcome.code === 404 || outcome.code === 410) {
      forgetDevice(db, device.id);
      devices.reload(device.agentId);
      return { ...outcome, final: true, response: outcome.response || "the device is gone" };
    }
    // A private address stays private: trying again within the day would be refused again.
    return outcome.code === null && outcome.response.startsWith("refused:") ? { ...outcome, final: true } : outcome;
  };
}
