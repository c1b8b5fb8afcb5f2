// Calls one webhook endpoint with one delivery: signed, to a public address (public-call.ts), 10 s
// at most, and only a 2xx answer counts.
import type { Database } from "../db/client";
import type { AttemptOutcome, Delivery } from "../domain/deliveries";
import { findEndpoint, testEvent } from "../domain/webhooks";
import { version } from "../version";
import { postToPublicAddress } from "./public-call";
import { signatureHeader, signWebhook } from "./webhook-signature";

export const webhookTimeoutMs = 10_000;

export function webhookSender(db: Database) {
  return async (delivery: Delivery): Promise<AttemptOutcome> => {
    const endpoint = findEndpoint(db, delivery.businessId, delivery.endpointId!);
    // Held while the endpoint is off, and sent when it is turned on again within the day.
    if (!endpoint.enabled && delivery.event !== testEvent) return { ok: false, code: null, response: "the endpoint is turned off" };
    return postToPublicAddress(new URL(endpoint.url), endpoint.allowPrivate, {
      timeoutMs: webhookTimeoutMs,
      headers: {
        "content-type": "application/json",
        "user-agent": `Kefu-Webhooks/${version}`,
        "kefu-event": delivery.event,
        "kefu-delivery": String(delivery.id),
        [signatureHeader]: signWebhook(endpoint.secret, delivery.payload, Math.floor(Date.now() / 1000)),
      },
      body: delivery.payload,
    });
  };
}
