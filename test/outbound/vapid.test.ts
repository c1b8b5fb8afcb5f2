import { describe, expect, it } from "bun:test";
import { generateVapidKeys, vapidAuthorization } from "../../src/outbound/vapid";
import { verifyVapid } from "../push-service";

describe("VAPID", () => {
  it("signs an ES256 JWT for the push service's origin that the public key verifies", () => {
    const keys = generateVapidKeys();
    const now = Date.UTC(2026, 11, 3, 8);
    const header = vapidAuthorization("https://push.example.com/send/abc?x=1", keys, "mailto:owner@shop.example", now);
    expect(JSON.parse(Buffer.from(header.split(".")[0]!.slice("vapid t=".length), "base64url").toString())).toEqual({ typ: "JWT", alg: "ES256" });
    expect(header.endsWith(`, k=${keys.publicKey}`)).toBe(true);
    expect(verifyVapid(header, keys.publicKey)).toEqual({
      verified: true,
      claims: { aud: "https://push.example.com", exp: now / 1000 + 12 * 60 * 60, sub: "mailto:owner@shop.example" },
    });
  });

  it("is not verified by another server's key", () => {
    const signed = vapidAuthorization("https://push.example.com/send/abc", generateVapidKeys(), "mailto:owner@shop.example");
    const other = generateVapidKeys().publicKey;
    expect(verifyVapid(signed.replace(/k=.+$/, `k=${other}`), other).verified).toBe(false);
  });
});
