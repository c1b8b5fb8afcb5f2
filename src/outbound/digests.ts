// Queues the digests that are due (domain/email-digests.ts), each in its agent's language.
import type { Database } from "../db/client";
import { findBusiness } from "../domain/businesses";
import { takeDueDigests } from "../domain/email-digests";
import { queueEmail } from "../domain/email-settings";
import { translator } from "../i18n";
import { digestMail } from "../views/emails";

/** Says how many were queued. */
export function queueDigests(db: Database, onlineAgentIds: readonly number[], publicUrl: string | null, now = Date.now()): number {
  const digests = takeDueDigests(db, onlineAgentIds, now);
  for (const digest of digests) {
    const business = findBusiness(db, digest.agent.businessId)!;
    const mail = digestMail(translator(digest.agent.locale ?? "en"), digest, business.name, publicUrl ? `${publicUrl}/console/inbox` : null);
    queueEmail(db, business.id, "email.digest", mail);
  }
  return digests.length;
}
