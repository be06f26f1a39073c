-- Retention and offboarding delete by tenant and age. These statements name tenant_id explicitly
-- (they run in the system scope), so an index leading with it is usable here — unlike the
-- policy-filtered application queries migration 004 is about. Without one, deleting a tenant's
-- journal scanned every tenant's journal and ran into the statement timeout.
CREATE INDEX journal_tenant_at ON journal (tenant_id, at);
-- Handled inbox rows by age (retention of done rows).
CREATE INDEX inbox_done_at ON inbox (done_at) WHERE status = 'done';
-- Links of one tenant and user (offboarding, and the cascade when a user is deleted).
CREATE INDEX links_tenant_mailbox ON links (tenant_id, mailbox_id);
