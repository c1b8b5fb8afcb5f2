// A receiver must be able to tell our calls from forged or replayed ones: each carries the time
// it was signed and an HMAC-SHA256 of `timestamp + "." + body` under the endpoint's secret.
import { createHmac } from "node:crypto";

export const signatureHeader = "Kefu-Signature";

/** `t=<unix seconds>,v1=<hex hmac>`, as in README "Webhooks". */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${timestampSeconds}.${body}`).digest("hex");
  return `t=${timestampSeconds},v1=${mac}`;
}
