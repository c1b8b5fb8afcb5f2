// Random tokens and the keyed hash under which we store them.
import { createHmac } from "node:crypto";

export function randomToken(bytes = 32): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url");
}

export function keyedHash(secret: string, token: string): string {
  return createHmac("sha256", secret).update(token).digest("hex");
}

// No 0/O/1/l/I: temporary passwords are read aloud and typed by hand.
const readableAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

export function readablePassword(length = 14): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  // 256 % 56 != 0 leaves a slight bias; at 14 characters the password still has > 80 bits.
  return Array.from(bytes, (byte) => readableAlphabet[byte % readableAlphabet.length]).join("");
}
