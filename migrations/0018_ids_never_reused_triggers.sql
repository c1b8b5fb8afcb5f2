-- The triggers on visitors and conversations, made again as they were: the tables' rebuild in
-- 0017_ids_never_reused (for AUTOINCREMENT) dropped them with the old tables. Both migrations run in
-- one transaction (src/db/client.ts), so no write ever happens between them. The rows kept their ids,
-- so the search index on visitors (visitors_fts, by rowid) still matches them.
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
CREATE TRIGGER `visitors_fts_update` AFTER UPDATE OF name, email, phone, external_id ON `visitors` BEGIN
  INSERT INTO visitors_fts(visitors_fts, rowid, name, email, phone, external_id)
  VALUES ('delete', old.id, old.name, old.email, old.phone, CASE WHEN old.external_id LIKE 'anon-%' THEN NULL ELSE old.external_id END);
  INSERT INTO visitors_fts(rowid, name, email, phone, external_id)
  VALUES (new.id, new.name, new.email, new.phone, CASE WHEN new.external_id LIKE 'anon-%' THEN NULL ELSE new.external_id END);
END;
--> statement-breakpoint
CREATE TRIGGER `visitors_conversation_count_insert` AFTER INSERT ON `conversations` BEGIN
  UPDATE visitors SET conversation_count = conversation_count + 1 WHERE id = new.visitor_id;
END;
--> statement-breakpoint
CREATE TRIGGER `visitors_conversation_count_delete` AFTER DELETE ON `conversations` BEGIN
  UPDATE visitors SET conversation_count = conversation_count - 1 WHERE id = old.visitor_id;
END;
--> statement-breakpoint
CREATE TRIGGER `conversation_tallies_delete` AFTER DELETE ON `conversations` BEGIN
  DELETE FROM conversation_tallies WHERE conversation_id = old.id;
END;
