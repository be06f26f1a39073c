-- Links as the sync engine reads them (src/sync/actions.ts SyncLink): where the object came
-- from, the mailbox's role, the exactly-once marker, and `detached` tombstones that keep an object
-- deleted in one place from being recreated.
ALTER TABLE links DROP CONSTRAINT links_state_check;
UPDATE links SET state = 'detached' WHERE state IN ('deleting', 'unlinked');
ALTER TABLE links ADD CONSTRAINT links_state_check CHECK (state IN ('creating', 'linked', 'detached'));
ALTER TABLE links ADD COLUMN origin text NOT NULL DEFAULT 's4' CHECK (origin IN ('s4', 'exchange'));
ALTER TABLE links ADD COLUMN role text NOT NULL DEFAULT 'owner' CHECK (role IN ('owner', 'attendee'));
ALTER TABLE links ADD COLUMN marker text;
CREATE INDEX links_marker ON links (tenant_id, mailbox_id, kind, marker);

-- Destructive actions held by the safety valve until an admin confirms or rejects them.
CREATE TABLE pending_deletions (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  mailbox_id uuid,
  scope text NOT NULL CHECK (scope IN ('mailbox', 'tenant')),
  kind text NOT NULL,
  s4_key text,
  exchange_item_id text,
  summary text NOT NULL,
  action jsonb NOT NULL,
  follow_ups jsonb NOT NULL DEFAULT '[]'::jsonb,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'confirmed', 'rejected', 'done', 'failed')),
  decided_by text,
  decided_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, mailbox_id) REFERENCES mailboxes (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX pending_deletions_open ON pending_deletions (tenant_id, state, created_at) WHERE state = 'pending';

-- How Tandem reaches the tenant's S/4HANA: a BTP destination (subscriber's, through the Cloud
-- Connector) or, outside BTP, a URL with a communication user.
CREATE TABLE s4_connections (
  tenant_id text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('destination', 'url')),
  destination_name text,
  url text,
  username text,
  secret_ciphertext text,
  sap_client text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'destination' AND destination_name IS NOT NULL) OR (kind = 'url' AND url IS NOT NULL AND username IS NOT NULL))
);

DO $$
DECLARE
  tenant_table text;
BEGIN
  FOREACH tenant_table IN ARRAY ARRAY['pending_deletions', 's4_connections'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tenant_table);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tandem_row_visible(tenant_id)) WITH CHECK (tandem_row_visible(tenant_id))', tenant_table);
  END LOOP;
END
$$;
