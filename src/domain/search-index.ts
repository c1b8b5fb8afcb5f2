// Messages reach the search index (messages_fts) in batches, off the send path (migration 0009):
// indexing each message's trigrams inside its own commit made every send pay for it. The server
// indexes a batch every second (src/server.ts) and a search first indexes whatever is waiting,
// so it still finds every message sent before it.
//
// search_index_progress remembers the last message id looked at, in the same transaction as the
// batch it ends, so a restart neither repeats nor skips a message. The rules of what is indexed
// (system events are not) must stay those of the triggers that remove rows (0007, 0009).
import { sql } from "drizzle-orm";
import type { Queryable } from "../db/client";
import { searchIndexProgress } from "../db/schema";

/** How often the server indexes new messages. */
export const searchIndexEveryMs = 1000;
/**
 * Messages per batch, each batch blocking the event loop while it runs. Measured here: 500 take
 * 2-3 ms, 5,000 about 25 ms; a backlog is cleared in many small batches with requests between.
 */
export const searchIndexBatch = 500;

/** Indexes the next `batch` messages after the last one indexed, oldest first; true when more are waiting. */
export function indexNextMessages(db: Queryable, batch = searchIndexBatch): boolean {
  return db.transaction(
    (tx) => {
      const { lastMessageId } = tx.select().from(searchIndexProgress).get()!;
      const [found] = tx.all<{ upTo: number | null; count: number }>(
        sql`SELECT max(id) AS upTo, count(*) AS count FROM (SELECT id FROM messages WHERE id > ${lastMessageId} ORDER BY id LIMIT ${batch})`,
      );
      if (!found?.upTo) return false;
      tx.run(sql`INSERT INTO messages_fts(rowid, body)
        SELECT id, body FROM messages WHERE id > ${lastMessageId} AND id <= ${found.upTo} AND sender <> 'system' ORDER BY id`);
      tx.update(searchIndexProgress).set({ lastMessageId: found.upTo }).run();
      return found.count === batch;
    },
    { behavior: "immediate" },
  );
}

/**
 * Indexes every message still waiting. A failure to write (a full disk) is not the searcher's:
 * the search answers from what is already indexed, and the server's timer logs the failure.
 */
export function indexWaitingMessages(db: Queryable): void {
  try {
    while (indexNextMessages(db));
  } catch {
    // See above: the timer reports it, every second, until it is fixed.
  }
}
