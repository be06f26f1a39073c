import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTenantRows, runRetention } from '../../../src/maintenance/retention.js';
import { deprovisionTenant } from '../../../src/tenants/tenant-lifecycle.js';
import { withSystemScope } from '../../../src/store/transaction.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;
const BIG_JOURNAL = 200_000;

const count = async (sql: string, params: unknown[] = []) =>
  withSystemScope(async (tx) => (await tx.query<{ n: number }>(sql, params)).rows[0]!.n, db.pool);

beforeAll(async () => {
  db = await createTestDatabase();
  await withSystemScope(async (tx) => {
    await tx.query(
      `INSERT INTO tenants (id, settings) VALUES ('big', '{}'), ('gone', '{}'), ('keep', '{"retention": {"journalDays": 30}}')`,
    );
    // Another tenant's large journal, recent enough to be kept.
    await tx.query(
      `INSERT INTO journal (tenant_id, at, outcome, reason, s4_key)
      SELECT 'big', now() - interval '1 day' - g * interval '1 second', 'synced', 'updated', 'K' || g FROM generate_series(1, $1) g`,
      [BIG_JOURNAL],
    );
    await tx.query(
      `INSERT INTO journal (tenant_id, at, outcome, reason) SELECT 'gone', now() - g * interval '1 minute', 'synced', 'updated' FROM generate_series(1, 3000) g`,
    );
    await tx.query(`INSERT INTO inbox (tenant_id, source, event_id, type, subject, payload, correlation_id, status, done_at)
      SELECT 'gone', 's4', 'gone-' || g, 't', 's', '{}', 'c', 'done', now() FROM generate_series(1, 1200) g`);
    // 'keep' keeps 30 days of journal (its own setting); 'big' has the default (90).
    await tx.query(`INSERT INTO journal (tenant_id, at, outcome, reason) VALUES
      ('keep', now() - interval '40 days', 'synced', 'old'), ('keep', now() - interval '10 days', 'synced', 'recent'),
      ('big', now() - interval '100 days', 'synced', 'old'), ('big', now() - interval '40 days', 'synced', 'within-90')`);
    // Inbox rows of every state, old and new: only old done rows go.
    await tx.query(`INSERT INTO inbox (tenant_id, source, event_id, type, subject, payload, correlation_id, status, done_at, received_at) VALUES
      ('keep', 's4', 'old-done', 't', 's', '{}', 'c', 'done', now() - interval '8 days', now() - interval '8 days'),
      ('keep', 's4', 'new-done', 't', 's', '{}', 'c', 'done', now() - interval '1 day', now() - interval '1 day'),
      ('keep', 's4', 'old-dead', 't', 's', '{}', 'c', 'dead', NULL, now() - interval '30 days'),
      ('keep', 's4', 'old-pending', 't', 's', '{}', 'c', 'pending', NULL, now() - interval '30 days')`);
    await tx.query(`INSERT INTO subject_fences (tenant_id, subject, token, claimed_at) VALUES
      ('keep', 'old', 1, now() - interval '2 days'), ('keep', 'new', 2, now())`);
    await tx.query('ANALYZE journal; ANALYZE inbox');
  }, db.pool);
}, 120_000);
afterAll(async () => db.drop());

describe('retention and offboarding', { timeout: 120_000 }, () => {
  it('removes handled inbox rows after the configured age, journal entries per tenant retention, and stale fences', async () => {
    const result = await runRetention(db.pool, { inboxDoneDays: 7, journalDefaultDays: 90, batchSize: 1_000 });
    expect(result).toMatchObject({ inbox: 1, journal: 2, fences: 1 });
    expect(
      (
        await withSystemScope(
          async (tx) =>
            (
              await tx.query<{ event_id: string }>(
                `SELECT event_id FROM inbox WHERE tenant_id = 'keep' ORDER BY event_id`,
              )
            ).rows,
          db.pool,
        )
      ).map((r) => r.event_id),
    ).toEqual(['new-done', 'old-dead', 'old-pending']);
    expect(await count(`SELECT count(*)::int AS n FROM journal WHERE tenant_id = 'keep'`)).toBe(1);
    expect(
      await count(`SELECT count(*)::int AS n FROM journal WHERE tenant_id = 'big' AND reason IN ('old', 'within-90')`),
    ).toBe(1);
    // Idempotent: a second run finds nothing more.
    expect(await runRetention(db.pool, { inboxDoneDays: 7, journalDefaultDays: 90 })).toEqual({
      inbox: 0,
      journal: 0,
      fences: 0,
    });
  });

  it("offboards a tenant in batches through an index, next to another tenant's large journal", async () => {
    // The batch statement finds the tenant's rows by index, not by scanning every tenant's journal.
    const plan = await withSystemScope(
      async (tx) =>
        (
          await tx.query<{ 'QUERY PLAN': string }>(
            `EXPLAIN SELECT ctid FROM journal WHERE tenant_id = 'gone' LIMIT 5000`,
          )
        ).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n'),
      db.pool,
    );
    expect(plan).toMatch(/Index|Bitmap/);
    expect(plan).not.toMatch(/Seq Scan/);

    const started = Date.now();
    expect(await deprovisionTenant(db.pool, 'gone')).toEqual({ existed: true });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await count(`SELECT count(*)::int AS n FROM journal WHERE tenant_id = 'gone'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM inbox WHERE tenant_id = 'gone'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM tenants WHERE id = 'gone'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM journal WHERE tenant_id = 'big'`)).toBe(BIG_JOURNAL + 1);
    // Batches: a second pass over a deleted tenant is a no-op.
    expect(Object.values(await deleteTenantRows(db.pool, 'gone', 500)).every((n) => n === 0)).toBe(true);
  });
});
