import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSavepoint, withSystemScope, type Tx } from '../../../src/store/transaction.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db.drop());

const insertTenant = (tx: Tx, id: string) => tx.query('INSERT INTO tenants (id) VALUES ($1)', [id]);

describe('withSavepoint', () => {
  it('rolls back only the failed part and leaves the transaction usable (the CSV import per row)', async () => {
    const outcomes = await withSystemScope(async (tx) => {
      const first = await withSavepoint(tx, () => insertTenant(tx, 'sp-a'));
      // A database error (duplicate key) after a write of its own: without the savepoint the whole
      // transaction would be aborted and every later statement refused.
      const failed = await withSavepoint(tx, async () => {
        await insertTenant(tx, 'sp-b');
        await insertTenant(tx, 'sp-a');
      });
      const last = await withSavepoint(tx, async () => {
        await insertTenant(tx, 'sp-c');
        return 'done';
      });
      return { first, failed, last };
    }, db.pool);

    expect(outcomes.first.ok).toBe(true);
    expect(outcomes.failed).toMatchObject({ ok: false, error: { code: '23505' } });
    expect(outcomes.last).toEqual({ ok: true, value: 'done' });
    const stored = await withSystemScope(
      async (tx) =>
        (await tx.query<{ id: string }>(`SELECT id FROM tenants WHERE id LIKE 'sp-%' ORDER BY id`)).rows.map(
          (r) => r.id,
        ),
      db.pool,
    );
    expect(stored).toEqual(['sp-a', 'sp-c']);
  });
});
