-- The newest heartbeat of each tenant's S/4 event sender (job ZTANDEM_EVENT_SENDER posts one every few
-- minutes). The S/4 connection Test shows it: no heartbeat means the SM59 destination or the job is not
-- working, even when nothing changed in S/4.
CREATE TABLE s4_heartbeats (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  received_at timestamptz NOT NULL,
  sent_at timestamptz,
  source text NOT NULL,
  event_id text NOT NULL,
  pending_events integer NOT NULL,
  failed_events integer NOT NULL
);

ALTER TABLE s4_heartbeats ENABLE ROW LEVEL SECURITY;
ALTER TABLE s4_heartbeats FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON s4_heartbeats USING (tandem_row_visible(tenant_id)) WITH CHECK (tandem_row_visible(tenant_id));
