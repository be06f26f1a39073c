import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config/config.js';
import { startWeb, type RunningWeb } from '../../src/runtime/web.js';
import { issueCallbackCredential } from '../../src/security/callback-credentials.js';
import { withSystemScope, withTenant } from '../../src/store/transaction.js';
import type { Pool } from '../../src/store/pool.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from './database.js';
import { deleteKeysWithPrefix as deleteRedisPrefix } from '../../src/queue/redis.js';

/** A configuration pointing at this test's own database and Redis prefix. */
export function testConfig(db: TestDatabase, queuePrefix: string, extra: Record<string, string> = {}): Config {
  return loadConfig({
    ...process.env,
    DATABASE_URL: db.url,
    QUEUE_PREFIX: queuePrefix,
    AUTH_MODE: 'dev',
    LOG_LEVEL: 'silent',
    ...extra,
  });
}

export async function createTenant(pool: Pool, tenantId: string): Promise<{ username: string; password: string }> {
  await withSystemScope(
    (tx) => tx.query(`INSERT INTO tenants (id, display_name) VALUES ($1, $1) ON CONFLICT DO NOTHING`, [tenantId]),
    pool,
  );
  const credential = await withTenant(tenantId, (tx) => issueCallbackCredential(tx, tenantId, 'test'), pool);
  return { username: credential.username, password: credential.password };
}

export function basicAuth(credential: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
}

export interface TestService {
  db: TestDatabase;
  config: Config;
  web: RunningWeb;
  redis: Redis;
  prefix: string;
  stop(): Promise<void>;
}

/** `web` on an ephemeral port over a fresh database and Redis prefix. */
export async function startTestService(): Promise<TestService> {
  const db = await createTestDatabase();
  const prefix = uniqueRedisPrefix('svc');
  const config = testConfig(db, prefix);
  const web = await startWeb(config, { port: 0, host: '127.0.0.1' });
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  return {
    db,
    config,
    web,
    redis,
    prefix,
    async stop() {
      await web.stop();
      await deleteRedisPrefix(redis, prefix);
      await redis.quit();
      await db.drop();
    },
  };
}

/** Removes every key of a prefix — the test's equivalent of FLUSHALL that leaves other runs alone. */
export { deleteRedisPrefix };

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
