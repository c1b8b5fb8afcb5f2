// What the team keeps about a visitor beside the chat: contact details an agent corrects, private
// notes (never shown to the visitor), tags, and the visitor's conversations. Every read and write
// starts from the agent's business, so another shop's visitor is simply not found (invariant 4).
import { and, desc, eq } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { agents, conversations, visitorNotes, visitorTags, visitors } from "../db/schema";
import { recordAudit } from "./audit";
import { type FieldProblem, NotFoundError, RuleError, ValidationError } from "./errors";
import type { DomainEvents } from "./events";
import { checkEmail, checkName, checkPhone, checkRequiredText, problems } from "./fields";
import { limits } from "./limits";
import { checkAttributes } from "./visitor-identity";
import { findVisitor, type Visitor } from "./visitors";

type Actor = { id: number; businessId: number };

export interface VisitorNote {
  id: number;
  body: string;
  createdAt: number;
  /** Null once the author's account is gone. */
  authorName: string | null;
}

export interface VisitorConversation {
  id: number;
  status: "queued" | "open" | "closed";
  openedAt: number;
  closedAt: number | null;
  agentName: string | null;
}

/** Everything the panel shows besides the visitor row itself. */
export interface VisitorProfile {
  tags: string[];
  /** The business's tags, offered while typing a new one. */
  tagSuggestions: string[];
  notes: VisitorNote[];
  conversations: VisitorConversation[];
}

export interface ContactInput {
  name: string;
  email: string;
  phone: string;
}

/** The visitor of the actor's business, or "not found". */
export function visitorOf(db: Queryable, businessId: number, visitorId: number): Visitor {
  const visitor = findVisitor(db, businessId, visitorId);
  if (!visitor) throw new NotFoundError("visitor");
  return visitor;
}

// The same rule as the leave-a-message form: what a person would type as a phone number.
/** Every field may be emptied (the visitor told us nothing); what is given must be well-formed. */
function checkContact(input: ContactInput): Record<string, FieldProblem> {
  const name = input.name.trim();
  const email = input.email.trim();
  const phone = input.phone.trim();
  return (
    problems({
      name: name ? checkName(name) : null,
      email: email ? checkEmail(email) : null,
      phone: phone ? checkPhone(phone) : null,
    }) ?? {}
  );
}

/** What an agent or an integration changes about a visitor; what is not given stays as it is. */
export interface VisitorChange {
  /** The fields given are set; "" empties one. */
  contact?: Partial<ContactInput>;
  /** Keys given are set (as text), keys given as null removed, the others kept. */
  attributes?: Record<string, string | number | boolean | null>;
}

const contactFields = ["name", "email", "phone"] as const;

/**
 * An agent corrects who the visitor is, or an integration keeps it up to date, in one change: all
 * of it or, on any problem, none. The change is audited with the fields it touched (not their
 * values: the audit log is read more widely than a visitor's details). A verified visitor stays
 * verified: the website vouched for their id, which an agent cannot change here. Attributes
 * follow the host page's rule (checkAttributes), on the merged result too.
 */
export function updateVisitor(db: Database, events: DomainEvents, actor: Actor, visitorId: number, change: VisitorChange): Visitor {
  const contact = change.contact ?? {};
  const given = Object.entries(change.attributes ?? {}).filter((entry): entry is [string, string | number | boolean] => entry[1] !== null);
  const checked = checkAttributes(Object.fromEntries(given));
  const found = { ...checkContact({ name: "", email: "", phone: "", ...contact }), ...(checked.problem ? { attributes: checked.problem } : {}) };
  if (Object.keys(found).length > 0) throw new ValidationError(found);
  const removed = Object.entries(change.attributes ?? {}).flatMap(([key, value]) => (value === null ? [key.trim()] : []));
  const result = db.transaction((tx) => {
    const before = visitorOf(tx, actor.businessId, visitorId);
    const next: Partial<Pick<Visitor, "name" | "email" | "phone" | "attributes">> = {};
    for (const field of contactFields) if (contact[field] !== undefined) next[field] = contact[field].trim() || null;
    if (change.attributes) {
      const merged: Record<string, string> = { ...before.attributes, ...checked.attributes };
      for (const key of removed) delete merged[key];
      if (Object.keys(merged).length > limits.attributesPerVisitor) {
        throw new ValidationError({ attributes: { key: "identity.attributes", params: { max: limits.attributesPerVisitor } } });
      }
      next.attributes = merged;
    }
    const changed = (Object.keys(next) as (keyof typeof next)[]).filter((field) => JSON.stringify(before[field]) !== JSON.stringify(next[field]));
    if (changed.length === 0) return { visitor: before, changed };
    tx.update(visitors)
      .set(next)
      .where(and(eq(visitors.businessId, actor.businessId), eq(visitors.id, visitorId)))
      .run();
    recordAudit(tx, actor, "visitor.updated", `visitor:${visitorId}`, { fields: changed });
    return { visitor: visitorOf(tx, actor.businessId, visitorId), changed };
  }, { behavior: "immediate" });
  if (result.changed.length > 0) events.visitorChanged(result.visitor, { renamed: result.changed.includes("name") });
  return result.visitor;
}

/** The console's form: every contact field, as typed. */
export function updateVisitorContact(db: Database, events: DomainEvents, actor: Actor, visitorId: number, input: ContactInput): Visitor {
  return updateVisitor(db, events, actor, visitorId, { contact: input });
}

