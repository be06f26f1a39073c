-- A repeated claim of a subject (every change event of an appointment, every folder notification)
-- updates its fence row. claimed_at is indexed (subject_fences_claimed, for retention), so writing
-- now() into it on every claim made each of those updates a non-HOT one: a new entry in both
-- indexes and a new heap tuple wherever there was room. Retention only asks whether a subject went
-- unclaimed for a day (src/maintenance/retention-repository.ts, deleteUnclaimedFences), so the
-- claim now moves claimed_at only when it is more than an hour old: the other claims change only
-- the token, which no index holds, and stay HOT while the page has room — hence the fill factor,
-- which leaves each new page a fifth free for the next versions of its rows.
--
-- Dropping a fence is safe whenever it happens: a stale holder's token then matches no row and
-- its write is refused (tandem_check_fence, migration 009); a new claim takes a fresh token.
--
-- tandem_claim_subject is otherwise migration 017's, unchanged.
ALTER TABLE subject_fences SET (fillfactor = 80);

CREATE OR REPLACE FUNCTION tandem_claim_subject(p_tenant text, p_subject text, p_triggering_id bigint, p_max_deaths integer,
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
  ON CONFLICT (tenant_id, subject) DO UPDATE SET token = EXCLUDED.token,
    claimed_at = CASE WHEN f.claimed_at < now() - interval '1 hour' THEN now() ELSE f.claimed_at END
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
