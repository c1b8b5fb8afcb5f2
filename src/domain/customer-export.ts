// A customer's data, as one JSON document (the shop answering "what do you hold about me?"):
// everything Kefu keeps about the visitor except what would let someone act as them (the token's
// hash) or find files on the server (attachment paths). Owners only, and audited.
import { and, asc, eq, getTableColumns, inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { attachments, conversations, messages, offlineMessages } from "../db/schema";
import type { Actor } from "./agents";
import type { Attachment } from "./attachments";
import { recordAudit } from "./audit";
import type { Conversation } from "./conversations";
import { NotFoundError, RuleError } from "./errors";
import type { Message } from "./messages";
import type { OfflineMessage } from "./offline-messages";
import { mayManageCustomerData } from "./permissions";
import { listVisitorNotes, listVisitorTags, type VisitorNote } from "./visitor-profile";
import { findVisitor, type Visitor } from "./visitors";

export interface CustomerExport {
  exportedAt: string;
  visitor: Visitor;
  tags: string[];
  notes: VisitorNote[];
  conversations: (Conversation & { messages: Message[]; attachments: Omit<Attachment, "path">[] })[];
  offlineMessages: OfflineMessage[];
}

/** Everything about one visitor of the actor's business; "not found" for another shop's. */
export function exportCustomer(db: Database, actor: Pick<Actor, "id" | "businessId" | "role">, visitorId: number): CustomerExport {
  if (!mayManageCustomerData(actor)) throw new RuleError({ key: "customers.ownersOnly" });
  return db.transaction((tx) => {
    const visitor = findVisitor(tx, actor.businessId, visitorId);
    if (!visitor) throw new NotFoundError("visitor");
    const theirs = tx
      .select()
      .from(conversations)
      .where(and(eq(conversations.businessId, actor.businessId), eq(conversations.visitorId, visitorId)))
      .orderBy(asc(conversations.id))
      .all();
    const ids = theirs.map((conversation) => conversation.id);
    const thread = ids.length ? tx.select().from(messages).where(inArray(messages.conversationId, ids)).orderBy(asc(messages.id)).all() : [];
    const { path: _path, ...described } = getTableColumns(attachments);
    const files = ids.length ? tx.select(described).from(attachments).where(inArray(attachments.conversationId, ids)).orderBy(asc(attachments.id)).all() : [];
    const left = tx
      .select()
      .from(offlineMessages)
      .where(and(eq(offlineMessages.businessId, actor.businessId), eq(offlineMessages.visitorId, visitorId)))
      .orderBy(asc(offlineMessages.id))
      .all();
    recordAudit(tx, actor, "customer.exported", `visitor:${visitorId}`);
    return {
      exportedAt: new Date().toISOString(),
      visitor,
      tags: listVisitorTags(tx, actor.businessId, visitorId),
      notes: listVisitorNotes(tx, actor.businessId, visitorId, Number.MAX_SAFE_INTEGER),
      conversations: theirs.map((conversation) => ({
        ...conversation,
        messages: thread.filter((message) => message.conversationId === conversation.id),
        attachments: files.filter((file) => file.conversationId === conversation.id),
      })),
      offlineMessages: left,
    };
  }, { behavior: "deferred" });
}
