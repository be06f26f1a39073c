import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRedis, duplicateRedis } from '../../../src/queue/redis.js';
import { freePort } from '../../../src/runtime/free-port.js';

const opened: Redis[] = [];

afterEach(() => {
  for (const connection of opened.splice(0)) connection.disconnect();
  vi.restoreAllMocks();
});

/** Lets `connection` fail to connect twice (nothing listens on its port). */
async function failTwice(connection: Redis): Promise<void> {
  opened.push(connection);
  // Not events.once: it listens for 'error' itself while it waits, which is what is tested here.
  for (let i = 0; i < 2; i++) await new Promise((resolve) => connection.once('reconnecting', resolve));
}

function unhandledErrorLines(spy: { mock: { calls: unknown[][] } }): number {
  return spy.mock.calls.filter((call) => String(call[0]).includes('Unhandled error event')).length;
}

describe('duplicated Redis connections during an outage', () => {
  it('log failed reconnects through the logger instead of printing "[ioredis] Unhandled error event" to stderr', async () => {
    const base = createRedis({ url: `redis://127.0.0.1:${await freePort()}`, tls: false });
    opened.push(base);
    const printed = vi.spyOn(console, 'error').mockImplementation(() => undefined);

    // Without the listener (what a bare ioredis duplicate() gives): printed on each failure.
    await failTwice(base.duplicate());
    expect(unhandledErrorLines(printed)).toBeGreaterThanOrEqual(1);
    printed.mockClear();

    await failTwice(duplicateRedis(base));
    expect(unhandledErrorLines(printed)).toBe(0);
  });
});
