PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`agent_id` integer NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`scope` text DEFAULT 'write' NOT NULL,
	`requests_per_minute` integer DEFAULT 1200 NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`last_used_at` integer,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_api_tokens`("id", "agent_id", "name", "token_hash", "scope", "requests_per_minute", "created_at", "last_used_at") SELECT "id", "agent_id", "name", "token_hash", "scope", "requests_per_minute", "created_at", "last_used_at" FROM `api_tokens`;--> statement-breakpoint
DROP TABLE `api_tokens`;--> statement-breakpoint
ALTER TABLE `__new_api_tokens` RENAME TO `api_tokens`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_idx` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `api_tokens_agent_idx` ON `api_tokens` (`agent_id`);--> statement-breakpoint
CREATE TABLE `__new_attachments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`conversation_id` integer,
	`original_name` text NOT NULL,
	`mime_type` text NOT NULL,
	`size` integer NOT NULL,
	`sha256` text NOT NULL,
	`path` text NOT NULL,
	`uploaded_by` text DEFAULT 'visitor' NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_attachments`("id", "business_id", "conversation_id", "original_name", "mime_type", "size", "sha256", "path", "uploaded_by", "created_at") SELECT "id", "business_id", "conversation_id", "original_name", "mime_type", "size", "sha256", "path", "uploaded_by", "created_at" FROM `attachments`;--> statement-breakpoint
DROP TABLE `attachments`;--> statement-breakpoint
ALTER TABLE `__new_attachments` RENAME TO `attachments`;--> statement-breakpoint
CREATE INDEX `attachments_conversation_idx` ON `attachments` (`conversation_id`);--> statement-breakpoint
CREATE TABLE `__new_blocked_ips` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`ip` text NOT NULL,
	`reason` text,
	`blocked_by` integer,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`blocked_by`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_blocked_ips`("id", "business_id", "ip", "reason", "blocked_by", "created_at") SELECT "id", "business_id", "ip", "reason", "blocked_by", "created_at" FROM `blocked_ips`;--> statement-breakpoint
DROP TABLE `blocked_ips`;--> statement-breakpoint
ALTER TABLE `__new_blocked_ips` RENAME TO `blocked_ips`;--> statement-breakpoint
CREATE UNIQUE INDEX `blocked_ips_business_ip_idx` ON `blocked_ips` (`business_id`,`ip`);--> statement-breakpoint
CREATE TABLE `__new_canned_replies` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`agent_id` integer,
	`shortcut` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_canned_replies`("id", "business_id", "agent_id", "shortcut", "body", "created_at") SELECT "id", "business_id", "agent_id", "shortcut", "body", "created_at" FROM `canned_replies`;--> statement-breakpoint
DROP TABLE `canned_replies`;--> statement-breakpoint
ALTER TABLE `__new_canned_replies` RENAME TO `canned_replies`;--> statement-breakpoint
CREATE INDEX `canned_replies_business_idx` ON `canned_replies` (`business_id`,`shortcut`);--> statement-breakpoint
CREATE TABLE `__new_conversations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`visitor_id` integer NOT NULL,
	`agent_id` integer,
	`group_id` integer,
	`requested_agent_id` integer,
	`status` text DEFAULT 'queued' NOT NULL,
	`channel` text DEFAULT 'widget' NOT NULL,
	`source_page` text,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`assigned_at` integer,
	`first_response_at` integer,
	`closed_at` integer,
	`rating` integer,
	`rating_comment` text,
	`rating_requested_at` integer,
	`rated_at` integer,
	`last_message_id` integer,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`visitor_id`) REFERENCES `visitors`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`requested_agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`last_message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_conversations`("id", "business_id", "visitor_id", "agent_id", "group_id", "requested_agent_id", "status", "channel", "source_page", "created_at", "assigned_at", "first_response_at", "closed_at", "rating", "rating_comment", "rating_requested_at", "rated_at", "last_message_id") SELECT "id", "business_id", "visitor_id", "agent_id", "group_id", "requested_agent_id", "status", "channel", "source_page", "created_at", "assigned_at", "first_response_at", "closed_at", "rating", "rating_comment", "rating_requested_at", "rated_at", "last_message_id" FROM `conversations`;--> statement-breakpoint
