// How agents' passwords are kept: argon2id at Bun's defaults (64 MiB, two passes), about a
// second of one core per hash here, which is the point. The unit tests choose a cheap cost for
// themselves (test/preload.ts) so that hundreds of sign-ins take seconds, not minutes; the
// server, the CLI and the e2e tests never change it.

type Cost = { algorithm: "argon2id"; memoryCost: number; timeCost: number };

const production: Cost = { algorithm: "argon2id", memoryCost: 65_536, timeCost: 2 };
let cost: Cost = production;
let decoy: Promise<string> | null = null;

/** For test/preload.ts only: hashes that take a millisecond, of the same algorithm. */
export function useCheapPasswordHashesForTests(): void {
  cost = { algorithm: "argon2id", memoryCost: 256, timeCost: 1 };
  decoy = null;
}

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, cost);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return Bun.password.verify(password, hash);
}

/**
 * Checks a password against nothing, at the cost of a real check, for an email with no account:
 * response times must not tell which emails have accounts.
 */
export async function verifyAgainstDecoy(password: string): Promise<void> {
  decoy ??= hashPassword(crypto.randomUUID());
  await verifyPassword(password, await decoy);
}
