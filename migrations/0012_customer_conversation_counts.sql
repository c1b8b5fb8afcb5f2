-- Each visitor's conversation count (visitors.conversation_count), which Console → Customers sorts
-- by: kept by triggers, so every way a conversation is made or removed counts (the send path,
-- the API, seeds), and the count never needs a COUNT(*) per visitor to show or order.
CREATE TRIGGER `visitors_conversation_count_insert` AFTER INSERT ON `conversations` BEGIN
  UPDATE visitors SET conversation_count = conversation_count + 1 WHERE id = new.visitor_id;
END;
--> statement-breakpoint
CREATE TRIGGER `visitors_conversation_count_delete` AFTER DELETE ON `conversations` BEGIN
  UPDATE visitors SET conversation_count = conversation_count - 1 WHERE id = old.visitor_id;
END;
--> statement-breakpoint
UPDATE visitors SET conversation_count = (SELECT count(*) FROM conversations c WHERE c.visitor_id = visitors.id);
