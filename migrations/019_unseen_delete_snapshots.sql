-- Change tracking says nothing about an item created and deleted between two of its runs, so each
-- run of a folder reads back the items whose links were written after the previous run began
-- (src/reconcile/catch-up.ts, reconcileUnseenDeletes). "After" was a time with two minutes of
-- margin: on a busy mailbox every run read back every item Tandem wrote in the last two minutes
-- (on the sync bench, 7 item reads per sync operation). A snapshot is exact instead: a link write
-- that the previous run's snapshot could not see committed after that run began (or was then in
-- flight), so only those writes are candidates.

-- The transaction that last wrote the link. NULL for links written before this migration: they
-- are older than any stored snapshot. Added without a table rewrite; the default applies to new rows.
ALTER TABLE links ADD COLUMN written_xid xid8;
ALTER TABLE links ALTER COLUMN written_xid SET DEFAULT pg_current_xact_id();

-- The snapshot the last run that finished its check began with: every link write it saw has been
-- verified. NULL before such a run (states saved before this migration, after a first run): the
-- next run then falls back to the time rule.
ALTER TABLE folder_sync_states ADD COLUMN run_snapshot pg_snapshot;
