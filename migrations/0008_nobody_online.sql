ALTER TABLE `businesses` ADD `no_agent_text` text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Idle conversations now close after 30 minutes by default. Shops that never chose a value get
-- the new default; one whose owner set 0 ("never") on purpose keeps it. The column's own DEFAULT
-- stays 0 (changing it would rebuild the table): drizzle sends the schema's default on insert.
UPDATE `businesses` SET `idle_close_minutes` = 30 WHERE `idle_close_minutes` = 0 AND NOT EXISTS (SELECT 1 FROM `audit_log` WHERE `audit_log`.`business_id` = `businesses`.`id` AND `audit_log`.`action` = 'business.idle_close_changed');