DROP TABLE `conversations`;--> statement-breakpoint
ALTER TABLE `__new_conversations` RENAME TO `conversations`;--> statement-breakpoint
CREATE INDEX `conversations_business_status_last_idx` ON `conversations` (`business_id`,`status`,`last_message_id`);--> statement-breakpoint
CREATE INDEX `conversations_business_status_id_idx` ON `conversations` (`business_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `conversations_agent_status_idx` ON `conversations` (`agent_id`,`status`);--> statement-breakpoint
CREATE INDEX `conversations_visitor_idx` ON `conversations` (`visitor_id`,`status`);--> statement-breakpoint
CREATE INDEX `conversations_business_closed_idx` ON `conversations` (`business_id`,`status`,`closed_at`);--> statement-breakpoint
CREATE INDEX `conversations_agent_status_last_idx` ON `conversations` (`agent_id`,`status`,`last_message_id`);--> statement-breakpoint
CREATE INDEX `conversations_business_agent_closed_idx` ON `conversations` (`business_id`,`status`,`agent_id`,`closed_at`);--> statement-breakpoint
CREATE INDEX `conversations_business_rating_closed_idx` ON `conversations` (`business_id`,`status`,`rating`,`closed_at`);--> statement-breakpoint
CREATE INDEX `conversations_business_opened_idx` ON `conversations` (`business_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `__new_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`channel` text NOT NULL,
	`endpoint_id` integer,
	`event` text NOT NULL,
	`payload` text NOT NULL,
	`recipient` text,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`last_code` integer,
	`last_response` text,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`endpoint_id`) REFERENCES `webhook_endpoints`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_deliveries`("id", "business_id", "channel", "endpoint_id", "event", "payload", "recipient", "status", "attempts", "next_attempt_at", "last_code", "last_response", "created_at") SELECT "id", "business_id", "channel", "endpoint_id", "event", "payload", "recipient", "status", "attempts", "next_attempt_at", "last_code", "last_response", "created_at" FROM `deliveries`;--> statement-breakpoint
DROP TABLE `deliveries`;--> statement-breakpoint
ALTER TABLE `__new_deliveries` RENAME TO `deliveries`;--> statement-breakpoint
CREATE INDEX `deliveries_due_idx` ON `deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `deliveries_endpoint_idx` ON `deliveries` (`endpoint_id`,`id`);--> statement-breakpoint
CREATE INDEX `deliveries_business_channel_idx` ON `deliveries` (`business_id`,`channel`,`id`);--> statement-breakpoint
CREATE INDEX `deliveries_created_idx` ON `deliveries` (`created_at`);--> statement-breakpoint
CREATE TABLE `__new_faqs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`question` text NOT NULL,
	`answer` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_faqs`("id", "business_id", "question", "answer", "position", "created_at") SELECT "id", "business_id", "question", "answer", "position", "created_at" FROM `faqs`;--> statement-breakpoint
DROP TABLE `faqs`;--> statement-breakpoint
ALTER TABLE `__new_faqs` RENAME TO `faqs`;--> statement-breakpoint
CREATE INDEX `faqs_business_idx` ON `faqs` (`business_id`,`position`);--> statement-breakpoint
CREATE TABLE `__new_greetings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`group_id` integer,
	`body` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_greetings`("id", "business_id", "group_id", "body", "enabled", "created_at") SELECT "id", "business_id", "group_id", "body", "enabled", "created_at" FROM `greetings`;--> statement-breakpoint
DROP TABLE `greetings`;--> statement-breakpoint
ALTER TABLE `__new_greetings` RENAME TO `greetings`;--> statement-breakpoint
CREATE INDEX `greetings_business_idx` ON `greetings` (`business_id`);--> statement-breakpoint
CREATE TABLE `__new_groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`name` text NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_groups`("id", "business_id", "name", "created_at") SELECT "id", "business_id", "name", "created_at" FROM `groups`;--> statement-breakpoint
DROP TABLE `groups`;--> statement-breakpoint
ALTER TABLE `__new_groups` RENAME TO `groups`;--> statement-breakpoint
CREATE UNIQUE INDEX `groups_business_name_idx` ON `groups` (`business_id`,`name`);--> statement-breakpoint
CREATE TABLE `__new_offline_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`visitor_id` integer,
	`name` text,
	`phone` text,
	`email` text,
	`body` text NOT NULL,
	`handled` integer DEFAULT false NOT NULL,
	`handled_by` integer,
	`handled_at` integer,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`visitor_id`) REFERENCES `visitors`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`handled_by`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_offline_messages`("id", "business_id", "visitor_id", "name", "phone", "email", "body", "handled", "handled_by", "handled_at", "created_at") SELECT "id", "business_id", "visitor_id", "name", "phone", "email", "body", "handled", "handled_by", "handled_at", "created_at" FROM `offline_messages`;--> statement-breakpoint
DROP TABLE `offline_messages`;--> statement-breakpoint
ALTER TABLE `__new_offline_messages` RENAME TO `offline_messages`;--> statement-breakpoint
CREATE INDEX `offline_messages_business_idx` ON `offline_messages` (`business_id`,`handled`,`id`);--> statement-breakpoint
CREATE TABLE `__new_visitor_notes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`visitor_id` integer NOT NULL,
	`agent_id` integer,
	`body` text NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`visitor_id`) REFERENCES `visitors`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_visitor_notes`("id", "business_id", "visitor_id", "agent_id", "body", "created_at") SELECT "id", "business_id", "visitor_id", "agent_id", "body", "created_at" FROM `visitor_notes`;--> statement-breakpoint
DROP TABLE `visitor_notes`;--> statement-breakpoint
ALTER TABLE `__new_visitor_notes` RENAME TO `visitor_notes`;--> statement-breakpoint
CREATE INDEX `visitor_notes_visitor_idx` ON `visitor_notes` (`visitor_id`,`id`);--> statement-breakpoint
CREATE TABLE `__new_visitor_tabs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_visitor_tabs`("id", "business_id", "title", "body", "position") SELECT "id", "business_id", "title", "body", "position" FROM `visitor_tabs`;--> statement-breakpoint
DROP TABLE `visitor_tabs`;--> statement-breakpoint
ALTER TABLE `__new_visitor_tabs` RENAME TO `visitor_tabs`;--> statement-breakpoint
CREATE INDEX `visitor_tabs_business_idx` ON `visitor_tabs` (`business_id`,`position`);--> statement-breakpoint
CREATE TABLE `__new_visitors` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`external_id` text NOT NULL,
	`token_hash` text,
	`name` text,
	`avatar` text,
	`email` text,
	`phone` text,
	`attributes` text DEFAULT '{}' NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`last_seen_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`visit_count` integer DEFAULT 1 NOT NULL,
	`last_ip` text,
	`user_agent` text,
	`current_page` text,
	`page_title` text,
	`referrer` text,
	`language` text,
	`timezone` text,
	`verified` integer DEFAULT false NOT NULL,
	`product` text,
	`blocked` integer DEFAULT false NOT NULL,
	`blocked_reason` text,
	`blocked_by` integer,
	`conversation_count` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`blocked_by`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_visitors`("id", "business_id", "external_id", "token_hash", "name", "avatar", "email", "phone", "attributes", "created_at", "last_seen_at", "visit_count", "last_ip", "user_agent", "current_page", "page_title", "referrer", "language", "timezone", "verified", "product", "blocked", "blocked_reason", "blocked_by", "conversation_count") SELECT "id", "business_id", "external_id", "token_hash", "name", "avatar", "email", "phone", "attributes", "created_at", "last_seen_at", "visit_count", "last_ip", "user_agent", "current_page", "page_title", "referrer", "language", "timezone", "verified", "product", "blocked", "blocked_reason", "blocked_by", "conversation_count" FROM `visitors`;--> statement-breakpoint
DROP TABLE `visitors`;--> statement-breakpoint
ALTER TABLE `__new_visitors` RENAME TO `visitors`;--> statement-breakpoint
CREATE UNIQUE INDEX `visitors_business_external_idx` ON `visitors` (`business_id`,`external_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `visitors_token_hash_idx` ON `visitors` (`token_hash`);--> statement-breakpoint
CREATE INDEX `visitors_customers_seen_idx` ON `visitors` (`business_id`,`last_seen_at`,`id`) WHERE (name IS NOT NULL OR email IS NOT NULL OR phone IS NOT NULL OR external_id NOT LIKE 'anon-%');--> statement-breakpoint
CREATE INDEX `visitors_customers_conversations_idx` ON `visitors` (`business_id`,`conversation_count`,`last_seen_at`,`id`) WHERE (name IS NOT NULL OR email IS NOT NULL OR phone IS NOT NULL OR external_id NOT LIKE 'anon-%');--> statement-breakpoint
CREATE TABLE `__new_webhook_endpoints` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`url` text NOT NULL,
	`events` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`allow_private` integer DEFAULT false NOT NULL,
	`secret` text NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_webhook_endpoints`("id", "business_id", "url", "events", "enabled", "allow_private", "secret", "created_at") SELECT "id", "business_id", "url", "events", "enabled", "allow_private", "secret", "created_at" FROM `webhook_endpoints`;--> statement-breakpoint
DROP TABLE `webhook_endpoints`;--> statement-breakpoint
ALTER TABLE `__new_webhook_endpoints` RENAME TO `webhook_endpoints`;--> statement-breakpoint
CREATE INDEX `webhook_endpoints_business_idx` ON `webhook_endpoints` (`business_id`);