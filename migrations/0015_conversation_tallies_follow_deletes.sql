-- A conversation's tally goes with it (src/domain/conversation-tallies.ts). Conversation ids are
-- not AUTOINCREMENT: when the newest one is deleted (a customer deleted with their data), the
-- next conversation takes its id, and would otherwise inherit its message counts.
CREATE TRIGGER `conversation_tallies_delete` AFTER DELETE ON `conversations` BEGIN
  DELETE FROM conversation_tallies WHERE conversation_id = old.id;
END;
