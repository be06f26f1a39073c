import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimSubject, claimSubjectAlone, completionStatement } from '../../../src/inbox/inbox-repository.js';
import { writeJournal } from '../../../src/journal/journal.js';
import { runFenced, type JobCompletion } from '../../../src/store/fence.js';
import { withSyncWrite, withSystemScope, withTenant, type Tx } from '../../../src/store/transaction.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

// The worker's claim as one statement (tandem_claim_subject): it takes the subject's fence and its
// open rows, counts a death for a row left `processing`, and leaves a claim that makes a dead letter
// to a tenant transaction, where the dead letter is journalled before anything commits.
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await withSystemScope((tx) => tx.query(`INSERT INTO tenants (id) VALUES ('acme')`), db.pool);
});
afterAll(async () => db.drop());

async function insertRow(
  subject: string,
  eventId: string,
  state: { status: string; workerDeaths: number; dueInMs?: number },
) {
  return withSystemScope(async (tx) => {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO inbox (tenant_id, source, event_id, type, subject, payload, correlation_id, status, worker_deaths, next_attempt_at)
       VALUES ('acme', 's4', $1, 't', $2, '{}', $1, $3, $4, now() + make_interval(secs => $5 / 1000.0)) RETURNING id`,
      [eventId, subject, state.status, state.workerDeaths, state.dueInMs ?? 0],
    );
    return rows[0]!.id;
  }, db.pool);
}

const rowState = (id: number) =>
  withTenant(
    'acme',
    async (tx) =>
      (
        await tx.query<{ status: string; worker_deaths: number; attempts: number }>(
          'SELECT status, worker_deaths, attempts FROM inbox WHERE id = $1',
          [id],
        )
      ).rows[0],
    db.pool,
  );

const fenceToken = (subject: string) =>
  withTenant(
    'acme',
    async (tx) =>
      (await tx.query<{ token: number }>('SELECT token FROM subject_fences WHERE subject = $1', [subject])).rows[0]
        ?.token,
    db.pool,
  );

describe('claiming a subject in one statement', () => {
  it('takes a new fence token and the triggering and due rows, not the ones waiting out a backoff', async () => {
    const subject = 's4:appointment:0b7d6c1e-0000-4000-8000-00000000000a';
    const trigger = await insertRow(subject, 'a-1', { status: 'pending', workerDeaths: 0, dueInMs: 60_000 });
    const due = await insertRow(subject, 'a-2', { status: 'pending', workerDeaths: 0 });
    const waiting = await insertRow(subject, 'a-3', { status: 'pending', workerDeaths: 0, dueInMs: 60_000 });
    const first = await claimSubjectAlone(db.pool, 'acme', subject, trigger);
    expect(first?.rows.map((r) => r.id)).toEqual([trigger, due]);
    expect(first?.rows.every((r) => r.status === 'processing' && r.attempts === 1)).toBe(true);
    expect(await fenceToken(subject)).toBe(first?.token);
    expect((await rowState(waiting))?.status).toBe('pending');
    // The next claim of the subject supersedes the first one's token.
    const second = await claimSubjectAlone(db.pool, 'acme', subject, waiting);
    expect(second!.token).toBeGreaterThan(first!.token);
    expect(await fenceToken(subject)).toBe(second?.token);
  });

  it('moves claimed_at only when an hour old, so a repeated claim changes no indexed column and stays a HOT update', async () => {
    const subject = 's4:appointment:0b7d6c1e-0000-4000-8000-000000000011';
    const claimedAt = (at: string) =>
      withSystemScope(async (tx) => {
        await tx.query(
          `INSERT INTO subject_fences (tenant_id, subject, token, claimed_at) VALUES ('acme', $1, nextval('subject_fence_token'), now() - $2::interval)
           ON CONFLICT (tenant_id, subject) DO UPDATE SET claimed_at = EXCLUDED.claimed_at`,
          [subject, at],
        );
      }, db.pool);
    const fence = () =>
      withTenant(
        'acme',
        async (tx) =>
          (
            await tx.query<{ token: number; age: number }>(
              `SELECT token, extract(epoch FROM now() - claimed_at)::int AS age FROM subject_fences WHERE subject = $1`,
              [subject],
            )
          ).rows[0]!,
        db.pool,
      );
    await claimedAt('10 minutes');
    const before = await fence();
    const id = await insertRow(subject, 'h-1', { status: 'pending', workerDeaths: 0 });
    // The backend's counts of updates not yet reported, read around the claim in one transaction.
    const updates = async (tx: Tx) =>
      (
        await tx.query<{ all: number; hot: number }>(
          `SELECT pg_stat_get_xact_tuples_updated('subject_fences'::regclass)::int AS all,
                  pg_stat_get_xact_tuples_hot_updated('subject_fences'::regclass)::int AS hot`,
        )
      ).rows[0]!;
    const counted = await withTenant(
      'acme',
      async (tx) => {
        const start = await updates(tx);
        await claimSubject(tx, 'acme', subject, id);
        const end = await updates(tx);
        return { all: end.all - start.all, hot: end.hot - start.hot };
      },
      db.pool,
    );
    expect(counted).toEqual({ all: 1, hot: 1 });
    const after = await fence();
    expect(after.token).toBeGreaterThan(before.token);
    expect(after.age).toBeGreaterThanOrEqual(600 - 5);
    // An hour old: the claim marks the subject as claimed now, so retention (a day unclaimed) keeps it.
    await claimedAt('2 hours');
    await claimSubjectAlone(db.pool, 'acme', subject, id);
    expect((await fence()).age).toBeLessThan(60);
  });

  it('counts a death for a row left processing and hands it on below the cap', async () => {
    const subject = 's4:appointment:0b7d6c1e-0000-4000-8000-00000000000b';
    const id = await insertRow(subject, 'b-1', { status: 'processing', workerDeaths: 1 });
    const claim = await claimSubjectAlone(db.pool, 'acme', subject, id, 3);
    expect(claim?.rows.map((r) => r.id)).toEqual([id]);
    expect(claim?.poisoned).toEqual([]);
    expect(await rowState(id)).toEqual({ status: 'processing', worker_deaths: 2, attempts: 1 });
  });

  it('changes nothing when a row would become a dead letter; the tenant transaction claims it with its journal', async () => {
    const subject = 's4:appointment:0b7d6c1e-0000-4000-8000-00000000000c';
    const id = await insertRow(subject, 'c-1', { status: 'processing', workerDeaths: 2 });
    expect(await claimSubjectAlone(db.pool, 'acme', subject, id, 3)).toBeUndefined();
    expect(await rowState(id)).toEqual({ status: 'processing', worker_deaths: 2, attempts: 0 });
    expect(await fenceToken(subject)).toBeUndefined();
    const claim = await withTenant('acme', (tx) => claimSubject(tx, 'acme', subject, id, 3), db.pool);
    expect(claim.rows).toEqual([]);
    expect(claim.poisoned.map((r) => [r.id, r.status])).toEqual([[id, 'dead']]);
    expect(claim.poisoned[0]!.lastError).toMatchObject({ code: 'WORKER_DIED', workerDeaths: 3 });
    expect(await fenceToken(subject)).toBe(claim.token);
  });
});

// A job's last write of sync state commits its completion too (JobCompletion, src/store/fence.ts):
// one synchronous commit fewer per sync operation, and no window between result and completion.
describe("completing a job in its last write's transaction", () => {
  const journalled = (correlationId: string) =>
    withTenant(
      'acme',
      async (tx) =>
        (
          await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM journal WHERE correlation_id = $1', [
            correlationId,
          ])
        ).rows[0]!.n,
      db.pool,
    );
  /** The handler's result as the executor writes it (a journal entry), offered the job's completion. */
  const result = (
    subject: string,
    token: number,
    completion: JobCompletion,
    correlationId: string,
    options: { completesJob?: boolean; fail?: boolean } = {},
  ) =>
    runFenced({ tenantId: 'acme', subject, token, completion }, () =>
      withSyncWrite(
        'acme',
        async (tx) => {
          await writeJournal(tx, 'acme', [{ correlationId, outcome: 'synced', reason: 'created.exchange' }]);
          if (options.fail) throw new Error('the result failed after its journal');
        },
        db.pool,
        { completesJob: options.completesJob ?? true },
      ),
    );

  it("refuses a stale holder's result and completion together; the current holder's commit both", async () => {
    const subject = 's4:appointment:0b7d6c1e-0000-4000-8000-00000000000d';
    const id = await insertRow(subject, 'd-1', { status: 'pending', workerDeaths: 0 });
    const stale = (await claimSubjectAlone(db.pool, 'acme', subject, id))!;
    // The stale holder's lease ran out and another job claimed the subject (and the row) since.
    const current = (await claimSubjectAlone(db.pool, 'acme', subject, id))!;
    expect(current.rows.map((r) => r.id)).toEqual([id]);
    const staleCompletion = { statement: completionStatement('acme', [id]), committed: false };
    await expect(result(subject, stale.token, staleCompletion, 'd-stale')).rejects.toMatchObject({
      code: 'SYNC_FENCED',
    });
    expect(staleCompletion.committed).toBe(false);
    expect(await journalled('d-stale')).toBe(0);
    expect((await rowState(id))?.status).toBe('processing');

    const completion = { statement: completionStatement('acme', [id]), committed: false };
    await result(subject, current.token, completion, 'd-current');
    expect(completion.committed).toBe(true);
    expect(await journalled('d-current')).toBe(1);
    expect((await rowState(id))?.status).toBe('done');
  });

  it('rolls the completion back with a result that fails, leaving the row to be retried', async () => {
    const subject = 's4:appointment:0b7d6c1e-0000-4000-8000-00000000000e';
    const id = await insertRow(subject, 'e-1', { status: 'pending', workerDeaths: 0 });
    const claim = (await claimSubjectAlone(db.pool, 'acme', subject, id))!;
    const completion = { statement: completionStatement('acme', [id]), committed: false };
    await expect(result(subject, claim.token, completion, 'e-failed', { fail: true })).rejects.toThrow(/failed/);
    expect(completion.committed).toBe(false);
    expect(await journalled('e-failed')).toBe(0);
    expect((await rowState(id))?.status).toBe('processing');
  });

  it("leaves the completion to the worker when a write is not the job's last", async () => {
    const subject = 's4:appointment:0b7d6c1e-0000-4000-8000-00000000000f';
    const id = await insertRow(subject, 'f-1', { status: 'pending', workerDeaths: 0 });
    const claim = (await claimSubjectAlone(db.pool, 'acme', subject, id))!;
    const completion = { statement: completionStatement('acme', [id]), committed: false };
    await result(subject, claim.token, completion, 'f-write', { completesJob: false });
    expect(completion.committed).toBe(false);
    expect(await journalled('f-write')).toBe(1);
    expect((await rowState(id))?.status).toBe('processing');
  });

  it("completes only the transaction's tenant's rows, under row-level security", async () => {
    await withSystemScope(
      (tx) => tx.query(`INSERT INTO tenants (id) VALUES ('globex') ON CONFLICT DO NOTHING`),
      db.pool,
    );
    const subject = 's4:appointment:0b7d6c1e-0000-4000-8000-000000000010';
    const id = await insertRow(subject, 'g-1', { status: 'pending', workerDeaths: 0 });
    const claim = (await claimSubjectAlone(db.pool, 'acme', subject, id))!;
    const other = await withSystemScope(
      async (tx) =>
        (
          await tx.query<{ id: number }>(
            `INSERT INTO inbox (tenant_id, source, event_id, type, subject, payload, correlation_id, status)
             VALUES ('globex', 's4', 'g-2', 't', $1, '{}', 'g-2', 'processing') RETURNING id`,
            [subject],
          )
        ).rows[0]!.id,
      db.pool,
    );
    // A completion naming another tenant's row (a bug upstream) does not reach it.
    const completion = { statement: completionStatement('acme', [id, other]), committed: false };
    await result(subject, claim.token, completion, 'g-write');
    expect((await rowState(id))?.status).toBe('done');
    const otherStatus = await withSystemScope(
      async (tx) =>
        (await tx.query<{ status: string }>('SELECT status FROM inbox WHERE id = $1', [other])).rows[0]!.status,
      db.pool,
    );
    expect(otherStatus).toBe('processing');
  });
});
