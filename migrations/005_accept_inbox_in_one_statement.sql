-- Accepting events is the hottest write Tandem makes: S/4 and Exchange wait for it before they get
-- their answer. As one statement it is one round trip and its own transaction (BEGIN, INSERT and
-- COMMIT were three), which measured 1.3–1.5 times the events per second on 2 cores.
-- The tenant context is set as withTenant sets it (src/store/transaction.ts): row-level security
-- for this tenant, under the unprivileged role where the connecting user would bypass the policies.
-- Both settings are local to the statement's transaction.
CREATE FUNCTION tandem_accept_inbox(p_tenant text, p_source text[], p_event_id text[], p_type text[], p_subject text[],
  p_payload jsonb[], p_correlation_id text[], p_delay_ms integer[])
RETURNS TABLE (inbox_id bigint, inbox_source text, inbox_event_id text)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('tandem.tenant_id', p_tenant, true);
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolbypassrls)) THEN
    PERFORM set_config('role', 'tandem_app', true);
  END IF;
  RETURN QUERY
    INSERT INTO inbox AS i (tenant_id, source, event_id, type, subject, payload, correlation_id, next_attempt_at)
    SELECT p_tenant, e.source, e.event_id, e.type, e.subject, e.payload, e.correlation_id, now() + make_interval(secs => e.delay_ms / 1000.0)
      FROM unnest(p_source, p_event_id, p_type, p_subject, p_payload, p_correlation_id, p_delay_ms)
           AS e(source, event_id, type, subject, payload, correlation_id, delay_ms)
    ON CONFLICT (tenant_id, source, event_id) DO NOTHING
    RETURNING i.id, i.source, i.event_id;
END
$$;
