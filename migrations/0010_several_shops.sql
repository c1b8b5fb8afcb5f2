ALTER TABLE `agents` ADD `platform_admin` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `businesses` ADD `disabled` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `businesses` ADD `max_agents` integer;--> statement-breakpoint
ALTER TABLE `businesses` ADD `max_storage_bytes` integer;