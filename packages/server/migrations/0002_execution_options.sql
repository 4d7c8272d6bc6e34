ALTER TABLE "sandboxes" ADD COLUMN "keep_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "task_executions" ADD COLUMN "options" jsonb DEFAULT '{}'::jsonb NOT NULL;