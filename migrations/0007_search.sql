-- Full-text search (src/domain/search.ts) and the indexes of the conversation lists
-- (src/domain/conversation-lists.ts).
--
-- Both FTS5 tables are external-content: they hold only the index, and read the text back from
-- `messages` / `visitors` by rowid. The trigram tokenizer indexes every run of three characters,
-- so Chinese (which has no spaces between words) is searchable by any substring of 3 or more
-- characters; shorter queries are answered by a bounded scan instead (see search.ts).
--
-- The triggers keep each index exactly in step with the rows it was given. System events
-- ("joined", "closed"...) are never indexed: their bodies are codes, not words anyone wrote.
-- Anonymous visitors' generated ids ("anon-...") are not indexed either: random text would match
-- random queries. An external-content table must be told the very values it indexed when a row
-- goes, so every condition below is applied the same way on the way in and on the way out.
-- Never run the 'rebuild' command on these tables: it would index what these rules leave out.
CREATE VIRTUAL TABLE `messages_fts` USING fts5(body, content='messages', content_rowid='id', tokenize='trigram');
--> statement-breakpoint
CREATE TRIGGER `messages_fts_insert` AFTER INSERT ON `messages` WHEN new.sender <> 'system' BEGIN
  INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages` WHEN old.sender <> 'system' BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;
--> statement-breakpoint
-- Only when the text (or who sent it) changes: marking messages read must not touch the index.
CREATE TRIGGER `messages_fts_update` AFTER UPDATE OF body, sender ON `messages` BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, body) SELECT 'delete', old.id, old.body WHERE old.sender <> 'system';
  INSERT INTO messages_fts(rowid, body) SELECT new.id, new.body WHERE new.sender <> 'system';
END;
--> statement-breakpoint
INSERT INTO messages_fts(rowid, body) SELECT id, body FROM messages WHERE sender <> 'system';
--> statement-breakpoint
CREATE VIRTUAL TABLE `visitors_fts` USING fts5(name, email, phone, external_id, content='visitors', content_rowid='id', tokenize='trigram');
--> statement-breakpoint
CREATE TRIGGER `visitors_fts_insert` AFTER INSERT ON `visitors` BEGIN
  INSERT INTO visitors_fts(rowid, name, email, phone, external_id)
  VALUES (new.id, new.name, new.email, new.phone, CASE WHEN new.external_id LIKE 'anon-%' THEN NULL ELSE new.external_id END);
END;
--> statement-breakpoint
CREATE TRIGGER `visitors_fts_delete` AFTER DELETE ON `visitors` BEGIN
  INSERT INTO visitors_fts(visitors_fts, rowid, name, email, phone, external_id)
  VALUES ('delete', old.id, old.name, old.email, old.phone, CASE WHEN old.external_id LIKE 'anon-%' THEN NULL ELSE old.external_id END);
END;
--> statement-breakpoint
-- Visitors are updated on every page they view (last seen, current page): only a change to a
-- searched column re-indexes the row.
CREATE TRIGGER `visitors_fts_update` AFTER UPDATE OF name, email, phone, external_id ON `visitors` BEGIN
  INSERT INTO visitors_fts(visitors_fts, rowid, name, email, phone, external_id)
  VALUES ('delete', old.id, old.name, old.email, old.phone, CASE WHEN old.external_id LIKE 'anon-%' THEN NULL ELSE old.external_id END);
  INSERT INTO visitors_fts(rowid, name, email, phone, external_id)
  VALUES (new.id, new.name, new.email, new.phone, CASE WHEN new.external_id LIKE 'anon-%' THEN NULL ELSE new.external_id END);
END;
--> statement-breakpoint
INSERT INTO visitors_fts(rowid, name, email, phone, external_id)
SELECT id, name, email, phone, CASE WHEN external_id LIKE 'anon-%' THEN NULL ELSE external_id END FROM visitors;
--> statement-breakpoint
-- The lists, newest first, one page at a time: each filter has an index whose order is the
-- list's order, so a page reads 31 index entries instead of sorting the whole business.
-- My open conversations, by last activity.
CREATE INDEX `conversations_agent_status_last_idx` ON `conversations` (`agent_id`, `status`, `last_message_id`);
--> statement-breakpoint
-- Closed conversations of one agent, newest close first (the unfiltered list uses
-- conversations_business_closed_idx from 0006).
CREATE INDEX `conversations_business_agent_closed_idx` ON `conversations` (`business_id`, `status`, `agent_id`, `closed_at`);
--> statement-breakpoint
-- Closed conversations with a given rating, or none (rating IS NULL is an equality here).
CREATE INDEX `conversations_business_rating_closed_idx` ON `conversations` (`business_id`, `status`, `rating`, `closed_at`);
