// First run: the owner account is created through /setup exactly once, with the shop's name and
// time zone. The check and the writes share one IMMEDIATE transaction, so two racing setup
// requests cannot both win.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { businesses } from "../db/schema";
import { type Agent, insertAgent, hasOwner, toAgent } from "./agents";
import { hashPassword } from "./passwords";
import { NotFoundError, ValidationError } from "./errors";
import { checkEmail, checkName, checkPassword, problems } from "./fields";
import { canonicalTimezone } from "./hours";
import { limits } from "./limits";

export interface Setup {
  name: string;
  email: string;
  password: string;
  /** Left out, the shop keeps the name it was created with. */
  shopName?: string;
  /** The browser's IANA zone; left out or empty, the shop keeps the server's default. */
  timezone?: string;
}

export async function createFirstOwner(db: Database, businessId: number, input: Setup): Promise<Agent> {
  const timezone = input.timezone ? canonicalTimezone(input.timezone) : null;
  const found = problems({
    shopName: input.shopName === undefined ? null : checkName(input.shopName, limits.businessNameLength),
    name: checkName(input.name),
    email: checkEmail(input.email),
    password: checkPassword(input.password),
    timezone: input.timezone && !timezone ? { key: "error.timezone.invalid" } : null,
  });
  if (found) throw new ValidationError(found);
  const passwordHash = await hashPassword(input.password);
  return db.transaction((tx) => {
    if (hasOwner(tx, businessId)) throw new NotFoundError("setup");
    const shop = { ...(input.shopName !== undefined && { name: input.shopName.trim() }), ...(timezone && { timezone }) };
    if (Object.keys(shop).length) tx.update(businesses).set(shop).where(eq(businesses.id, businessId)).run();
    const row = insertAgent(tx, { businessId, email: input.email, displayName: input.name, role: "owner", passwordHash });
    return toAgent(row);
  }, { behavior: "immediate" });
}
