// Deleting a customer (the shop honouring "forget me"): the visitor with their conversations,
// messages, attachments (rows, then files), notes, tags and offline messages, and their search
// index rows (the FTS triggers of migrations 0007 and 0009 follow the deleted rows). Owners only,
// and audited without the person's details, which are what is being forgotten.
//
// One transaction: a failure leaves everything as it was. Files go only after the commit (a file
// removed before a rollback could not come back), and only those no other attachment shares
// (files are stored once per content). A conversation still waiting or open is announced closed,
// so consoles drop its line and free its agent's slot, and then the visitor's pages are closed.
import { rmSync } from "node:fs";
import { removeKeptAvatar } from "./avatars";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { attachments, conversations, messages, offlineMessages, visitorNotes, visitorTags, visitors } from "../db/schema";
import type { Actor } from "./agents";
import { storedFilePath } from "./attachments";
import { recordAudit } from "./audit";
import { NotFoundError, RuleError } from "./errors";
import type { DomainEvents } from "./events";
import { mayManageCustomerData } from "./permissions";
import { findVisitor } from "./visitors";

/** What a deletion took away, for the audit log and the owner's confirmation. */
export interface CustomerDeletion {
  conversations: number;
  messages: number;
  files: number;
}

/** What the confirmation names before anything goes. */
export function customerDeletionPreview(db: Queryable, businessId: number, visitorId: number) {
  const [found] = db.all<{ conversations: number; messages: number; files: number; ongoing: number }>(sql`SELECT
      count(*) AS conversations,
      coalesce(sum((SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)), 0) AS messages,
      coalesce(sum((SELECT count(*) FROM attachments a WHERE a.conversation_id = c.id)), 0) AS files,
      coalesce(max(c.status <> 'closed'), 0) AS ongoing
    FROM conversations c WHERE c.business_id = ${businessId} AND c.visitor_id = ${visitorId}`);
  return { conversations: found?.conversations ?? 0, messages: found?.messages ?? 0, files: found?.files ?? 0, ongoing: Boolean(found?.ongoing) };
}

export function deleteCustomer(
  db: Database,
  events: DomainEvents,
  uploadsDir: string,
  actor: Pick<Actor, "id" | "businessId" | "role">,
  visitorId: number,
): CustomerDeletion {
  if (!mayManageCustomerData(actor)) throw new RuleError({ key: "customers.ownersOnly" });
  const now = Date.now();
  const result = db.transaction(
    (tx) => {
      const visitor = findVisitor(tx, actor.businessId, visitorId);
      if (!visitor) throw new NotFoundError("visitor");
      const theirs = tx
        .select()
        .from(conversations)
        .where(and(eq(conversations.businessId, actor.businessId), eq(conversations.visitorId, visitorId)))
        .all();
      const ids = theirs.map((conversation) => conversation.id);
      let removed = { messages: 0, files: [] as { path: string; sha256: string }[] };
      if (ids.length) {
        // A conversation points at its last message: unhook it before the messages go.
        tx.update(conversations).set({ lastMessageId: null }).where(inArray(conversations.id, ids)).run();
        const files = tx.delete(attachments).where(inArray(attachments.conversationId, ids)).returning({ path: attachments.path, sha256: attachments.sha256 }).all();
        const gone = tx.delete(messages).where(inArray(messages.conversationId, ids)).returning({ id: messages.id }).all();
        tx.delete(conversations).where(inArray(conversations.id, ids)).run();
        removed = { messages: gone.length, files };
      }
      const left = tx
        .delete(offlineMessages)
        .where(and(eq(offlineMessages.businessId, actor.businessId), eq(offlineMessages.visitorId, visitorId)))
        .returning({ handled: offlineMessages.handled })
        .all();
      tx.delete(visitorNotes).where(and(eq(visitorNotes.businessId, actor.businessId), eq(visitorNotes.visitorId, visitorId))).run();
      tx.delete(visitorTags).where(and(eq(visitorTags.businessId, actor.businessId), eq(visitorTags.visitorId, visitorId))).run();
      tx.delete(visitors).where(and(eq(visitors.businessId, actor.businessId), eq(visitors.id, visitorId))).run();
      const deletion = { conversations: ids.length, messages: removed.messages, files: removed.files.length };
      recordAudit(tx, actor, "customer.deleted", `visitor:${visitorId}`, { ...deletion });
      return {
        deletion,
        ongoing: theirs.filter((conversation) => conversation.status !== "closed"),
        files: removed.files,
        avatar: visitor.avatar,
        inboxChanged: left.some((message) => !message.handled),
      };
    },
    { behavior: "immediate" },
  );
  for (const file of result.files) removeUnsharedFile(db, uploadsDir, file);
  removeKeptAvatar(uploadsDir, result.avatar);
  for (const previous of result.ongoing) events.conversationChanged({ ...previous, status: "closed", closedAt: now }, previous);
  events.visitorDeleted(visitorId);
  // Their unhandled offline messages were counted in every console's Inbox badge.
  if (result.inboxChanged) events.inboxChanged(actor.businessId);
  return result.deletion;
}

/** Removes a stored file once no attachment (of any shop) points at its content any more. */
function removeUnsharedFile(db: Database, uploadsDir: string, file: { path: string; sha256: string }): void {
  const path = storedFilePath(uploadsDir, file);
  if (!path) return;
  if (db.select({ id: attachments.id }).from(attachments).where(eq(attachments.sha256, file.sha256)).limit(1).get()) return;
  rmSync(path, { force: true });
}
