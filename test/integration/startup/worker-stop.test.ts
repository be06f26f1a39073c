import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../src/runtime/free-port.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '../../support/database.js';
import { deleteRedisPrefix } from '../../support/service.js';

/**
 * A stopped worker holds no connection: BullMQ leaves connections it was handed open, and three
 * of the worker's were never closed, so a worker runtime stopped in a process (tests, an embedded
 * use) kept it alive. The production worker exits explicitly after its stop, which hid it.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let db: TestDatabase;
const prefix = uniqueRedisPrefix('worker-stop');

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  await deleteRedisPrefix(redis, prefix);
  await redis.quit();
  await db?.drop();
});

describe('worker stop', { timeout: 60_000 }, () => {
  it('closes every Redis and Postgres connection it opened', async () => {
    const env = {
      DATABASE_URL: db.url,
      QUEUE_PREFIX: prefix,
      AUTH_MODE: 'dev',
      LOG_LEVEL: 'silent',
      PUBLIC_URL: `http://127.0.0.1:${await freePort()}`,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/stopped-worker-child.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const line = output.split('\n').find((text) => text.startsWith('{"sockets"'));
    expect(code, output).toBe(0);
    expect(JSON.parse(line!)).toEqual({ sockets: 0 });
  });
});
