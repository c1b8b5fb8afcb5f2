// Searching a business's messages and visitors (migrations 0007 and 0009: trigram FTS5 indexes).
//
// Threat: the query is typed by a person and goes into an FTS5 MATCH expression, whose syntax
// (OR, NEAR, column:, *, ^, quotes) could otherwise change what is searched or make SQLite
// throw. Every word is therefore passed as one quoted string: FTS5 reads it as text only.
// Scope: an FTS match knows nothing of businesses, so every result is joined back through its
// conversation (or visitor) to the searching agent's business, and filtered there.
//
// The trigram index finds any run of 3 or more characters, in any language. A word of 1 or 2
// characters (common in Chinese: 退款, 张三) cannot use it; such words narrow the results of the
// longer words, or, when every word is that short, are looked for by a plain scan of the newest
// messages, one bounded window (limits.shortSearchWindow ids) per page, so no page can cost more.
import { type SQL, sql } from "drizzle-orm";
import type { Queryable } from "../db/client";
import type { Conversation } from "./conversations";
import { NotFoundError, ValidationError } from "./errors";
import { limits } from "./limits";
import type { Message } from "./messages";
import { indexWaitingMessages } from "./search-index";

export interface SearchQuery {
  /** What was typed, tidied: control characters gone, spaces collapsed. */
  text: string;
  /** The words to find, all of them: quoted phrases kept whole, quote marks dropped. */
  terms: string[];
  /** The FTS5 expression for the words of 3+ characters, each quoted; null when there are none. */
  match: string | null;
  /** The words shorter than 3 characters, as LIKE patterns (escaped with `\`). */
  shortPatterns: string[];
}

const characters = (text: string) => Array.from(text).length;

/** Reads a search box. Throws ValidationError (field `q`) when it is too long or has too many words. */
export function parseSearchQuery(raw: string): SearchQuery {
  if (characters(raw) > limits.searchQueryLength) {
    throw new ValidationError({ q: { key: "search.tooLong", params: { max: limits.searchQueryLength } } });
  }
  const text = raw.replace(/\p{Cc}/gu, " ").replace(/\s+/g, " ").trim();
  const terms: string[] = [];
  const seen = new Set<string>();
  // "a phrase" is one term; a stray quote mark is dropped, never passed on as syntax.
  for (const [, phrase, word] of text.matchAll(/"([^"]*)"|([^\s"]+)/g)) {
    const term = (phrase ?? word ?? "").trim();
    if (!term || seen.has(term.toLowerCase())) continue;
    seen.add(term.toLowerCase());
    terms.push(term);
  }
  if (terms.length > limits.searchTerms) {
    throw new ValidationError({ q: { key: "search.tooManyWords", params: { max: limits.searchTerms } } });
  }
  const indexed = terms.filter((term) => characters(term) >= 3);
  return {
    text,
    terms,
    // Quoted strings are plain text to FTS5; a quote inside one is doubled (none survive the
    // split above, but this is the rule that makes it safe, so it stays).
    match: indexed.length ? indexed.map((term) => `"${term.replaceAll('"', '""')}"`).join(" AND ") : null,
    shortPatterns: terms.filter((term) => characters(term) < 3).map((term) => `%${term.replace(/[\\%_]/g, "\\$&")}%`),
  };
}

export interface MessageHit {
  id: number;
  conversationId: number;
  clientId: string;
  sender: Message["sender"];
  body: string;
  createdAt: number;
  visitorId: number;
  visitorName: string | null;
  /** The agent's name as it was when they sent it. */
  agentName: string | null;
}

export interface MessageResults {
  hits: MessageHit[];
  /** Where the next page starts (`before`), or null when there is nothing older to look at. */
  next: number | null;
  /**
   * Only for short words: the scan stopped at the end of its window rather than at a full page,
   * so "more" means "look further back", not "there are more matches".
   */
  windowEnded: boolean;
}

type HitRow = Omit<MessageHit, "agentName"> & { meta: string | null };

const hitColumns = sql.raw(`m.id AS id, m.conversation_id AS conversationId, m.client_id AS clientId, m.sender AS sender,
  m.body AS body, m.created_at AS createdAt, m.meta AS meta, c.visitor_id AS visitorId, v.name AS visitorName`);

/** ` AND expression LIKE pattern` for each of a query's short words (its `shortPatterns`). */
export function likeAll(expression: SQL, patterns: string[]): SQL {
  return sql.join(
    patterns.map((pattern) => sql` AND ${expression} LIKE ${pattern} ESCAPE '\\'`),
    sql``,
  );
}

/** One past the newest id: where a scan of the newest rows starts. (`db.get` answers raw values here, hence `all`.) */
function nextId(db: Queryable, table: "messages" | "visitors"): number {
  return db.all<{ top: number | null }>(sql`SELECT max(id) + 1 AS top FROM ${sql.identifier(table)}`)[0]?.top ?? 0;
}

function toHit({ meta, ...row }: HitRow): MessageHit {
  let agentName: string | null = null;
  if (row.sender === "agent" && meta) {
    const parsed = JSON.parse(meta) as { agentName?: unknown };
    if (typeof parsed.agentName === "string") agentName = parsed.agentName;
  }
  return { ...row, agentName };
}

