import { describe, expect, it } from "bun:test";
import { encryptPushPayload } from "../../src/outbound/push-encryption";
import { browserKeys, decryptPush } from "../push-service";

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

describe("push payload encryption", () => {
  it("gives the exact bytes of RFC 8291's example", () => {
    const body = encryptPushPayload(rfc.plaintext, { p256dh: rfc.browserPublicKey, auth: rfc.auth }, { serverPrivateKey: rfc.serverPrivateKey, salt: rfc.salt });
    expect(Buffer.from(body).toString("base64url")).toBe(rfc.body);
  });

  it("uses a new key and salt each time, and the browser reads every one", () => {
    const browser = browserKeys();
    const keys = { p256dh: new Uint8Array(browser.ecdh.getPublicKey()), auth: browser.auth };
    const first = encryptPushPayload("新消息: 你好", keys);
    const second = encryptPushPayload("新消息: 你好", keys);
    expect(Buffer.from(first).equals(Buffer.from(second))).toBe(false);
    expect(decryptPush(first, browser)).toBe("新消息: 你好");
    expect(decryptPush(second, browser)).toBe("新消息: 你好");
  });
});
