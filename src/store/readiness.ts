import { migrationsUpToDate } from './migrate.js';
import type { Pool } from './pool.js';

/**
 * Readiness of the database for /ready: a round trip on a pooled connection (rejects when Postgres is
 * unreachable), then whether every migration has been applied. Runs outside any tenant: it reads no
 * tenant data.
 */
export async function databaseReadiness(pool: Pool): Promise<{ migrationsUpToDate: boolean }> {
  const client = await pool.connect();
  try {
    await client.query('SELECT 1');
    return { migrationsUpToDate: await migrationsUpToDate(client) };
  } finally {
    client.release();
  }
}