/** One page of the business's messages that contain every term, newest first, below `before`. */
export function searchMessages(
  db: Queryable,
  businessId: number,
  query: SearchQuery,
  { before, limit = limits.searchPage, window = limits.shortSearchWindow }: { before?: number; limit?: number; window?: number } = {},
): MessageResults {
  if (query.terms.length === 0) return { hits: [], next: null, windowEnded: false };
  if (query.match !== null) {
    // Messages are indexed in batches (search-index.ts): the ones sent since the last batch first.
    indexWaitingMessages(db);
    const rows = db.all<HitRow>(sql`SELECT ${hitColumns}
      FROM messages_fts
      JOIN messages m ON m.id = messages_fts.rowid
      JOIN conversations c ON c.id = m.conversation_id
      JOIN visitors v ON v.id = c.visitor_id
      WHERE messages_fts MATCH ${query.match} AND messages_fts.rowid < ${before ?? Number.MAX_SAFE_INTEGER} AND c.business_id = ${businessId}
        ${likeAll(sql`m.body`, query.shortPatterns)}
      ORDER BY messages_fts.rowid DESC LIMIT ${limit + 1}`);
    const hits = rows.slice(0, limit).map(toHit);
    return { hits, next: rows.length > limit ? hits.at(-1)!.id : null, windowEnded: false };
  }
  // Every word is short: scan one window of ids, newest first. CROSS JOIN keeps messages the
  // outer loop (by rowid), so the window bounds the work whatever the planner would guess.
  const top = before ?? nextId(db, "messages");
  const floor = Math.max(top - window, 0);
  const rows = db.all<HitRow>(sql`SELECT ${hitColumns}
    FROM messages m
    CROSS JOIN conversations c ON c.id = m.conversation_id
    CROSS JOIN visitors v ON v.id = c.visitor_id
    WHERE m.id < ${top} AND m.id >= ${floor} AND m.sender <> 'system' AND c.business_id = ${businessId}
      ${likeAll(sql`m.body`, query.shortPatterns)}
    ORDER BY m.id DESC LIMIT ${limit + 1}`);
  const hits = rows.slice(0, limit).map(toHit);
  if (rows.length > limit) return { hits, next: hits.at(-1)!.id, windowEnded: false };
  return { hits, next: floor > 1 ? floor : null, windowEnded: floor > 1 };
}

export interface VisitorHit {
  id: number;
  name: string | null;
  email: string | null;
  phone: string | null;
  /** Their most recent conversation: where the result links. */
  conversationId: number;
}

// What a short word is looked for in: the same columns as the index, generated ids left out.
export const visitorText = sql.raw(
  "(coalesce(v.name, '') || ' ' || coalesce(v.email, '') || ' ' || coalesce(v.phone, '') || ' ' || CASE WHEN v.external_id LIKE 'anon-%' THEN '' ELSE v.external_id END)",
);
const visitorColumns = sql.raw(`v.id AS id, v.name AS name, v.email AS email, v.phone AS phone,
  (SELECT max(c.id) FROM conversations c WHERE c.visitor_id = v.id) AS conversationId`);

/** Visitors of the business whose name, email, phone or id has every term, newest first. */
export function searchVisitors(
  db: Queryable,
  businessId: number,
  query: SearchQuery,
  { limit = limits.searchVisitorsShown, window = limits.shortSearchWindow }: { limit?: number; window?: number } = {},
): VisitorHit[] {
  if (query.terms.length === 0) return [];
  // Only visitors who have chatted: a result links to their latest conversation.
  const chatted = sql`AND EXISTS (SELECT 1 FROM conversations c WHERE c.visitor_id = v.id)`;
  if (query.match !== null) {
    return db.all<VisitorHit>(sql`SELECT ${visitorColumns}
      FROM visitors_fts JOIN visitors v ON v.id = visitors_fts.rowid
      WHERE visitors_fts MATCH ${query.match} AND v.business_id = ${businessId} ${likeAll(visitorText, query.shortPatterns)} ${chatted}
      ORDER BY visitors_fts.rowid DESC LIMIT ${limit}`);
  }
  const top = nextId(db, "visitors");
  // `+v.business_id`: not by the (business, external id) index; newest ids first, in the window.
  return db.all<VisitorHit>(sql`SELECT ${visitorColumns}
    FROM visitors v
    WHERE v.id < ${top} AND v.id >= ${top - window} AND +v.business_id = ${businessId}
      ${likeAll(visitorText, query.shortPatterns)} ${chatted}
    ORDER BY v.id DESC LIMIT ${limit}`);
}

/** The message `messageId` of this conversation (which the caller has already scoped), or NotFoundError. */
export function messageInConversation(db: Queryable, conversation: Pick<Conversation, "id">, messageId: number): Pick<Message, "id" | "clientId"> {
  const [found] = db.all<{ id: number; clientId: string }>(
    sql`SELECT id, client_id AS clientId FROM messages WHERE id = ${messageId} AND conversation_id = ${conversation.id}`,
  );
  if (!found) throw new NotFoundError("message");
  return found;
}
