// A push service of our own for tests, speaking RFC 8030 on 127.0.0.1: it checks each push's VAPID
// signature (RFC 8292) against the key the subscription was made with and decrypts the body
// (RFC 8291) with a browser's keys made here, written apart from src/outbound so they check it.
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, verify } from "node:crypto";

export interface ReceivedPush {
  /** The subscription's path on this service. */
  path: string;
  headers: Headers;
  claims: { aud: string; exp: number; sub: string };
  /** The JWT verified with the server's VAPID public key. */
  signedByServer: boolean;
  notification: { title: string; body: string; url: string; tag: string };
}

export function verifyVapid(authorization: string, serverKey: string): { claims: ReceivedPush["claims"]; verified: boolean } {
  const [, head, claims, signature, key] = authorization.match(/^vapid t=([^.]+)\.([^.]+)\.([^,]+), k=(.+)$/) ?? [];
  if (!head || !claims || !signature || key !== serverKey) return { claims: JSON.parse("{}"), verified: false };
  const point = Buffer.from(serverKey, "base64url");
  const publicKey = createPublicKey({ format: "jwk", key: { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") } });
  const verified = verify("sha256", Buffer.from(`${head}.${claims}`), { key: publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
  return { claims: JSON.parse(Buffer.from(claims, "base64url").toString()), verified };
}

/** A browser's side of one subscription: its key pair and auth secret. */
export function browserKeys() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  const auth = crypto.getRandomValues(new Uint8Array(16));
  return {
    ecdh,
    auth,
    /** As PushSubscription.toJSON() gives them. */
    json: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: Buffer.from(auth).toString("base64url") },
  };
}

export function decryptPush(body: Uint8Array, browser: ReturnType<typeof browserKeys>): string {
  const bytes = Buffer.from(body);
  const salt = bytes.subarray(0, 16);
  const keyLength = bytes[20]!;
  const serverPublic = bytes.subarray(21, 21 + keyLength);
  const sealed = bytes.subarray(21 + keyLength);
  const shared = browser.ecdh.computeSecret(serverPublic);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), browser.ecdh.getPublicKey(), serverPublic]);
  const ikm = Buffer.from(hkdfSync("sha256", shared, browser.auth, keyInfo, 32));
  const key = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = createDecipheriv("aes-128-gcm", key, nonce);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  const padded = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
  return padded.subarray(0, padded.lastIndexOf(2)).toString();
}

/**
 * Answers 201 to each push, or the status set for its path (410 for a device that is gone); keeps
 * what it received, decrypted with `browser`'s keys and checked against `serverKey()`.
 */
export function startPushService(browser: ReturnType<typeof browserKeys>, serverKey: () => string) {
  const received: ReceivedPush[] = [];
  const statuses = new Map<string, number>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const path = new URL(request.url).pathname;
      const body = new Uint8Array(await request.arrayBuffer());
      const { claims, verified } = verifyVapid(request.headers.get("authorization") ?? "", serverKey());
      received.push({ path, headers: request.headers, claims, signedByServer: verified, notification: JSON.parse(decryptPush(body, browser)) });
      return new Response(null, { status: statuses.get(path) ?? 201 });
    },
  });
  return {
    endpoint: (path = "/push/device-1") => `http://127.0.0.1:${server.port}${path}`,
    origin: `http://127.0.0.1:${server.port}`,
    received,
    statuses,
    async waitFor(count: number, ms = 5000): Promise<ReceivedPush[]> {
      const deadline = Date.now() + ms;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`the push service got ${received.length} pushes, expected ${count}`);
        await Bun.sleep(20);
      }
      return received;
    },
    stop: () => server.stop(true),
  };
}
