CREATE TABLE `conversation_tallies` (
	`conversation_id` integer PRIMARY KEY NOT NULL,
	`visitor_messages` integer DEFAULT 0 NOT NULL,
	`agent_messages` integer DEFAULT 0 NOT NULL,
	`first_joined_at` integer
);
--> statement-breakpoint
CREATE TABLE `tally_progress` (
	`id` integer PRIMARY KEY NOT NULL,
	`last_message_id` integer NOT NULL,
	CONSTRAINT "tally_progress_one_row" CHECK(id = 1)
);
--> statement-breakpoint
CREATE INDEX `conversations_business_opened_idx` ON `conversations` (`business_id`,`created_at`);