// The server secret keys the HMACs that protect stored session tokens. It is made once, on
// first run, and lives beside the database; anyone who can read it can forge nothing without
// also holding a session token, but keep it private all the same (mode 0600).
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const serverSecretFile = "secret";

export function loadOrCreateServerSecret(dataDir: string): string {
  const path = join(dataDir, serverSecretFile);
  if (existsSync(path)) {
    const secret = readFileSync(path, "utf8").trim();
    if (!/^[0-9a-f]{64}$/.test(secret)) throw new Error(`${path} is not a Kefu server secret; move it away to make a new one`);
    return secret;
  }
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
  // "wx": never overwrite a secret another process wrote a moment ago.
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
  return secret;
}
