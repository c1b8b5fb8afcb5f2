// Who is sending (RFC 8292, VAPID): each push request carries a short ES256 JWT signed with the
// server's P-256 key, whose public half the browser was given when it subscribed. A push service
// refuses pushes to that subscription signed by any other key.
import { createECDH, createPrivateKey, sign } from "node:crypto";

export interface VapidKeyPair {
  /** base64url of the uncompressed point, 65 bytes: what browsers take as applicationServerKey. */
  publicKey: string;
  /** base64url of the private scalar, 32 bytes. */
  privateKey: string;
}

/** How long a JWT is good for: the RFC's ceiling is 24 hours. */
const lifetimeSeconds = 12 * 60 * 60;

export function generateVapidKeys(): VapidKeyPair {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return { publicKey: ecdh.getPublicKey().toString("base64url"), privateKey: ecdh.getPrivateKey().toString("base64url") };
}

const base64url = (value: string | Uint8Array) => Buffer.from(value).toString("base64url");

/** The Authorization header for a push to `endpoint`: `vapid t=<jwt>, k=<public key>`. */
export function vapidAuthorization(endpoint: string, keys: VapidKeyPair, subject: string, now = Date.now()): string {
  const point = Buffer.from(keys.publicKey, "base64url");
  const key = createPrivateKey({
    format: "jwk",
    key: { kty: "EC", crv: "P-256", d: keys.privateKey, x: base64url(point.subarray(1, 33)), y: base64url(point.subarray(33, 65)) },
  });
  const header = base64url(JSON.stringify({ typ: "JWT", alg: "ES256" }));
  const claims = base64url(JSON.stringify({ aud: new URL(endpoint).origin, exp: Math.floor(now / 1000) + lifetimeSeconds, sub: subject }));
  // JWS wants the raw r || s signature, not the DER that node:crypto gives by default.
  const signature = sign("sha256", Buffer.from(`${header}.${claims}`), { key, dsaEncoding: "ieee-p1363" });
  return `vapid t=${header}.${claims}.${base64url(signature)}, k=${keys.publicKey}`;
}
