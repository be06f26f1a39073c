import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../../../src/store/pool.js';
import { withTenant } from '../../../src/store/transaction.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { countPoolWrites, type WriteCount } from '../../support/socket-writes.js';

// Statements queued in one event-loop turn leave in one socket write (src/store/coalescing-client.ts).
// The counts below are system calls on the connection's socket: each test fails when the client
// stops corking (the opening and the first statement then take a write each).

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** A one-connection pool whose socket counts its writes, warmed up so setup queries are not counted. */
async function countingPool(preparedStatements: boolean): Promise<{ pool: Pool; counted: WriteCount }> {
  const pool = createPool(db.url, { max: 1, preparedStatements });
  await withTenant('tenant-a', (tx) => tx.query('SELECT 1'), pool);
  return { pool, counted: await countPoolWrites(pool) };
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe.each([
  ['unnamed statements', false],
  ['prepared statements', true],
])('coalesced socket writes (%s)', (_label, preparedStatements) => {
  it("sends a transaction's opening and its first statement in one write", async () => {
    const { pool, counted } = await countingPool(preparedStatements);
    try {
      const rows = await withTenant('tenant-a', async (tx) => (await tx.query('SELECT $1::int AS n', [7])).rows, pool);
      expect(rows).toEqual([{ n: 7 }]);
      // opening + first statement, then COMMIT (without coalescing: 3)
      expect(counted.writes).toBe(2);
    } finally {
      await pool.end();
    }
  });

  it('gives statements awaited one by one a write each', async () => {
    const { pool, counted } = await countingPool(preparedStatements);
    try {
      await withTenant(
        'tenant-a',
        async (tx) => {
          for (let i = 0; i < 3; i++) await tx.query('SELECT $1::int AS n', [i]);
        },
        pool,
      );
      // opening + first, second, third, COMMIT (without coalescing: 5)
      expect(counted.writes).toBe(4);
    } finally {
      await pool.end();
    }
  });

  it('answers every statement of a batch queued in one turn, the failing one with its own error', async () => {
    const { pool, counted } = await countingPool(preparedStatements);
    try {
      const client = await pool.connect();
      try {
        await nextTurn();
        counted.writes = 0;
        const results = await Promise.allSettled([
          client.query('SELECT $1::int AS n', [1]),
          client.query('SELECT 1/0 AS n'),
          client.query('SELECT $1::int AS n', [3]),
        ]);
        expect(counted.writes).toBe(1);
        expect(results[0]).toMatchObject({ status: 'fulfilled', value: { rows: [{ n: 1 }] } });
        expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: '22012' } });
        expect(results[2]).toMatchObject({ status: 'fulfilled', value: { rows: [{ n: 3 }] } });
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });
});
