import type { Queryable } from "../db/client";
import { auditLog } from "../db/schema";

/** Notes who changed what in settings; written in the same transaction as the change. */
export function recordAudit(
  db: Queryable,
  actor: { id: number; businessId: number },
  action: string,
  subject: string,
  detail?: Record<string, unknown>,
): void {
  db.insert(auditLog).values({ businessId: actor.businessId, agentId: actor.id, action, subject, detail }).run();
}
