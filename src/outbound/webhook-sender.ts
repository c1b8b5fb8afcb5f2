// Calls one webhook endpoint with one delivery: the host checked again at this moment (its DNS may
// have changed since it was saved), signed, 10 s at most, no redirects followed (a redirect could
// lead to a private address), and only a 2xx answer counts.
import type { Database } from "../db/client";
import type { AttemptOutcome, Delivery } from "../domain/deliveries";
import { responseExcerptLength } from "../domain/deliveries";
import { findEndpoint, testEvent } from "../domain/webhooks";
import { version } from "../version";
import { pinnedTo, resolveForCall } from "./public-address";
import { signatureHeader, signWebhook } from "./webhook-signature";

export const webhookTimeoutMs = 10_000;

export function webhookSender(db: Database) {
  return async (delivery: Delivery): Promise<AttemptOutcome> => {
    const endpoint = findEndpoint(db, delivery.businessId, delivery.endpointId!);
    // Held while the endpoint is off, and sent when it is turned on again within the day.
    if (!endpoint.enabled && delivery.event !== testEvent) return { ok: false, code: null, response: "the endpoint is turned off" };
    const url = new URL(endpoint.url);
    const resolved = await resolveForCall(url, endpoint.allowPrivate);
    if ("refused" in resolved) return { ok: false, code: null, response: `refused: ${url.hostname} is at ${resolved.refused}, a private address` };
    const pinned = resolved.pinned ? pinnedTo(url, resolved.pinned) : null;
    try {
      const response = await fetch(pinned?.url ?? url, {
        method: "POST",
        redirect: "manual",
        signal: AbortSignal.timeout(webhookTimeoutMs),
        ...(pinned?.serverName ? { tls: { serverName: pinned.serverName } } : {}),
        headers: {
          ...(pinned ? { host: pinned.host } : {}),
          "content-type": "application/json",
          "user-agent": `Kefu-Webhooks/${version}`,
          "kefu-event": delivery.event,
          "kefu-delivery": String(delivery.id),
          [signatureHeader]: signWebhook(endpoint.secret, delivery.payload, Math.floor(Date.now() / 1000)),
        },
        body: delivery.payload,
      });
      const text = (await response.text()).slice(0, responseExcerptLength);
      return { ok: response.status >= 200 && response.status < 300, code: response.status, response: text };
    } catch (error) {
      const timedOut = error instanceof Error && error.name === "TimeoutError";
      return { ok: false, code: null, response: timedOut ? `no answer within ${webhookTimeoutMs / 1000} s` : String((error as Error)?.message ?? error) };
    }
  };
}
