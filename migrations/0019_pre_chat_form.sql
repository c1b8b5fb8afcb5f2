ALTER TABLE `businesses` ADD `pre_chat_form` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `businesses` ADD `pre_chat_required` text DEFAULT '[]' NOT NULL;