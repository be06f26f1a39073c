import pg from 'pg';
import { coerceError } from '../errors/tandem-error.js';
import type { Pool } from '../store/pool.js';
import { withConnection, type Tx } from '../store/transaction.js';
import type { JournalEntry } from '../journal/journal.js';
import type { InboxRow, InboxStatus, NewInboxEvent } from './inbox-event.js';
import { subjectScope } from './subjects.js';

interface InboxRecord {
  id: number;
  tenant_id: string;
  source: InboxRow['source'];
  event_id: string;
  type: string;
  subject: string;
  payload: unknown;
  correlation_id: string;
  status: InboxStatus;
  attempts: number;
  last_error: unknown;
  received_at: Date;
}

const COLUMNS =
  'id, tenant_id, source, event_id, type, subject, payload, correlation_id, status, attempts, last_error, received_at';

function toRow(record: InboxRecord): InboxRow {
  return {
    id: record.id,
    tenantId: record.tenant_id,
    source: record.source,
    eventId: record.event_id,
    type: record.type,
    subject: record.subject,
    payload: record.payload,
    correlationId: record.correlation_id,
    status: record.status,
    attempts: record.attempts,
    lastError: record.last_error,
    receivedAt: record.received_at,
  };
}

/** After this many worker deaths while processing it, a row is a dead letter (WORKER_DIED). */
export const MAX_WORKER_DEATHS = 3;

/**
 * SQL for a row found abandoned in `processing` (its worker died or stalled): one more death, and a
 * dead letter with its cause once the cap is reached. `$cap` is the parameter holding the cap.
 * The worker's claim does the same in SQL (tandem_claim_subject, migration 017); keep them alike.
 */
const abandoned = (cap: string) => ({
  status: `CASE WHEN worker_deaths + 1 >= ${cap} THEN 'dead' ELSE %s END`,
  lastError: `CASE WHEN worker_deaths + 1 >= ${cap}
      THEN jsonb_build_object('code', 'WORKER_DIED', 'message', format('worker died %s times while processing', worker_deaths + 1),
                              'workerDeaths', worker_deaths + 1, 'attempt', attempts, 'at', now())
      ELSE last_error END`,
});

export interface Claim {
  /** Rows to work on now. */
  rows: InboxRow[];
  /** Rows that reached the worker-death cap on this claim and became dead letters instead. */
  poisoned: InboxRow[];
}

/** A claim with the subject's new fencing token (see takeFence). */
export interface FencedClaim extends Claim {
  token: number;
}

/**
 * Takes the subject (a new fencing token, as takeFence) and claims every open row about it — the
 * triggering row and any that arrived before it was picked up — so one reconciliation covers them
 * all (events are triggers; the worker reads fresh state). Rows left `processing` were abandoned by
 * a worker that died (the caller holds the subject's lock): each such claim counts a death, and at
 * `maxWorkerDeaths` the row becomes a dead letter rather than being handed to this worker to crash
 * it too. Runs in the caller's transaction, which must journal the dead letters
 * (poisonJournalEntries) before it commits. Both steps are one statement,
 * tandem_claim_subject (migrations/017_claim_and_complete_in_one_statement.sql).
 */
export async function claimSubject(
  tx: Tx,
  tenantId: string,
  subject: string,
  triggeringId: number,
  maxWorkerDeaths = MAX_WORKER_DEATHS,
): Promise<FencedClaim> {
  return toClaim(await tx.query<ClaimRecord>(CLAIM_SQL, [tenantId, subject, triggeringId, maxWorkerDeaths, true]));
}

/**
 * The worker's claim as one statement that is its own transaction (one round trip instead of four).
 * Returns undefined, having changed nothing, when a row would become a dead letter: that claim
 * must commit with its journal entries, so the caller runs claimSubject in a tenant transaction.
 */
