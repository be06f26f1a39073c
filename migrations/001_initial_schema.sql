-- Tandem's first schema. Every tenant-owned table carries tenant_id and is protected by row-level
-- security: a row is visible only inside a transaction whose `tandem.tenant_id` setting names its
-- tenant (store/tenant-transaction.ts sets it with SET LOCAL), or inside the narrow system scope
-- used by cross-tenant housekeeping (inbox sweeper, provisioning, notification token lookup).

-- The role every application transaction runs as. It owns nothing and cannot bypass RLS, so even a
-- superuser connection (a local Postgres with trust auth) is held to the policies. Where the
-- connecting user may not create roles (managed Postgres on BTP), FORCE ROW LEVEL SECURITY below
-- holds the non-superuser owner to the same policies.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tandem_app') THEN
    IF (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
      CREATE ROLE tandem_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
    END IF;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL; -- another database's migration created the cluster-wide role at the same moment
END
$$;

CREATE FUNCTION tandem_row_visible(row_tenant text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT row_tenant = current_setting('tandem.tenant_id', true)
      OR current_setting('tandem.scope', true) = 'system'
$$;

CREATE TABLE tenants (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9._-]{1,64}$'),
  subdomain text,
  display_name text,
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('provisioning', 'active', 'offboarding', 'deleted')),
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  settings_version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE settings_audit (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  version integer NOT NULL,
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now(),
  settings jsonb NOT NULL,
  changes jsonb NOT NULL DEFAULT '[]'::jsonb,
  UNIQUE (tenant_id, version)
);

CREATE TABLE exchange_environments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('ews-onprem', 'ews-online', 'graph')),
  -- Non-secret connection settings (URL, auth method, user, client id, impersonation, version).
  connection jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Password / client secret / certificate, encrypted (store/secret-box.ts); never returned by the API.
  secret_ciphertext text,
  max_concurrency integer NOT NULL DEFAULT 10 CHECK (max_concurrency BETWEEN 1 AND 100),
  test_mailbox text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, name),
  UNIQUE (tenant_id, id)
);

CREATE TABLE mailboxes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  environment_id uuid NOT NULL,
  smtp_address text NOT NULL,
  s4_user text,
  employee_bp text,
  sync_appointments boolean NOT NULL DEFAULT true,
  sync_tasks boolean NOT NULL DEFAULT true,
  sync_contacts boolean NOT NULL DEFAULT true,
  enabled boolean NOT NULL DEFAULT true,
  status text NOT NULL DEFAULT 'new',
  last_error jsonb,
  initial_load jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, environment_id) REFERENCES exchange_environments (tenant_id, id),
  UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX mailboxes_smtp_unique ON mailboxes (tenant_id, lower(smtp_address));
CREATE INDEX mailboxes_employee ON mailboxes (tenant_id, employee_bp);

CREATE TABLE subscriptions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  mailbox_id uuid NOT NULL,
  folder text NOT NULL CHECK (folder IN ('calendar', 'tasks', 'contacts')),
  backend text NOT NULL CHECK (backend IN ('ews', 'graph')),
  remote_id text,
  -- SHA-256 of the unguessable token in the callback URL; the token itself is never stored.
  token_hash text NOT NULL UNIQUE,
  client_state_ciphertext text,
  watermark text,
  sync_state text,
  status_frequency_minutes integer,
  last_notification_at timestamptz,
  expires_at timestamptz,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'active', 'renewing', 'retired')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, mailbox_id) REFERENCES mailboxes (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX subscriptions_one_live_per_folder ON subscriptions (tenant_id, mailbox_id, folder) WHERE state <> 'retired';

CREATE TABLE links (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('appointment', 'task', 'contact')),
  mailbox_id uuid NOT NULL,
  -- S/4 activity GUID or business partner number; null while an Outlook item's activity is being created.
  s4_key text,
  -- For occurrences of an Outlook series: series id + original start; null otherwise.
  occurrence_key text,
  exchange_item_id text,
  change_key text,
  s4_etag text,
  snapshot jsonb,
  snapshot_hash text,
  state text NOT NULL CHECK (state IN ('creating', 'linked', 'deleting', 'unlinked')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (tenant_id, mailbox_id) REFERENCES mailboxes (tenant_id, id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX links_s4_side ON links (tenant_id, kind, s4_key, mailbox_id) WHERE s4_key IS NOT NULL;
CREATE UNIQUE INDEX links_exchange_side ON links (tenant_id, mailbox_id, exchange_item_id) WHERE exchange_item_id IS NOT NULL;

CREATE TABLE inbox (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  source text NOT NULL CHECK (source IN ('s4', 'ews', 'graph', 'system')),
  event_id text NOT NULL,
  type text NOT NULL,
  -- What the event is about: an S/4 object key, or a mailbox/folder.
  subject text NOT NULL,
  payload jsonb NOT NULL,
  correlation_id text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'queued', 'processing', 'done', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error jsonb,
  received_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  done_at timestamptz,
  UNIQUE (tenant_id, source, event_id)
);
CREATE INDEX inbox_open ON inbox (next_attempt_at) WHERE status IN ('pending', 'queued', 'processing');
CREATE INDEX inbox_dead ON inbox (tenant_id, updated_at) WHERE status = 'dead';

CREATE TABLE journal (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  at timestamptz NOT NULL DEFAULT now(),
  correlation_id text,
  mailbox_id uuid,
  object_kind text,
  s4_key text,
  exchange_item_id text,
  direction text CHECK (direction IN ('s4-to-exchange', 'exchange-to-s4', 'both', 'none')),
  outcome text NOT NULL,
  reason text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX journal_tenant_time ON journal (tenant_id, at DESC);
CREATE INDEX journal_s4_key ON journal (tenant_id, s4_key, at DESC) WHERE s4_key IS NOT NULL;
CREATE INDEX journal_exchange_item ON journal (tenant_id, exchange_item_id, at DESC) WHERE exchange_item_id IS NOT NULL;
CREATE INDEX journal_correlation ON journal (tenant_id, correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX journal_mailbox ON journal (tenant_id, mailbox_id, at DESC) WHERE mailbox_id IS NOT NULL;

CREATE TABLE callback_credentials (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  username text NOT NULL UNIQUE,
  secret_hash text NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- Row-level security on every tenant-owned table; FORCE so the table owner is held to it too.
DO $$
DECLARE
  tenant_table text;
BEGIN
  ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
  ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant_isolation ON tenants USING (tandem_row_visible(id)) WITH CHECK (tandem_row_visible(id));
  FOREACH tenant_table IN ARRAY ARRAY['settings_audit', 'exchange_environments', 'mailboxes', 'subscriptions',
                                      'links', 'inbox', 'journal', 'callback_credentials'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tenant_table);
    EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tandem_row_visible(tenant_id)) WITH CHECK (tandem_row_visible(tenant_id))', tenant_table);
  END LOOP;
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tandem_app') THEN
    GRANT USAGE ON SCHEMA public TO tandem_app;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tandem_app;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tandem_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tandem_app;
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO tandem_app;
    REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM tandem_app;
  END IF;
END
$$;
