import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../../../src/store/pool.js';
import { hasStalePlan } from '../../../src/store/prepared-client.js';
import { withSystemScope, withTenant } from '../../../src/store/transaction.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

// Parameterised statements run as named prepared statements (src/store/prepared-client.ts); these
// tests pin what that must not change: tenant isolation under cached (generic) plans, and a
// connection whose plan a schema change invalidated being replaced rather than reused.
let db: TestDatabase;
// One connection, so every transaction below reuses the same prepared statements.
let single: Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  single = createPool(db.url, { max: 1 });
  await withSystemScope(async (tx) => {
    await tx.query(`INSERT INTO tenants (id) VALUES ('tenant-a'), ('tenant-b')`);
    await tx.query(
      `INSERT INTO journal (tenant_id, outcome, reason) VALUES ('tenant-a', 'synced', 'a1'), ('tenant-b', 'synced', 'b1')`,
    );
  }, db.pool);
});
afterAll(async () => {
  await single.end();
  await db.drop();
});

const reasons = (tenantId: string) =>
  withTenant(
    tenantId,
    async (tx) =>
      (await tx.query<{ reason: string }>('SELECT reason FROM journal WHERE outcome = $1', ['synced'])).rows.map(
        (row) => row.reason,
      ),
    single,
  );

describe('prepared statements', () => {
  it('prepares a parameterised statement once per connection', async () => {
    await reasons('tenant-a');
    await reasons('tenant-a');
    const prepared = await withTenant(
      'tenant-a',
      async (tx) =>
        (
          await tx.query<{ statement: string }>(
            `SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'SELECT reason FROM journal%'`,
          )
        ).rows,
      single,
    );
    expect(prepared).toEqual([{ statement: 'SELECT reason FROM journal WHERE outcome = $1' }]);
  });

  it("keeps each tenant to its own rows once the plan is cached (past Postgres's five custom plans)", async () => {
    for (let i = 0; i < 8; i++) {
      expect(await reasons('tenant-a')).toEqual(['a1']);
      expect(await reasons('tenant-b')).toEqual(['b1']);
    }
    const generic = await withTenant(
      'tenant-a',
      async (tx) =>
        (
          await tx.query<{ generic_plans: number }>(
            `SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE 'SELECT reason FROM journal%'`,
          )
        ).rows[0]?.generic_plans ?? 0,
      single,
    );
    // Postgres 14+ reports how often the cached generic plan ran; the isolation above held through it.
    expect(Number(generic)).toBeGreaterThan(0);
  });

  it('replaces a connection whose cached plan a schema change invalidated', async () => {
    const readAll = () =>
      withTenant(
        'tenant-a',
        async (tx) => (await tx.query('SELECT * FROM journal WHERE reason = $1', ['a1'])).rows,
        single,
      );
    await readAll();
    const pidBefore = await withTenant(
      'tenant-a',
      async (tx) => (await tx.query('SELECT pg_backend_pid() AS pid')).rows[0].pid,
      single,
    );
    // As a migration in a rolling deploy would, under the live connection.
    await db.pool.query(`ALTER TABLE journal ADD COLUMN prepared_test_extra text`);
    let failedClient: object | undefined;
    const failed = await withTenant(
      'tenant-a',
      async (tx) => {
        failedClient = tx;
        return tx.query('SELECT * FROM journal WHERE reason = $1', ['a1']);
      },
      single,
    ).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((failed as { message?: string }).message ?? '').toMatch(/cached plan must not change result type/);
    expect(hasStalePlan(failedClient!)).toBe(true);
    // The retry gets a fresh connection, which plans the statement against the new table.
    const rows = await readAll();
    expect(rows[0]).toHaveProperty('prepared_test_extra', null);
    const pidAfter = await withTenant(
      'tenant-a',
      async (tx) => (await tx.query('SELECT pg_backend_pid() AS pid')).rows[0].pid,
      single,
    );
    expect(pidAfter).not.toBe(pidBefore);
  });
});

describe('DATABASE_PREPARED_STATEMENTS', () => {
  // Behind a pooler in transaction mode a named statement may land on a server connection that
  // never prepared it; `off` must leave the server with no named statement of Tandem's.
  const namedAfterOneQuery = async (preparedStatements: boolean) => {
    const pool = createPool(db.url, { max: 1, preparedStatements });
    try {
      const client = await pool.connect();
      try {
        await client.query('SELECT reason FROM journal WHERE outcome = $1', ['synced']);
        const { rows } = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'tandem\\_%'`,
        );
        return rows[0]!.n;
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  };

  it('on: the statement is a named prepared statement on the server', async () => {
    expect(await namedAfterOneQuery(true)).toBe(1);
  });

  it('off: nothing is prepared by name, for poolers in transaction mode', async () => {
    expect(await namedAfterOneQuery(false)).toBe(0);
  });
});
