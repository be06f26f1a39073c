-- Change-tracking state per mailbox folder (EWS SyncState / Graph deltaLink). It lives apart from
-- the subscription because subscriptions are replaced (renewal, re-creation after a drop) while
-- the folder's position in its change history must carry over.
CREATE TABLE folder_sync_states (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  mailbox_id uuid NOT NULL,
  folder text NOT NULL CHECK (folder IN ('calendar', 'tasks', 'contacts')),
  sync_state text,
  -- Set when Exchange declared the state invalid: the next run starts over and matches by stamp.
  full_resync_reason text,
  last_run_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, mailbox_id, folder),
  FOREIGN KEY (tenant_id, mailbox_id) REFERENCES mailboxes (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE folder_sync_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE folder_sync_states FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON folder_sync_states USING (tandem_row_visible(tenant_id)) WITH CHECK (tandem_row_visible(tenant_id));

-- Subscriptions: a gap seen in the watermark chain, and the renewal scheduler's index.
ALTER TABLE subscriptions ADD COLUMN gap_detected_at timestamptz;
CREATE INDEX subscriptions_due ON subscriptions (state, last_notification_at, expires_at) WHERE state IN ('pending', 'active');
