CREATE TABLE `visitor_notes` (
	`id` integer PRIMARY KEY NOT NULL,
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
CREATE INDEX `visitor_notes_visitor_idx` ON `visitor_notes` (`visitor_id`,`id`);--> statement-breakpoint
CREATE TABLE `visitor_tags` (
	`business_id` integer NOT NULL,
	`visitor_id` integer NOT NULL,
	`tag` text NOT NULL,
	PRIMARY KEY(`visitor_id`, `tag`),
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`visitor_id`) REFERENCES `visitors`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `visitor_tags_business_tag_idx` ON `visitor_tags` (`business_id`,`tag`);--> statement-breakpoint
ALTER TABLE `agents` ADD `send_key` text DEFAULT 'enter' NOT NULL;--> statement-breakpoint
ALTER TABLE `agents` ADD `sound` text DEFAULT 'chime' NOT NULL;--> statement-breakpoint
ALTER TABLE `agents` ADD `sound_volume` integer DEFAULT 60 NOT NULL;--> statement-breakpoint
ALTER TABLE `agents` ADD `desktop_notifications` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `attachments` ADD `uploaded_by` text DEFAULT 'visitor' NOT NULL;--> statement-breakpoint
ALTER TABLE `businesses` ADD `upload_max_bytes` integer DEFAULT 10485760 NOT NULL;--> statement-breakpoint
ALTER TABLE `businesses` ADD `upload_kinds` text DEFAULT '["image","audio","pdf","document","archive","text"]' NOT NULL;--> statement-breakpoint
ALTER TABLE `businesses` ADD `typing_preview` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `rating_requested_at` integer;--> statement-breakpoint
ALTER TABLE `conversations` ADD `rated_at` integer;--> statement-breakpoint
CREATE INDEX `conversations_business_closed_idx` ON `conversations` (`business_id`,`status`,`closed_at`);