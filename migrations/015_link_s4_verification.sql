-- The deletion sweep (src/reconcile/deletion-sweep.ts) stands in for lost S/4 delete events: each
-- drift run asks S/4 whether the objects behind a bounded page of links still exist, least recently
-- confirmed first, and records here when S/4 last confirmed a link's object. A new link counts as
-- confirmed when it is made (it was just read from or written to S/4), so a busy tenant's new links
-- queue behind its old ones instead of starving them; existing links all start at this migration.
ALTER TABLE links ADD COLUMN s4_verified_at timestamptz NOT NULL DEFAULT now();

-- The sweep's page: a tenant's linked objects of one kind in verification order. The query names
-- tenant_id itself (an explicit, leakproof equality the planner can use as an index condition,
-- unlike the row-level-security policy's OR; see 004).
CREATE INDEX links_s4_verification ON links (tenant_id, kind, s4_verified_at, id)
  WHERE s4_key IS NOT NULL AND state = 'linked';
