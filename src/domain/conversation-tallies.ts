// What each conversation's messages add up to (visitor and agent messages, when an agent first
// joined), for reports. Counting a month's messages at report time reads every one of them;
// an index on messages.sender would make every send pay for it. So a batch job reads the
// messages after tally_progress, like the search index does (search-index.ts), and a report adds
// the few not yet read (tallyTail), so today's figures are whole.
import { sql } from "drizzle-orm";
import type { Queryable } from "../db/client";

/** Messages per batch: one grouped read and one upsert per conversation seen, a few ms. */
export const tallyBatch = 5000;

export interface Tally {
  visitorMessages: number;
  agentMessages: number;
  firstJoinedAt: number | null;
  /** Answers the shop gave by itself (its bot's, a picked FAQ's), and 1 when the visitor asked for a person. */
  automaticAnswers: number;
  personRequested: number;
}

/** The id of the last message tallied; 0 before the first batch. */
export function tallyProgress(db: Queryable): number {
  const [row] = db.all<{ id: number }>(sql`SELECT last_message_id AS id FROM tally_progress WHERE id = 1`);
  return row?.id ?? 0;
}

// One grouped pass over messages in (after, upTo]: the same rules for the batch and the tail.
const tallied = (after: number, upTo: number) => sql`SELECT conversation_id AS conversationId,
    sum(sender = 'visitor') AS visitorMessages, sum(sender = 'agent') AS agentMessages,
    min(CASE WHEN sender = 'system' AND body = 'joined' THEN created_at END) AS firstJoinedAt,
    sum(sender = 'system' AND kind = 'text' AND json_extract(meta, '$.auto') IS NOT NULL) AS automaticAnswers,
    max(sender = 'system' AND body = 'personRequested') AS personRequested
  FROM messages WHERE id > ${after} AND id <= ${upTo} GROUP BY conversation_id`;

/** Tallies the next `batch` messages after the last one tallied; true when more are waiting. */
export function tallyNextMessages(db: Queryable, batch = tallyBatch): boolean {
  return db.transaction(
    (tx) => {
      const after = tallyProgress(tx);
      const [found] = tx.all<{ upTo: number | null; count: number }>(
        sql`SELECT max(id) AS upTo, count(*) AS count FROM (SELECT id FROM messages WHERE id > ${after} ORDER BY id LIMIT ${batch})`,
      );
      if (!found?.upTo) return false;
      // "WHERE true" tells SQLite's parser the ON CONFLICT belongs to the INSERT, not a join.
      tx.run(sql`INSERT INTO conversation_tallies (conversation_id, visitor_messages, agent_messages, first_joined_at, automatic_answers, person_requested)
        SELECT * FROM (${tallied(after, found.upTo)}) WHERE true
        ON CONFLICT (conversation_id) DO UPDATE SET
          visitor_messages = visitor_messages + excluded.visitor_messages,
          agent_messages = agent_messages + excluded.agent_messages,
          first_joined_at = coalesce(first_joined_at, excluded.first_joined_at),
          automatic_answers = automatic_answers + excluded.automatic_answers,
          person_requested = max(person_requested, excluded.person_requested)`);
      tx.run(sql`INSERT INTO tally_progress (id, last_message_id) VALUES (1, ${found.upTo})
        ON CONFLICT (id) DO UPDATE SET last_message_id = excluded.last_message_id`);
      return found.count === batch;
    },
    { behavior: "immediate" },
  );
}

/** What the messages after `after` add, by conversation: the part of today no batch has read yet. */
export function tallyTail(db: Queryable, after: number): Map<number, Tally> {
  const rows = db.all<Tally & { conversationId: number }>(tallied(after, Number.MAX_SAFE_INTEGER));
  return new Map(rows.map(({ conversationId, ...tally }) => [conversationId, tally]));
}