export async function claimSubjectAlone(
  pool: Pool,
  tenantId: string,
  subject: string,
  triggeringId: number,
  maxWorkerDeaths = MAX_WORKER_DEATHS,
): Promise<FencedClaim | undefined> {
  return withConnection(async (client) => {
    try {
      return toClaim(
        await client.query<ClaimRecord>(CLAIM_SQL, [tenantId, subject, triggeringId, maxWorkerDeaths, false]),
      );
    } catch (error) {
      if ((error as { code?: string }).code === 'TDC01') return undefined;
      throw error;
    }
  }, pool);
}

type ClaimRecord = InboxRecord & { fence_token: number };

const CLAIM_SQL = `SELECT fence_token, row_id AS id, row_tenant_id AS tenant_id, row_source AS source, row_event_id AS event_id,
         row_type AS type, row_subject AS subject, row_payload AS payload, row_correlation_id AS correlation_id,
         row_status AS status, row_attempts AS attempts, row_last_error AS last_error, row_received_at AS received_at
    FROM tandem_claim_subject($1, $2, $3, $4, $5)`;

function toClaim({ rows }: { rows: ClaimRecord[] }): FencedClaim {
  const all = rows.map(toRow).sort((a, b) => a.id - b.id);
  return {
    // No row claimed: the token is not used (the job has nothing to do).
    token: rows[0]?.fence_token ?? 0,
    rows: all.filter((row) => row.status !== 'dead'),
    poisoned: all.filter((row) => row.status === 'dead'),
  };
}

/** What support sees in the journal when a row became a dead letter because its workers kept dying. */
export function poisonJournalEntries(
  rows: Array<{ subject: string; correlationId: string; lastError: unknown }>,
): JournalEntry[] {
  return rows.map((row) => {
    const cause = (row.lastError ?? {}) as { message?: string; workerDeaths?: number };
    return {
      correlationId: row.correlationId,
      ...subjectScope(row.subject),
      outcome: 'failed' as const,
      reason: 'WORKER_DIED',
      details: {
        message: cause.message ?? 'worker died while processing',
        workerDeaths: cause.workerDeaths,
        deadLetter: true,
      },
    };
  });
}

export interface SweptRow {
  id: number;
  tenantId: string;
  correlationId: string;
  type: string;
  subject: string;
  status: InboxStatus;
  lastError: unknown;
}

/**
 * The sweeper's claim: rows whose job seems lost in Redis (pending well past due) and rows
 * abandoned in `processing` by a worker that died — those count a death, and at the cap become dead
 * letters (returned with status `dead`) instead of being queued again. Run in the system scope.
 */
export async function sweepStaleRows(
  tx: Tx,
  options: { graceMs: number; processingLeaseMs: number; batchSize: number; maxWorkerDeaths: number },
): Promise<SweptRow[]> {
  const death = abandoned('$4');
  const { rows } = await tx.query<{
    id: number;
    tenant_id: string;
    correlation_id: string;
    type: string;
    subject: string;
    status: InboxStatus;
    last_error: unknown;
  }>(
    `UPDATE inbox SET next_attempt_at = now(), updated_at = now(),
            status = CASE WHEN status = 'processing' THEN ${death.status.replace('%s', "'pending'")} ELSE 'pending' END,
            last_error = CASE WHEN status = 'processing' THEN ${death.lastError} ELSE last_error END,
            worker_deaths = worker_deaths + (status = 'processing')::int
      WHERE id IN (
        SELECT id FROM inbox
         WHERE (status = 'pending' AND next_attempt_at < now() - make_interval(secs => $1 / 1000.0))
            OR (status = 'processing' AND updated_at < now() - make_interval(secs => $2 / 1000.0))
         ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
      RETURNING id, tenant_id, correlation_id, type, subject, status, last_error`,
    [options.graceMs, options.processingLeaseMs, options.batchSize, options.maxWorkerDeaths],
  );
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    correlationId: r.correlation_id,
    type: r.type,
    subject: r.subject,
    status: r.status,
    lastError: r.last_error,
  }));
}

