-- Messages reach the search index in batches, off the send path (src/domain/search-index.ts):
-- the trigger that indexed each message inside its own commit is gone. search_index_progress
-- holds the id of the last message looked at; every message above it waits for the next batch.
-- (max(rowid) of messages_fts cannot say it: the table is external-content, so it reads
-- `messages`, and system events are never indexed anyway.)
CREATE TABLE `search_index_progress` (
	`id` integer PRIMARY KEY NOT NULL,
	`last_message_id` integer NOT NULL,
	CONSTRAINT "search_index_progress_one_row" CHECK("search_index_progress"."id" = 1)
);
--> statement-breakpoint
-- Until now the trigger indexed every message as it was written: all of them are in the index.
INSERT INTO `search_index_progress` (`id`, `last_message_id`) SELECT 1, coalesce(max(`id`), 0) FROM `messages`;
--> statement-breakpoint
DROP TRIGGER `messages_fts_insert`;
--> statement-breakpoint
-- A row leaving must be removed with exactly the values it was indexed with, and only if it was
-- indexed: "deleting" a message the batch has not reached yet would corrupt the index. So the
-- rules of 0007 (system events left out) hold, and only rows at or below the progress count.
DROP TRIGGER `messages_fts_delete`;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages`
WHEN old.sender <> 'system' AND old.id <= (SELECT last_message_id FROM search_index_progress) BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
--> statement-breakpoint
-- A message not yet indexed is indexed with its new text by the batch that reaches it.
DROP TRIGGER `messages_fts_update`;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_update` AFTER UPDATE OF id, body, sender ON `messages` BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body) SELECT 'delete', old.id, old.body
    WHERE old.sender <> 'system' AND old.id <= (SELECT last_message_id FROM search_index_progress);
  INSERT INTO messages_fts(rowid, body) SELECT new.id, new.body
    WHERE new.sender <> 'system' AND new.id <= (SELECT last_message_id FROM search_index_progress);
END;
