import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPool, type Pool } from '../../../src/store/pool.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2, application_name: 'tandem-connection-loss' });
});

afterAll(async () => {
  await pool?.end().catch(() => undefined);
  await db?.drop();
});

/**
 * Found by the convergence suite's Postgres-restart stand-in: a connection ended by the server
 * while a caller holds it emits 'error' on the client, and a client with no listener at that
 * moment ends the whole process (an unhandled 'error' event). Here the caller adds no listener of
 * its own, as a plain `pool.connect()` user would not.
 */
describe('a pooled connection the server ends while it is lent out', () => {
  it('does not end the process; the holder sees the loss on its next query and the pool serves a new connection', async () => {
    const client = await pool.connect();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = rows[0]!.pid;
    await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    // No listener of the test's own: wait until the server has ended it and the socket has closed
    // (without the pool's listener the 'error' would now be an uncaught exception, failing the file).
    await vi.waitFor(
      async () => {
        const gone = await db.pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
        expect(gone.rowCount).toBe(0);
      },
      { timeout: 5_000, interval: 50 },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(true);
    const next = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(next.rows[0]!.pid).not.toBe(pid);
  });
});