/**
 * Makes the caller the subject's current holder: a new fencing token from the sequence (claimed_at
 * moves only when an hour old, as in tandem_claim_subject, migration 020). Call first
 * in the claim's transaction — it waits for a fenced write of the previous holder to commit, and
 * from then on that holder's writes are refused (migrations/009_subject_fences.sql).
 */
export async function takeFence(tx: Tx, tenantId: string, subject: string): Promise<number> {
  const { rows } = await tx.query<{ token: string }>(
    `INSERT INTO subject_fences (tenant_id, subject, token) VALUES ($1, $2, nextval('subject_fence_token'))
     ON CONFLICT (tenant_id, subject) DO UPDATE SET token = EXCLUDED.token,
       claimed_at = CASE WHEN subject_fences.claimed_at < now() - interval '1 hour' THEN now() ELSE subject_fences.claimed_at END
     RETURNING token`,
    [tenantId, subject],
  );
  return Number(rows[0]!.token);
}

/** A long job's sign of life: its rows are not presumed orphaned by the sweeper while it works. */
export async function touchRows(tx: Tx, ids: number[]): Promise<void> {
  await tx.query(`UPDATE inbox SET updated_at = now() WHERE id = ANY($1) AND status = 'processing'`, [ids]);
}

/**
 * A job that did one chunk of its work hands its rows back to continue at once; the claim's attempt
 * is given back, since a chunk done is progress, not a failure.
 */
export async function continueRows(tx: Tx, ids: number[]): Promise<void> {
  await tx.query(
    `UPDATE inbox SET status = 'pending', attempts = greatest(attempts - 1, 0), next_attempt_at = now(), updated_at = now()
                   WHERE id = ANY($1) AND status = 'processing'`,
    [ids],
  );
}

/**
 * Marks rows of one tenant done: one statement that is its own transaction, setting the tenant
 * context itself (tandem_complete_inbox, migrations/017_claim_and_complete_in_one_statement.sql).
 */
export async function completeRows(pool: Pool, tenantId: string, ids: number[]): Promise<void> {
  await withConnection((client) => client.query('SELECT tandem_complete_inbox($1, $2)', [tenantId, ids]), pool);
}

/**
 * The same completion as text with literals, for a job's last write of sync state to send with its
 * COMMIT (JobCompletion in src/store/fence.ts): one round trip, and the function's UPDATE keeps the
 * plan plpgsql cached for the connection. Inside a tenant transaction its tenant context sets what
 * is already set.
 */
export function completionStatement(tenantId: string, ids: number[]): string {
  const list = ids.map((id) => String(Math.trunc(Number(id)))).join(',');
  return `SELECT tandem_complete_inbox(${pg.escapeLiteral(tenantId)}, ARRAY[${list}]::bigint[])`;
}

/** Puts rows back for a retry at `retryAt`, or into the dead-letter state when no retry is left. */
export async function failRows(
  tx: Tx,
  ids: number[],
  error: Record<string, unknown>,
  retryAt: Date | undefined,
): Promise<void> {
  if (retryAt) {
    await tx.query(
      `UPDATE inbox SET status = 'pending', last_error = $2, next_attempt_at = $3, updated_at = now() WHERE id = ANY($1)`,
      [ids, JSON.stringify(error), retryAt],
    );
  } else {
    await tx.query(`UPDATE inbox SET status = 'dead', last_error = $2, updated_at = now() WHERE id = ANY($1)`, [
      ids,
      JSON.stringify(error),
    ]);
  }
}

export interface DeadLetterPage {
  items: InboxRow[];
  total: number;
}

