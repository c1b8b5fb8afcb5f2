CREATE TABLE `wechat_accounts` (
	`business_id` integer PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`app_secret` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	FOREIGN KEY (`business_id`) REFERENCES `businesses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `visitors` ADD `wechat_id` text;--> statement-breakpoint
CREATE INDEX `visitors_business_wechat_idx` ON `visitors` (`business_id`,`wechat_id`) WHERE wechat_id IS NOT NULL;