import { describe, expect, it } from "bun:test";
import { createPublicKey, verify } from "node:crypto";
import { generateVapidKeys, vapidAuthorization } from "../../src/outbound/vapid";

function parse(header: string) {
  const match = header.match(/^vapid t=([^.]+)\.([^.]+)\.([^,]+), k=(.+)$/)!;
  const [, head, claims, signature, key] = match as unknown as string[];
  return { head: head!, claims: claims!, signature: signature!, key: key! };
}

function verifiedWith(publicKey: string, { head, claims, signature }: { head: string; claims: string; signature: string }): boolean {
  const point = Buffer.from(publicKey, "base64url");
  const key = createPublicKey({ format: "jwk", key: { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") } });
  return verify("sha256", Buffer.from(`${head}.${claims}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
}

describe("VAPID", () => {
  it("signs an ES256 JWT for the push service's origin that the public key verifies", () => {
    const keys = generateVapidKeys();
    const now = Date.UTC(2026, 11, 3, 8);
    const header = parse(vapidAuthorization("https://push.example.com/send/abc?x=1", keys, "mailto:owner@shop.example", now));
    expect(header.key).toBe(keys.publicKey);
    expect(JSON.parse(Buffer.from(header.head, "base64url").toString())).toEqual({ typ: "JWT", alg: "ES256" });
    expect(JSON.parse(Buffer.from(header.claims, "base64url").toString())).toEqual({
      aud: "https://push.example.com",
      exp: now / 1000 + 12 * 60 * 60,
      sub: "mailto:owner@shop.example",
    });
    expect(verifiedWith(keys.publicKey, header)).toBe(true);
  });

  it("is not verified by another server's key", () => {
    const header = parse(vapidAuthorization("https://push.example.com/send/abc", generateVapidKeys(), "mailto:owner@shop.example"));
    expect(verifiedWith(generateVapidKeys().publicKey, header)).toBe(false);
  });
});
