// Canned replies (快捷回复): texts an agent inserts by typing `/shortcut` in the composer. Shared
// ones (agentId null) belong to the business and only owners and admins change them; personal
// ones belong to one agent and nobody else sees them, managers included. Every read starts from
// the actor: another agent's personal reply, like another shop's, is simply not found.
import { and, asc, eq, isNull, ne, or, sql } from "drizzle-orm";
import type { Database, Queryable } from "../db/client";
import { cannedReplies } from "../db/schema";
import { recordAudit } from "./audit";
import { type FieldProblem, NotFoundError, ValidationError } from "./errors";
import { checkRequiredText, problems, type Role } from "./fields";
import { limits } from "./limits";
import { mayChangeCannedReplies } from "./permissions";

export type CannedReply = typeof cannedReplies.$inferSelect;
export type CannedScope = "personal" | "shared";
type CannedActor = { id: number; businessId: number; role: Role };

export interface CannedReplyInput {
  shortcut: string;
  body: string;
}

/** An agent asked to change a shared reply: that is for owners and admins. */
export class SharedRepliesForbiddenError extends Error {
  constructor() {
    super("only owners and admins change shared canned replies");
  }
}

export const shortcutPattern = /^[A-Za-z0-9_-]+$/;

export function scopeOf(reply: Pick<CannedReply, "agentId">): CannedScope {
  return reply.agentId === null ? "shared" : "personal";
}

const maxInScope = (scope: CannedScope) => (scope === "shared" ? limits.cannedRepliesShared : limits.cannedRepliesPerAgent);

/** The rows of one scope: the business's shared ones, or the actor's own. */
function inScope(actor: CannedActor, scope: CannedScope) {
  return and(
    eq(cannedReplies.businessId, actor.businessId),
    scope === "shared" ? isNull(cannedReplies.agentId) : eq(cannedReplies.agentId, actor.id),
  );
}

export function listCannedReplies(db: Queryable, actor: CannedActor, scope: CannedScope): CannedReply[] {
  return db
    .select()
    .from(cannedReplies)
    .where(inScope(actor, scope))
    .orderBy(asc(sql`lower(${cannedReplies.shortcut})`), asc(cannedReplies.id))
    .all();
}

/** What the composer offers this agent: their own replies first, then the shared ones. */
export function cannedRepliesFor(db: Queryable, actor: CannedActor): CannedReply[] {
  return [...listCannedReplies(db, actor, "personal"), ...listCannedReplies(db, actor, "shared")];
}

/** A reply the actor may see (shared, or their own); anything else is not found. */
export function findCannedReply(db: Queryable, actor: CannedActor, replyId: number): CannedReply {
  const reply = db
    .select()
    .from(cannedReplies)
    .where(
      and(
        eq(cannedReplies.businessId, actor.businessId),
        eq(cannedReplies.id, replyId),
        or(isNull(cannedReplies.agentId), eq(cannedReplies.agentId, actor.id)),
      ),
    )
    .get();
  if (!reply) throw new NotFoundError("canned reply");
  return reply;
}

function checkChange(actor: CannedActor, scope: CannedScope): void {
  if (!mayChangeCannedReplies(actor, scope)) throw new SharedRepliesForbiddenError();
}

