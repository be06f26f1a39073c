-- The S/4 drift check's position per tenant and object kind: the newest LastChangeDateTime it has
-- seen. The next check reads what changed since then (minus an overlap for clock skew), so S/4
-- changes whose events were lost are found without reading everything.
CREATE TABLE s4_drift_watermarks (
  tenant_id text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('appointment', 'task')),
  watermark timestamptz NOT NULL,
  checked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, kind)
);
ALTER TABLE s4_drift_watermarks ENABLE ROW LEVEL SECURITY;
ALTER TABLE s4_drift_watermarks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON s4_drift_watermarks USING (tandem_row_visible(tenant_id)) WITH CHECK (tandem_row_visible(tenant_id));
