import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectionOptions, createPool, type Pool } from '../../src/store/pool.js';

/** Where tests create their databases; override with TEST_DATABASE_ADMIN_URL. */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://127.0.0.1:5432/postgres';
export const TEMPLATE_ENV = 'TANDEM_TEST_TEMPLATE';

export function testDatabaseUrl(database: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh, migrated database owned by the calling test file; drop() removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env[TEMPLATE_ENV];
  if (!template) throw new Error('test/support/global-setup.ts did not run');
  const name = `tandem_t_${process.env.TANDEM_TEST_RUN ?? process.pid}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client(connectionOptions(ADMIN_DATABASE_URL));
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${pg.escapeIdentifier(template)}`);
        break;
      } catch (error) {
        // 55006: the template is briefly in use by another CREATE DATABASE; wait and retry.
        if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  } finally {
    await admin.end();
  }
  const url = testDatabaseUrl(name);
  // Named apart from the system's own connections ('tandem'), so a test can kill those alone.
  const pool = createPool(url, { max: 5, application_name: 'tandem-test' });
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      const cleanup = new pg.Client(connectionOptions(ADMIN_DATABASE_URL));
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => cleanup.end());
    },
  };
}

/** A Redis key prefix no other test or run shares. */
export function uniqueRedisPrefix(label = 'test'): string {
  return `tandem-test:${label}:${process.pid}:${randomBytes(4).toString('hex')}`;
}
