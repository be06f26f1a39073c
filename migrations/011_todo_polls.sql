-- Microsoft To Do offers no change notifications to apps (application permissions), so Graph
-- users' Tandem task lists are polled with delta queries; this is when a poll was last queued.
ALTER TABLE mailboxes ADD COLUMN tasks_polled_at timestamptz;
