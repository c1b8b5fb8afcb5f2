import { describe, expect, it } from "bun:test";
import { createDecipheriv, createECDH, hkdfSync } from "node:crypto";
import { encryptPushPayload } from "../../src/outbound/push-encryption";

const b64 = (text: string) => new Uint8Array(Buffer.from(text, "base64url"));

// RFC 8291, Appendix A.
const rfc = {
  plaintext: "When I grow up, I want to be a watermelon",
  serverPrivateKey: b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"),
  browserPublicKey: b64("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"),
  salt: b64("DGv6ra1nlYgDCS1FRnbzlw"),
  auth: b64("BTBZMqHH6r4Tts7J_aSIgg"),
  body:
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
};

/** What the browser does with a push body: the receiving side of RFC 8291, written apart from ours. */
function decrypt(body: Uint8Array, browser: ReturnType<typeof createECDH>, auth: Uint8Array): string {
  const bytes = Buffer.from(body);
  const salt = bytes.subarray(0, 16);
  const keyLength = bytes[20]!;
  const serverPublic = bytes.subarray(21, 21 + keyLength);
  const sealed = bytes.subarray(21 + keyLength);
  const shared = browser.computeSecret(serverPublic);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), browser.getPublicKey(), serverPublic]);
  const ikm = Buffer.from(hkdfSync("sha256", shared, auth, keyInfo, 32));
  const key = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = createDecipheriv("aes-128-gcm", key, nonce);
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  const padded = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
  return padded.subarray(0, padded.lastIndexOf(2)).toString();
}

describe("push payload encryption", () => {
  it("gives the exact bytes of RFC 8291's example", () => {
    const body = encryptPushPayload(rfc.plaintext, { p256dh: rfc.browserPublicKey, auth: rfc.auth }, { serverPrivateKey: rfc.serverPrivateKey, salt: rfc.salt });
    expect(Buffer.from(body).toString("base64url")).toBe(rfc.body);
  });

  it("uses a new key and salt each time, and the browser reads every one", () => {
    const browser = createECDH("prime256v1");
    browser.generateKeys();
    const auth = crypto.getRandomValues(new Uint8Array(16));
    const keys = { p256dh: new Uint8Array(browser.getPublicKey()), auth };
    const first = encryptPushPayload("新消息: 你好", keys);
    const second = encryptPushPayload("新消息: 你好", keys);
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(false);
    expect(decrypt(first, browser, auth)).toBe("新消息: 你好");
    expect(decrypt(second, browser, auth)).toBe("新消息: 你好");
  });
});
