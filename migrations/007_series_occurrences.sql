-- Occurrences of an Outlook series synced to S/4 one activity each: the link's Exchange side is the
-- occurrence key (series id @ original start, also in occurrence_key) and series_id finds all
-- occurrences of one series in one query.
ALTER TABLE links ADD COLUMN series_id text;
CREATE INDEX links_series ON links (mailbox_id, series_id) WHERE series_id IS NOT NULL;

-- The day a user's series were last expanded against the moving sync window (once a day; reset to
-- NULL when recurring sync is switched on, so existing series are brought in at once).
ALTER TABLE mailboxes ADD COLUMN series_window_on date;
