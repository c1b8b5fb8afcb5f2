// The server secret keys the HMACs that protect stored session tokens. It is made once, on
// first run, and lives beside the database; anyone who can read it can forge nothing without
// also holding a session token, but keep it private all the same (mode 0600).
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const serverSecretFile = "secret";

/** Made by the first start; processes that share the data dir start in turn (shareDataDir), so they all read the one made. */
export function loadOrCreateServerSecret(dataDir: string): string {
  const path = join(dataDir, serverSecretFile);
  if (existsSync(path)) return readServerSecret(path);
  const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex");
  try {
    // "wx": never overwrite a secret another process wrote a moment ago (`kefu user add` beside a first start, say).
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return readServerSecret(path);
    throw error;
  }
  chmodSync(path, 0o600);
  return secret;
}

function readServerSecret(path: string): string {
  const secret = readFileSync(path, "utf8").trim();
  if (!/^[0-9a-f]{64}$/.test(secret)) throw new Error(`${path} is not a Kefu server secret; move it away to make a new one`);
  return secret;
}
