CREATE TABLE `trigger_showings` (
	`id` integer PRIMARY KEY NOT NULL,
	`trigger_id` integer NOT NULL,
	`visitor_id` integer NOT NULL,
	`day` text NOT NULL,
	`shown_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`dismissed_at` integer,
	`conversation_id` integer,
	FOREIGN KEY (`trigger_id`) REFERENCES `triggers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`visitor_id`) REFERENCES `visitors`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `trigger_showings_visitor` ON `trigger_showings` (`visitor_id`,`day`);--> statement-breakpoint
CREATE TABLE `trigger_tallies` (
	`trigger_id` integer NOT NULL,
	`day` text NOT NULL,
	`shown` integer DEFAULT 0 NOT NULL,
	`started` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`trigger_id`, `day`),
	FOREIGN KEY (`trigger_id`) REFERENCES `triggers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `triggers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`business_id` integer NOT NULL,
	`name` text NOT NULL,
	`page_pattern` text NOT NULL,
	`delay_seconds` integer NOT NULL,
	`message` text NOT NULL,
	`agent_id` integer,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `triggers_business` ON `triggers` (`business_id`);--> statement-breakpoint
ALTER TABLE `businesses` ADD `trigger_daily_cap` integer DEFAULT 1 NOT NULL;