// First run: the owner account is created through /setup exactly once. The check and the
// insert share one IMMEDIATE transaction, so two racing setup requests cannot both win.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { agents } from "../db/schema";
import { type Agent, insertAgent, toAgent } from "./agents";
import { hashPassword } from "./passwords";
import { NotFoundError, ValidationError } from "./errors";
import { checkEmail, checkName, checkPassword, problems } from "./fields";

export async function createFirstOwner(
  db: Database,
  businessId: number,
  input: { name: string; email: string; password: string },
): Promise<Agent> {
  const found = problems({
    name: checkName(input.name),
    email: checkEmail(input.email),
    password: checkPassword(input.password),
  });
  if (found) throw new ValidationError(found);
  const passwordHash = await hashPassword(input.password);
  return db.transaction((tx) => {
    if (tx.select({ id: agents.id }).from(agents).where(eq(agents.role, "owner")).limit(1).get()) {
      throw new NotFoundError("setup");
    }
    const row = insertAgent(tx, { businessId, email: input.email, displayName: input.name, role: "owner", passwordHash });
    return toAgent(row);
  }, { behavior: "immediate" });
}
