// A push message's body, encrypted for one browser (RFC 8291, "aes128gcm" of RFC 8188): the push
// service carries it and cannot read it. A fresh key pair and salt per message; one record.
import { createCipheriv, createECDH, hkdfSync, randomBytes } from "node:crypto";

/** The browser's half of a subscription: its P-256 public key (65 bytes) and auth secret (16 bytes). */
export interface PushKeys {
  p256dh: Uint8Array;
  auth: Uint8Array;
}

/** Record size announced in the header; one record holds any payload we send (well under 4 KB). */
const recordSize = 4096;
const encoder = new TextEncoder();

const info = (...parts: Uint8Array[]) => Buffer.concat(parts);

/**
 * `fixed` is for the RFC's test vector only: a real message takes a new server key and salt, or
 * two messages to the same browser would share a content key.
 */
export function encryptPushPayload(plaintext: string, keys: PushKeys, fixed?: { serverPrivateKey: Uint8Array; salt: Uint8Array }): Uint8Array<ArrayBuffer> {
  const server = createECDH("prime256v1");
  if (fixed) server.setPrivateKey(fixed.serverPrivateKey);
  else server.generateKeys();
  const serverPublic = server.getPublicKey();
  const salt = fixed?.salt ?? randomBytes(16);
  const shared = server.computeSecret(keys.p256dh);
  // IKM = HKDF(auth, ecdh, "WebPush: info" || 0x00 || ua_public || as_public), RFC 8291 section 3.4.
  const ikm = Buffer.from(hkdfSync("sha256", shared, keys.auth, info(encoder.encode("WebPush: info\0"), keys.p256dh, serverPublic), 32));
  const contentKey = Buffer.from(hkdfSync("sha256", ikm, salt, encoder.encode("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, encoder.encode("Content-Encoding: nonce\0"), 12));
  const cipher = createCipheriv("aes-128-gcm", contentKey, nonce);
  // 0x02: the last (and only) record's padding delimiter, with no padding after it.
  const sealed = Buffer.concat([cipher.update(Buffer.concat([encoder.encode(plaintext), Buffer.from([2])])), cipher.final(), cipher.getAuthTag()]);
  const header = Buffer.alloc(21);
  Buffer.from(salt).copy(header, 0);
  header.writeUInt32BE(recordSize, 16);
  header.writeUInt8(serverPublic.length, 20);
  return new Uint8Array(Buffer.concat([header, serverPublic, sealed]));
}