/** `/Hello ` is taken as `Hello`: people type the slash they will type in the composer. */
export function normalizeShortcut(shortcut: string): string {
  return shortcut.trim().replace(/^\//, "");
}

function checkShortcut(shortcut: string): FieldProblem | null {
  if (!shortcut) return { key: "canned.shortcutRequired" };
  if (shortcut.length > limits.cannedShortcutLength) return { key: "canned.shortcutTooLong", params: { max: limits.cannedShortcutLength } };
  if (!shortcutPattern.test(shortcut)) return { key: "canned.shortcutInvalid" };
  return null;
}

function checkInput(input: CannedReplyInput): CannedReplyInput {
  const shortcut = normalizeShortcut(input.shortcut);
  // A textarea posts CRLF line breaks; the composer holds LF ones.
  const body = checkRequiredText(input.body.replace(/\r\n?/g, "\n"), limits.cannedBodyLength, "canned.bodyRequired", "canned.bodyTooLong");
  const found = problems({ shortcut: checkShortcut(shortcut), body: body.problem });
  if (found) throw new ValidationError(found);
  return { shortcut, body: body.trimmed };
}

/** Shortcuts are unique in their scope whatever their case: `/Hi` and `/hi` would be one entry. */
function checkShortcutFree(tx: Queryable, actor: CannedActor, scope: CannedScope, shortcut: string, exceptId?: number): void {
  const taken = tx
    .select({ id: cannedReplies.id })
    .from(cannedReplies)
    .where(
      and(
        inScope(actor, scope),
        sql`lower(${cannedReplies.shortcut}) = lower(${shortcut})`,
        exceptId === undefined ? undefined : ne(cannedReplies.id, exceptId),
      ),
    )
    .get();
  if (taken) throw new ValidationError({ shortcut: { key: "canned.shortcutTaken", params: { shortcut } } });
}

export function addCannedReply(db: Database, actor: CannedActor, scope: CannedScope, input: CannedReplyInput): CannedReply {
  checkChange(actor, scope);
  const checked = checkInput(input);
  return db.transaction((tx) => {
    // Bounded by the limit itself: a scope holds at most a few hundred rows.
    const count = tx.select({ count: sql<number>`count(*)` }).from(cannedReplies).where(inScope(actor, scope)).get()?.count ?? 0;
    const max = maxInScope(scope);
    if (count >= max) throw new ValidationError({ form: { key: scope === "shared" ? "canned.tooManyShared" : "canned.tooManyPersonal", params: { max } } });
    checkShortcutFree(tx, actor, scope, checked.shortcut);
    const reply = tx
      .insert(cannedReplies)
      .values({ businessId: actor.businessId, agentId: scope === "shared" ? null : actor.id, ...checked })
      .returning()
      .get();
    recordAudit(tx, actor, "canned.created", `canned:${reply.id}`, { scope, shortcut: reply.shortcut });
    return reply;
  }, { behavior: "immediate" });
}

export function updateCannedReply(db: Database, actor: CannedActor, replyId: number, input: CannedReplyInput): CannedReply {
  return db.transaction((tx) => {
    const reply = findCannedReply(tx, actor, replyId);
    const scope = scopeOf(reply);
    checkChange(actor, scope);
    const checked = checkInput(input);
    checkShortcutFree(tx, actor, scope, checked.shortcut, reply.id);
    const updated = tx.update(cannedReplies).set(checked).where(eq(cannedReplies.id, reply.id)).returning().get()!;
    recordAudit(tx, actor, "canned.updated", `canned:${reply.id}`, { scope, from: reply.shortcut, to: updated.shortcut });
    return updated;
  }, { behavior: "immediate" });
}

/** Deletes it and returns what it was. */
export function deleteCannedReply(db: Database, actor: CannedActor, replyId: number): CannedReply {
  return db.transaction((tx) => {
    const reply = findCannedReply(tx, actor, replyId);
    const scope = scopeOf(reply);
    checkChange(actor, scope);
    tx.delete(cannedReplies).where(eq(cannedReplies.id, reply.id)).run();
    recordAudit(tx, actor, "canned.deleted", `canned:${reply.id}`, { scope, shortcut: reply.shortcut });
    return reply;
  }, { behavior: "immediate" });
}

/** What the placeholders of a reply stand for in one conversation; null when unknown. */
export interface PlaceholderValues {
  visitor_name: string | null;
  agent_name: string | null;
  shop_name: string | null;
}

/**
 * The reply's text for one conversation: each known placeholder replaced by its value. A
 * placeholder whose value is unknown (a visitor who never gave a name) or that Kefu does not
 * know stays as typed, so the agent sees it in the composer and fills it in by hand instead of
 * the visitor reading "Hello ,".
 */
export function fillPlaceholders(body: string, values: PlaceholderValues): string {
  return body.replace(placeholderPattern, (whole, name: keyof PlaceholderValues) => values[name]?.trim() || whole);
}

const placeholderPattern = /\{(visitor_name|agent_name|shop_name)\}/g;

/**
 * The first placeholder still in a message ("{visitor_name}"), or null. A reply inserted for a
 * visitor with no name keeps it for the agent to fill in; it must never reach the visitor as is.
 */
export function unfilledPlaceholder(body: string): string | null {
  return body.match(placeholderPattern)?.[0] ?? null;
}
