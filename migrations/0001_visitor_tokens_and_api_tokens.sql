CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY NOT NULL,
	`agent_id` integer NOT NULL,
	`name` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`last_used_at` integer,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_token_hash_idx` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `api_tokens_agent_idx` ON `api_tokens` (`agent_id`);--> statement-breakpoint
DROP INDEX `conversations_visitor_idx`;--> statement-breakpoint
CREATE INDEX `conversations_business_status_id_idx` ON `conversations` (`business_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `conversations_visitor_idx` ON `conversations` (`visitor_id`,`status`);--> statement-breakpoint
ALTER TABLE `visitors` ADD `token_hash` text;--> statement-breakpoint
CREATE UNIQUE INDEX `visitors_token_hash_idx` ON `visitors` (`token_hash`);