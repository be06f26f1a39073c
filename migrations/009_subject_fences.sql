-- Fencing tokens for subject locks. A worker holds a subject (an S/4 object, a mailbox folder, a
-- user's initial load) through a lease in Redis; a lease can run out while its holder still works
-- (a long pause, a lost Redis). Each claim of a subject takes a new token from the sequence and
-- makes it the subject's current one; every write of sync state checks, under a share lock held to
-- its commit, that its token is still current. A stale holder's write fails with SQLSTATE TDF01
-- (SYNC_FENCED) and a newer claim waits for a fenced write in flight to commit first.
CREATE SEQUENCE subject_fence_token;

CREATE TABLE subject_fences (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  subject text NOT NULL,
  token bigint NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, subject)
);
ALTER TABLE subject_fences ENABLE ROW LEVEL SECURITY;
ALTER TABLE subject_fences FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subject_fences USING (tandem_row_visible(tenant_id)) WITH CHECK (tandem_row_visible(tenant_id));
-- Retention drops fences of subjects not claimed for a while (see src/maintenance/retention.ts).
CREATE INDEX subject_fences_claimed ON subject_fences (claimed_at);

CREATE FUNCTION tandem_check_fence(p_tenant text, p_subject text, p_token bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  current_token bigint;
BEGIN
  SELECT token INTO current_token FROM subject_fences WHERE tenant_id = p_tenant AND subject = p_subject FOR SHARE;
  IF current_token IS DISTINCT FROM p_token THEN
    RAISE EXCEPTION 'subject % was claimed again (token %, current %)', p_subject, p_token, current_token USING ERRCODE = 'TDF01';
  END IF;
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tandem_app') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON subject_fences TO tandem_app;
    GRANT USAGE, SELECT ON SEQUENCE subject_fence_token TO tandem_app;
  END IF;
END
$$;

-- An initial load runs in chunks (one job each); this is where the next chunk resumes. It counts
-- only while the user's initial_load is the run it belongs to (same startedAt, state running).
ALTER TABLE mailboxes ADD COLUMN initial_load_checkpoint jsonb;