export async function listDeadLetters(tx: Tx, options: { limit: number; offset: number }): Promise<DeadLetterPage> {
  const [{ rows }, count] = await Promise.all([
    tx.query<InboxRecord>(
      `SELECT ${COLUMNS} FROM inbox WHERE status = 'dead' ORDER BY updated_at DESC, id DESC LIMIT $1 OFFSET $2`,
      [options.limit, options.offset],
    ),
    tx.query<{ total: number }>(`SELECT count(*)::int AS total FROM inbox WHERE status = 'dead'`),
  ]);
  return { items: rows.map(toRow), total: count.rows[0]!.total };
}

/** An admin's retry of a dead letter: back to pending with fresh attempts. Returns false if it isn't dead. */
export async function reviveDeadLetter(tx: Tx, id: number): Promise<InboxRow | undefined> {
  const { rows } = await tx.query<InboxRecord>(
    `UPDATE inbox SET status = 'pending', attempts = 0, worker_deaths = 0, next_attempt_at = now(), updated_at = now()
      WHERE id = $1 AND status = 'dead' RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0] ? toRow(rows[0]) : undefined;
}

export interface BacklogStats {
  pending: number;
  processing: number;
  dead: number;
  oldestPendingAt: Date | null;
}

export async function backlogStats(tx: Tx): Promise<BacklogStats> {
  const { rows } = await tx.query<BacklogStats>(
    `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
            count(*) FILTER (WHERE status = 'processing')::int AS processing,
            count(*) FILTER (WHERE status = 'dead')::int AS dead,
            min(received_at) FILTER (WHERE status = 'pending') AS "oldestPendingAt"
       FROM inbox WHERE status <> 'done'`,
  );
  return rows[0]!;
}

/** When each source last delivered an event to the transaction's tenant (sources silent for 30 days are absent). */
export async function lastEventPerSource(tx: Tx): Promise<Map<string, Date>> {
  const { rows } = await tx.query<{ source: string; at: Date }>(
    `SELECT source, max(received_at) AS at FROM inbox WHERE received_at > now() - interval '30 days' GROUP BY source`,
  );
  return new Map(rows.map((r) => [r.source, r.at]));
}

/**
 * Stores an event Tandem raises itself (source `system`) in the caller's transaction, so the row
 * exists exactly when the change that asked for it commits; the event id doubles as correlation id.
 */
export async function insertSystemEvent(
  tx: Tx,
  tenantId: string,
  event: { eventId: string; type: string; subject: string; payload: unknown },
): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO inbox (tenant_id, source, event_id, type, subject, payload, correlation_id)
     VALUES ($1, 'system', $2, $3, $4, $5, $2) RETURNING id`,
    [tenantId, event.eventId, event.type, event.subject, JSON.stringify(event.payload)],
  );
  return rows[0]!.id;
}

/**
 * Stores accepted events of one tenant, skipping duplicates (same source and event id), and returns
 * the rows it inserted. Takes the pool, not a transaction: one statement, one round trip —
 * tandem_accept_inbox sets the tenant context as withTenant does
 * (migrations/005_accept_inbox_in_one_statement.sql) and the statement is its own transaction,
 * which keeps ingestion latency low.
 */
export async function acceptInboxEvents(
  pool: Pool,
  tenantId: string,
  events: NewInboxEvent[],
): Promise<{ id: number; source: string; event_id: string }[]> {
  const { rows } = await pool
    .query<{ id: number; source: string; event_id: string }>(
      `SELECT inbox_id AS id, inbox_source AS source, inbox_event_id AS event_id
         FROM tandem_accept_inbox($1, $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::int[])`,
      [
        tenantId,
        events.map((e) => e.source),
        events.map((e) => e.eventId),
        events.map((e) => e.type),
        events.map((e) => e.subject),
        events.map((e) => JSON.stringify(e.payload ?? null)),
        events.map((e) => e.correlationId),
        events.map((e) => e.delayMs ?? 0),
      ],
    )
    .catch((error: unknown) => {
      throw coerceError(error);
    });
  return rows;
}
