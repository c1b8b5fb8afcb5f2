CREATE TABLE `answer_rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`keywords` text NOT NULL,
	`answer` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `answer_rules_business_idx` ON `answer_rules` (`business_id`,`id`);--> statement-breakpoint
CREATE TABLE `answer_settings` (
	`business_id` integer PRIMARY KEY NOT NULL,
	`answer_when` text DEFAULT 'off' NOT NULL,
	`use_faqs` integer DEFAULT false NOT NULL,
	`banned_words` text DEFAULT '' NOT NULL,
	`banned_mode` text DEFAULT 'mask' NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `conversation_tallies` ADD `automatic_answers` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `conversation_tallies` ADD `person_requested` integer DEFAULT 0 NOT NULL;