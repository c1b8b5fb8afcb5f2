import { describe, expect, it } from "bun:test";
import { signWebhook } from "../../src/outbound/webhook-signature";

/** The receiver's side, as README "Webhooks" shows it, with Web Crypto instead of node:crypto. */
async function verify(secret: string, header: string, body: string, nowSeconds: number): Promise<boolean> {
  const { t, v1 } = Object.fromEntries(header.split(",").map((part) => part.split("=") as [string, string]));
  if (!t || !v1 || Math.abs(nowSeconds - Number(t)) > 300) return false;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${body}`)));
  return Buffer.from(mac).toString("hex") === v1;
}

describe("webhook signatures", () => {
  const body = JSON.stringify({ id: "evt_1", event: "message.created", data: { body: "你好" } });

  it("sign the timestamp and the body with HMAC-SHA256 under the endpoint's secret", async () => {
    const header = signWebhook("whsec_test", body, 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(await verify("whsec_test", header, body, 1_700_000_010)).toBe(true);
  });

  it("do not verify under another secret, with another body, or replayed long after", async () => {
    const header = signWebhook("whsec_test", body, 1_700_000_000);
    expect(await verify("whsec_other", header, body, 1_700_000_010)).toBe(false);
    expect(await verify("whsec_test", header, body.replace("你好", "hi"), 1_700_000_010)).toBe(false);
    expect(await verify("whsec_test", header, body, 1_700_000_000 + 3600)).toBe(false);
  });

  it("differ from one timestamp to the next, so a signature cannot be moved to another time", () => {
    expect(signWebhook("s", body, 1).split("v1=")[1]).not.toBe(signWebhook("s", body, 2).split("v1=")[1]);
  });
});
