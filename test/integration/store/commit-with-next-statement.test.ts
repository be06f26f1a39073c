import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimSubjectAlone, completionStatement } from '../../../src/inbox/inbox-repository.js';
import { writeJournal } from '../../../src/journal/journal.js';
import { runFenced, type JobCompletion } from '../../../src/store/fence.js';
import { createPool, type Pool } from '../../../src/store/pool.js';
import {
  commitWithNextStatement,
  withSyncWrite,
  withSystemScope,
  withTenant,
  type Tx,
} from '../../../src/store/transaction.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { countPoolWrites } from '../../support/socket-writes.js';

// commitWithNextStatement (src/store/transaction.ts): the COMMIT, with a job's completion, rides
// behind the transaction's last statement in the same write — and still commits only what a
// COMMIT after that statement's answer would have.
let db: TestDatabase;
let single: Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  single = createPool(db.url, { max: 1 });
  await withSystemScope((tx) => tx.query(`INSERT INTO tenants (id) VALUES ('acme')`), db.pool);
});
afterAll(async () => {
  await single.end();
  await db.drop();
});

let subjects = 0;
/** A pending inbox row, claimed: its subject's fence token and the completion of the row. */
async function claimedRow(): Promise<{ subject: string; token: number; id: number; completion: JobCompletion }> {
  const subject = `s4:appointment:0b7d6c1e-0000-4000-8000-${String(++subjects).padStart(12, '0')}`;
  const id = await withSystemScope(
    async (tx) =>
      (
        await tx.query<{ id: number }>(
          `INSERT INTO inbox (tenant_id, source, event_id, type, subject, payload, correlation_id, status)
           VALUES ('acme', 's4', $1, 't', $1, '{}', $1, 'pending') RETURNING id`,
          [subject],
        )
      ).rows[0]!.id,
    db.pool,
  );
  const claim = (await claimSubjectAlone(db.pool, 'acme', subject, id))!;
  return {
    subject,
    token: claim.token,
    id,
    completion: { statement: completionStatement('acme', [id]), committed: false },
  };
}

const journalled = (reason: string) =>
  withTenant(
    'acme',
    async (tx) => (await tx.query('SELECT 1 FROM journal WHERE reason = $1', [reason])).rowCount,
    db.pool,
  );
const rowStatus = (id: number) =>
  withTenant(
    'acme',
    async (tx) => (await tx.query<{ status: string }>('SELECT status FROM inbox WHERE id = $1', [id])).rows[0]?.status,
    db.pool,
  );
const journal = (tx: Tx, reason: string) => writeJournal(tx, 'acme', [{ outcome: 'synced', reason }]);

/** The job's last write, fenced with `token`, carrying its completion. */
const lastWrite = (
  row: { subject: string; completion: JobCompletion },
  token: number,
  fn: (tx: Tx) => Promise<unknown>,
) =>
  runFenced({ tenantId: 'acme', subject: row.subject, token, completion: row.completion }, () =>
    withSyncWrite('acme', fn, single, { completesJob: true }),
  );

describe('the COMMIT behind the last statement', () => {
  it('sends opening, statement and COMMIT with the completion in one write, and commits all of it', async () => {
    const row = await claimedRow();
    await lastWrite(row, row.token, (tx) => journal(tx, 'warm-up')).catch(() => undefined);
    const next = await claimedRow();
    const counted = await countPoolWrites(single);
    await lastWrite(next, next.token, async (tx) => {
      commitWithNextStatement(tx);
      await journal(tx, 'one-write');
    });
    expect(counted.writes).toBe(1);
    expect(next.completion.committed).toBe(true);
    expect(await journalled('one-write')).toBe(1);
    expect(await rowStatus(next.id)).toBe('done');

    // The same write without it: the COMMIT waits for the statement's answer.
    const third = await claimedRow();
    counted.writes = 0;
    await lastWrite(third, third.token, (tx) => journal(tx, 'two-writes'));
    expect(counted.writes).toBe(2);
  });

  it('rolls back the whole transaction and its completion when that statement fails, and throws its error', async () => {
    const row = await claimedRow();
    await expect(
      lastWrite(row, row.token, async (tx) => {
        await journal(tx, 'before-the-failure');
        commitWithNextStatement(tx);
        await tx.query('SELECT 1 / 0');
      }),
    ).rejects.toMatchObject({ message: 'division by zero', cause: { code: '22012' } });
    expect(row.completion.committed).toBe(false);
    expect(await journalled('before-the-failure')).toBe(0);
    expect(await rowStatus(row.id)).toBe('processing');
  });

  it("refuses a stale holder's write and completion sent together with the fence check", async () => {
    const row = await claimedRow();
    const stale = row.token;
    await claimSubjectAlone(db.pool, 'acme', row.subject, row.id);
    await expect(
      lastWrite(row, stale, async (tx) => {
        commitWithNextStatement(tx);
        await journal(tx, 'stale');
      }),
    ).rejects.toMatchObject({ code: 'SYNC_FENCED' });
    expect(row.completion.committed).toBe(false);
    expect(await journalled('stale')).toBe(0);
    expect(await rowStatus(row.id)).toBe('processing');
  });

  it('commits after the function as usual when no statement follows', async () => {
    const row = await claimedRow();
    await lastWrite(row, row.token, async (tx) => {
      await journal(tx, 'armed-unused');
      commitWithNextStatement(tx);
    });
    expect(row.completion.committed).toBe(true);
    expect(await journalled('armed-unused')).toBe(1);
  });

  it('fails a transaction whose function swallowed a failed statement, rather than report a rolled-back COMMIT as success', async () => {
    // Postgres answers that COMMIT with ROLLBACK, not an error; a completion's statement would fail instead.
    await expect(
      withTenant(
        'acme',
        async (tx) => {
          await journal(tx, 'swallowed');
          await tx.query('SELECT 1 / 0').catch(() => undefined);
        },
        single,
      ),
    ).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/rolled back at its COMMIT/) });
    expect(await journalled('swallowed')).toBe(0);

    const row = await claimedRow();
    await expect(
      lastWrite(row, row.token, async (tx) => {
        await journal(tx, 'swallowed-with-completion');
        await tx.query('SELECT 1 / 0').catch(() => undefined);
      }),
    ).rejects.toThrow();
    expect(row.completion.committed).toBe(false);
    expect(await journalled('swallowed-with-completion')).toBe(0);
    expect(await rowStatus(row.id)).toBe('processing');
  });
});
