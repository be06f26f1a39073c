-- The worker's claim of a subject and its completion of the claimed rows, each as one statement
-- that is its own transaction (as tandem_accept_inbox, migration 005). Counted on the sync bench
-- (docs/benchmarks.md, 2026-12-03): the claim was four round trips (BEGIN with the tenant context,
-- the fence, the claim, COMMIT) and the completion three; the backends spent about a third of their
-- CPU per sync operation on opening and committing transactions.
--
-- Both set the tenant context as withTenant does (src/store/transaction.ts): row-level security
-- for this tenant, under the unprivileged role where the connecting user would bypass the policies.
-- The settings are local to the statement's transaction. Inside a tenant transaction they set what
-- is already set.

-- Takes a new fencing token for the subject (waiting, as takeFence does, for a fenced write of the
-- previous holder to commit), then claims the subject's open rows exactly as claimSubject did
-- (src/inbox/inbox-repository.ts): the triggering row and the due ones; a row left `processing`
-- counts a worker death and becomes a dead letter at the cap. Each statement of the function sees
-- what committed before it started, so the claim sees everything the fenced-out holder committed.
--
-- A dead letter must be journalled in the claim's transaction. With p_dead_letters false the
-- function refuses (SQLSTATE TDC01, nothing changed) when a row would become one; the caller then
-- claims inside a tenant transaction with p_dead_letters true and writes the journal there.
CREATE FUNCTION tandem_claim_subject(p_tenant text, p_subject text, p_triggering_id bigint, p_max_deaths integer,
  p_dead_letters boolean)
RETURNS TABLE (fence_token bigint, row_id bigint, row_tenant_id text, row_source text, row_event_id text, row_type text,
  row_subject text, row_payload jsonb, row_correlation_id text, row_status text, row_attempts integer,
  row_last_error jsonb, row_received_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
  v_token bigint;
BEGIN
  PERFORM set_config('tandem.tenant_id', p_tenant, true);
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolbypassrls)) THEN
    PERFORM set_config('role', 'tandem_app', true);
  END IF;
  INSERT INTO subject_fences AS f (tenant_id, subject, token) VALUES (p_tenant, p_subject, nextval('subject_fence_token'))
  ON CONFLICT (tenant_id, subject) DO UPDATE SET token = EXCLUDED.token, claimed_at = now()
  RETURNING f.token INTO v_token;
  -- Claims of one subject queue behind the fence row's lock until the holder commits, so no other
  -- claim changes the subject's rows between this check and the claim.
  IF NOT p_dead_letters AND EXISTS (
    SELECT 1 FROM inbox AS i
     WHERE i.subject = p_subject AND i.status = 'processing' AND i.worker_deaths + 1 >= p_max_deaths
       AND (i.id = p_triggering_id OR i.next_attempt_at <= now() + interval '1 second')
  ) THEN
    RAISE EXCEPTION 'a row of subject % reached the worker-death cap; claim it with its journal entry', p_subject
      USING ERRCODE = 'TDC01';
  END IF;
  RETURN QUERY
    WITH claimed AS (
      UPDATE inbox AS i SET attempts = i.attempts + 1, updated_at = now(),
             status = CASE WHEN i.status = 'processing'
                           THEN CASE WHEN i.worker_deaths + 1 >= p_max_deaths THEN 'dead' ELSE 'processing' END
                           ELSE 'processing' END,
             last_error = CASE WHEN i.status = 'processing'
                               THEN CASE WHEN i.worker_deaths + 1 >= p_max_deaths
                                         THEN jsonb_build_object('code', 'WORKER_DIED', 'message', format('worker died %s times while processing', i.worker_deaths + 1),
                                                                 'workerDeaths', i.worker_deaths + 1, 'attempt', i.attempts, 'at', now())
                                         ELSE i.last_error END
                               ELSE i.last_error END,
             worker_deaths = i.worker_deaths + (i.status = 'processing')::int
       WHERE i.subject = p_subject AND i.status IN ('pending', 'processing')
         AND (i.id = p_triggering_id OR i.next_attempt_at <= now() + interval '1 second')
      RETURNING i.id, i.tenant_id, i.source, i.event_id, i.type, i.subject, i.payload, i.correlation_id, i.status,
                i.attempts, i.last_error, i.received_at
    )
    SELECT v_token, c.* FROM claimed c;
END
$$;

-- Marks claimed rows done; the worker's group commit passes the rows of one tenant.
CREATE FUNCTION tandem_complete_inbox(p_tenant text, p_ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('tandem.tenant_id', p_tenant, true);
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user AND (rolsuper OR rolbypassrls)) THEN
    PERFORM set_config('role', 'tandem_app', true);
  END IF;
  UPDATE inbox SET status = 'done', done_at = now(), updated_at = now(), last_error = NULL WHERE id = ANY(p_ids);
END
$$;
