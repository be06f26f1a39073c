import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimSubjectAlone, completeRows } from '../../../src/inbox/inbox-repository.js';
import { withSystemScope, withTenant } from '../../../src/store/transaction.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await withSystemScope(async (tx) => {
    await tx.query(`INSERT INTO tenants (id) VALUES ('tenant-a'), ('tenant-b')`);
    await tx.query(
      `INSERT INTO journal (tenant_id, outcome, reason) VALUES ('tenant-a', 'synced', 'a1'), ('tenant-b', 'synced', 'b1')`,
    );
  }, db.pool);
});
afterAll(async () => db.drop());

describe('row-level security', () => {
  it('shows a tenant only its own rows, even when the query names the other tenant', async () => {
    const rows = await withTenant(
      'tenant-a',
      async (tx) => {
        const all = await tx.query('SELECT reason FROM journal');
        const other = await tx.query(`SELECT reason FROM journal WHERE tenant_id = 'tenant-b'`);
        const tenants = await tx.query('SELECT id FROM tenants');
        return { all: all.rows, other: other.rows, tenants: tenants.rows };
      },
      db.pool,
    );
    expect(rows.all).toEqual([{ reason: 'a1' }]);
    expect(rows.other).toEqual([]);
    expect(rows.tenants).toEqual([{ id: 'tenant-a' }]);
  });

  it("cannot update or delete the other tenant's rows", async () => {
    const counts = await withTenant(
      'tenant-a',
      async (tx) => {
        const updated = await tx.query(`UPDATE journal SET reason = 'hacked' WHERE tenant_id = 'tenant-b'`);
        const deleted = await tx.query(`DELETE FROM journal WHERE tenant_id = 'tenant-b'`);
        const tenantDeleted = await tx.query(`DELETE FROM tenants WHERE id = 'tenant-b'`);
        return [updated.rowCount, deleted.rowCount, tenantDeleted.rowCount];
      },
      db.pool,
    );
    expect(counts).toEqual([0, 0, 0]);
    const untouched = await withTenant('tenant-b', (tx) => tx.query('SELECT reason FROM journal'), db.pool);
    expect(untouched.rows).toEqual([{ reason: 'b1' }]);
  });

  it("cannot write a row into the other tenant's space", async () => {
    const attempt = withTenant(
      'tenant-a',
      (tx) => tx.query(`INSERT INTO journal (tenant_id, outcome, reason) VALUES ('tenant-b', 'synced', 'planted')`),
      db.pool,
    );
    await expect(attempt).rejects.toThrow(/row-level security/);
  });

  it('cannot switch itself to another tenant or turn the policies off', async () => {
    const disable = withTenant('tenant-a', (tx) => tx.query('ALTER TABLE journal DISABLE ROW LEVEL SECURITY'), db.pool);
    await expect(disable).rejects.toThrow(/must be owner/);
    const bypass = withTenant(
      'tenant-a',
      (tx) => tx.query('SET LOCAL row_security = off; SELECT * FROM journal'),
      db.pool,
    );
    await expect(bypass).rejects.toThrow(/row-level security/);
  });

  it('sees nothing at all without a tenant context', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN; SET LOCAL ROLE tandem_app');
      const { rows } = await client.query('SELECT * FROM journal');
      expect(rows).toEqual([]);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('accepts inbox events in one statement whose tenant context ends with it (nothing leaks to the pooled connection)', async () => {
    const client = await db.pool.connect();
    try {
      const { rows } =
        await client.query(`SELECT inbox_id FROM tandem_accept_inbox('tenant-a', ARRAY['s4'], ARRAY['e-1'], ARRAY['t'], ARRAY['s4:task:x'],
        ARRAY['{}'::jsonb], ARRAY['c-1'], ARRAY[0])`);
      expect(rows).toHaveLength(1);
      // Inside the statement's transaction the policies apply: tenant set, unprivileged role (this test database's user bypasses RLS).
      await client.query('BEGIN');
      await client.query(
        `SELECT tandem_accept_inbox('tenant-a', ARRAY['s4'], ARRAY['e-1'], ARRAY['t'], ARRAY['s4:task:x'], ARRAY['{}'::jsonb], ARRAY['c-1'], ARRAY[0])`,
      );
      const inside = await client.query(
        `SELECT current_setting('tandem.tenant_id', true) AS tenant, current_user AS role`,
      );
      await client.query('ROLLBACK');
      expect(inside.rows[0]).toEqual({ tenant: 'tenant-a', role: 'tandem_app' });
      const after = await client.query(
        `SELECT current_setting('tandem.tenant_id', true) AS tenant, current_user AS role`,
      );
      // The same connection is back to no tenant and its own role: a later query sees nothing by accident.
      expect(after.rows[0].tenant ?? '').toBe('');
      expect(after.rows[0].role).not.toBe('tandem_app');
    } finally {
      client.release();
    }
    const stored = await withTenant(
      'tenant-a',
      (tx) => tx.query(`SELECT tenant_id, event_id FROM inbox WHERE event_id = 'e-1'`),
      db.pool,
    );
    expect(stored.rows).toEqual([{ tenant_id: 'tenant-a', event_id: 'e-1' }]);
    expect(
      (await withTenant('tenant-b', (tx) => tx.query(`SELECT 1 FROM inbox WHERE event_id = 'e-1'`), db.pool)).rows,
    ).toEqual([]);
  });

  it("claims and completes in one statement only the own tenant's rows, and the context ends with the statement", async () => {
    // Both tenants have an open row about the same subject (one S/4 key in two systems).
    const subject = 's4:appointment:3c1e0b6a-0000-4000-8000-000000000001';
    const ids = await withSystemScope(async (tx) => {
      const { rows } = await tx.query<{ id: number; tenant_id: string }>(
        `INSERT INTO inbox (tenant_id, source, event_id, type, subject, payload, correlation_id)
         VALUES ('tenant-a', 's4', 'claim-a', 't', $1, '{}', 'c-a'), ('tenant-b', 's4', 'claim-b', 't', $1, '{}', 'c-b')
         RETURNING id, tenant_id`,
        [subject],
      );
      return Object.fromEntries(rows.map((r) => [r.tenant_id, r.id])) as Record<string, number>;
    }, db.pool);
    // Tenant A names tenant B's row as the trigger: it claims its own row only.
    const claim = await claimSubjectAlone(db.pool, 'tenant-a', subject, ids['tenant-b']!);
    expect(claim?.rows.map((r) => r.id)).toEqual([ids['tenant-a']]);
    expect(claim?.token).toBeGreaterThan(0);
    // Completing names both rows: only tenant A's becomes done.
    await completeRows(db.pool, 'tenant-a', [ids['tenant-a']!, ids['tenant-b']!]);
    const status = await withSystemScope(
      (tx) =>
        tx.query<{ tenant_id: string; status: string }>(
          `SELECT tenant_id, status FROM inbox WHERE subject = $1 ORDER BY tenant_id`,
          [subject],
        ),
      db.pool,
    );
    expect(status.rows).toEqual([
      { tenant_id: 'tenant-a', status: 'done' },
      { tenant_id: 'tenant-b', status: 'pending' },
    ]);
    const fences = await withSystemScope(
      (tx) => tx.query<{ tenant_id: string }>(`SELECT tenant_id FROM subject_fences WHERE subject = $1`, [subject]),
      db.pool,
    );
    expect(fences.rows).toEqual([{ tenant_id: 'tenant-a' }]);
    // Every pooled connection is back to no tenant and its own role.
    const clients = await Promise.all(Array.from({ length: 3 }, () => db.pool.connect()));
    try {
      for (const client of clients) {
        const { rows } = await client.query(
          `SELECT current_setting('tandem.tenant_id', true) AS tenant, current_user AS role`,
        );
        expect(rows[0].tenant ?? '').toBe('');
        expect(rows[0].role).not.toBe('tandem_app');
      }
    } finally {
      for (const client of clients) client.release();
    }
  });
});
