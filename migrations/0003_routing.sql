CREATE TABLE `blocked_ips` (
	`id` integer PRIMARY KEY NOT NULL,
	`business_id` integer NOT NULL,
	`ip` text NOT NULL,
	`reason` text,
	`blocked_by` integer,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`blocked_by`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `blocked_ips_business_ip_idx` ON `blocked_ips` (`business_id`,`ip`);--> statement-breakpoint
CREATE TABLE `closed_dates` (
	`business_id` integer NOT NULL,
	`date` text NOT NULL,
	PRIMARY KEY(`business_id`, `date`),
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `agents` ADD `last_assigned_at` integer;--> statement-breakpoint
ALTER TABLE `businesses` ADD `group_picker` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `businesses` ADD `hold_minutes` integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE `businesses` ADD `reopen_minutes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `businesses` ADD `offline_when_no_agent` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `businesses` ADD `offline_required` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `conversations` ADD `requested_agent_id` integer REFERENCES agents(id);--> statement-breakpoint
ALTER TABLE `offline_messages` ADD `handled_at` integer;