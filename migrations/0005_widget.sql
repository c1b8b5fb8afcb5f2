ALTER TABLE `businesses` ADD `widget_greeting` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `businesses` ADD `identity_verification` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `visitors` ADD `page_title` text;--> statement-breakpoint
ALTER TABLE `visitors` ADD `referrer` text;--> statement-breakpoint
ALTER TABLE `visitors` ADD `language` text;--> statement-breakpoint
ALTER TABLE `visitors` ADD `timezone` text;--> statement-breakpoint
ALTER TABLE `visitors` ADD `verified` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `visitors` ADD `product` text;