/** A private note on the visitor, for the team only. */
export function addVisitorNote(db: Database, actor: Actor, visitorId: number, body: string): VisitorNote {
  const { trimmed, problem } = checkRequiredText(body, limits.visitorNoteLength, "visitorProfile.noteEmpty", "visitorProfile.noteTooLong");
  if (problem) throw new ValidationError({ body: problem });
  return db.transaction((tx) => {
    visitorOf(tx, actor.businessId, visitorId);
    const note = tx.insert(visitorNotes).values({ businessId: actor.businessId, visitorId, agentId: actor.id, body: trimmed }).returning().get();
    return { id: note.id, body: note.body, createdAt: note.createdAt, authorName: authorName(tx, actor.id) };
  }, { behavior: "immediate" });
}

function authorName(db: Queryable, agentId: number): string | null {
  return db.select({ name: agents.displayName }).from(agents).where(eq(agents.id, agentId)).get()?.name ?? null;
}

/** The visitor's notes, newest first. */
export function listVisitorNotes(db: Queryable, businessId: number, visitorId: number, limit: number = limits.visitorNotesShown): VisitorNote[] {
  return db
    .select({ id: visitorNotes.id, body: visitorNotes.body, createdAt: visitorNotes.createdAt, authorName: agents.displayName })
    .from(visitorNotes)
    .leftJoin(agents, eq(agents.id, visitorNotes.agentId))
    .where(and(eq(visitorNotes.businessId, businessId), eq(visitorNotes.visitorId, visitorId)))
    .orderBy(desc(visitorNotes.id))
    .limit(limit)
    .all();
}

/** A tag as stored: trimmed, inner spaces collapsed, lower-case; or why it cannot be one. */
export function normalizeTag(tag: string): { tag: string; problem: FieldProblem | null } {
  const normalized = tag.trim().replace(/\s+/g, " ").toLowerCase();
  if (!normalized) return { tag: normalized, problem: { key: "visitorProfile.tagEmpty" } };
  if (Array.from(normalized).length > limits.visitorTagLength) {
    return { tag: normalized, problem: { key: "visitorProfile.tagTooLong", params: { max: limits.visitorTagLength } } };
  }
  if (/\p{Cc}/u.test(normalized)) return { tag: normalized, problem: { key: "visitorProfile.tagInvalid" } };
  return { tag: normalized, problem: null };
}

/** Tags the visitor; a tag they already have is left as it is. */
export function addVisitorTag(db: Database, actor: Actor, visitorId: number, tag: string): string[] {
  const { tag: normalized, problem } = normalizeTag(tag);
  if (problem) throw new ValidationError({ tag: problem });
  return db.transaction((tx) => {
    visitorOf(tx, actor.businessId, visitorId);
    const tags = listVisitorTags(tx, actor.businessId, visitorId);
    if (tags.includes(normalized)) return tags;
    if (tags.length >= limits.visitorTagsPerVisitor) {
      throw new RuleError({ key: "visitorProfile.tooManyTags", params: { max: limits.visitorTagsPerVisitor } });
    }
    tx.insert(visitorTags).values({ businessId: actor.businessId, visitorId, tag: normalized }).onConflictDoNothing().run();
    return listVisitorTags(tx, actor.businessId, visitorId);
  }, { behavior: "immediate" });
}

export function removeVisitorTag(db: Database, actor: Actor, visitorId: number, tag: string): string[] {
  const normalized = normalizeTag(tag).tag;
  return db.transaction((tx) => {
    visitorOf(tx, actor.businessId, visitorId);
    tx.delete(visitorTags)
      .where(and(eq(visitorTags.businessId, actor.businessId), eq(visitorTags.visitorId, visitorId), eq(visitorTags.tag, normalized)))
      .run();
    return listVisitorTags(tx, actor.businessId, visitorId);
  }, { behavior: "immediate" });
}

export function listVisitorTags(db: Queryable, businessId: number, visitorId: number): string[] {
  return db
    .select({ tag: visitorTags.tag })
    .from(visitorTags)
    .where(and(eq(visitorTags.businessId, businessId), eq(visitorTags.visitorId, visitorId)))
    .orderBy(visitorTags.tag)
    .all()
    .map((row) => row.tag);
}

/** The tags in use in the business, alphabetically (its (business_id, tag) index serves this). */
export function businessTags(db: Queryable, businessId: number, limit: number = limits.visitorTagSuggestions): string[] {
  return db
    .selectDistinct({ tag: visitorTags.tag })
    .from(visitorTags)
    .where(eq(visitorTags.businessId, businessId))
    .orderBy(visitorTags.tag)
    .limit(limit)
    .all()
    .map((row) => row.tag);
}

/** The visitor's conversations, newest first, with who had each. */
export function visitorConversations(
  db: Queryable,
  businessId: number,
  visitorId: number,
  limit: number = limits.earlierConversationsShown,
): VisitorConversation[] {
  return db
    .select({
      id: conversations.id,
      status: conversations.status,
      openedAt: conversations.openedAt,
      closedAt: conversations.closedAt,
      agentName: agents.displayName,
    })
    .from(conversations)
    .leftJoin(agents, eq(agents.id, conversations.agentId))
    .where(and(eq(conversations.businessId, businessId), eq(conversations.visitorId, visitorId)))
    .orderBy(desc(conversations.id))
    .limit(limit)
    .all();
}

/** The panel's workspace for one visitor of the business. */
export function visitorProfile(db: Queryable, businessId: number, visitorId: number): VisitorProfile {
  return {
    tags: listVisitorTags(db, businessId, visitorId),
    tagSuggestions: businessTags(db, businessId),
    notes: listVisitorNotes(db, businessId, visitorId),
    conversations: visitorConversations(db, businessId, visitorId),
  };
}

