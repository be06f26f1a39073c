import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisSemaphore } from '../../../src/limits/redis-semaphore.js';
import { RateWindow } from '../../../src/limits/rate-window.js';
import { isTandemError } from '../../../src/errors/tandem-error.js';
import { uniqueRedisPrefix } from '../../support/database.js';

const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: false });
const prefix = uniqueRedisPrefix('limits');
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('RedisSemaphore', () => {
  it('never lets more than the limit run at once, across independent clients', async () => {
    const clients = [new Redis('redis://127.0.0.1:6379'), new Redis('redis://127.0.0.1:6379')];
    const semaphores = clients.map((client) => new RedisSemaphore(client, prefix));
    let running = 0;
    let peak = 0;
    const work = Array.from({ length: 24 }, (_, i) =>
      semaphores[i % 2]!.withSlots([{ name: 'env-1', limit: 3 }], async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running--;
      }),
    );
    await Promise.all(work);
    await Promise.all(clients.map((client) => client.quit()));
    expect(peak).toBe(3);
  });

  it('frees the slot of a holder that died once its lease expires', async () => {
    const semaphore = new RedisSemaphore(redis, prefix);
    const abandoned = await semaphore.tryAcquire('lease', { limit: 1, leaseMs: 200 });
    expect(abandoned).toBeDefined();
    expect(await semaphore.tryAcquire('lease', { limit: 1, leaseMs: 200 })).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await semaphore.tryAcquire('lease', { limit: 1, leaseMs: 200 })).toBeDefined();
  });

  it('takes a slot of several semaphores all at once or none at all', async () => {
    const semaphore = new RedisSemaphore(redis, prefix);
    const mailboxBusy = await semaphore.tryAcquire('mbx-a', { limit: 1 });
    // The environment has room but the mailbox is full: nothing may be held while waiting.
    expect(
      await semaphore.trySlots([
        { name: 'env-a', limit: 2 },
        { name: 'mbx-a', limit: 1 },
      ]),
    ).toBeUndefined();
    expect(await semaphore.holders('env-a')).toBe(0);
    await mailboxBusy!();
    const both = await semaphore.trySlots([
      { name: 'env-a', limit: 2 },
      { name: 'mbx-a', limit: 1 },
    ]);
    expect([await semaphore.holders('env-a'), await semaphore.holders('mbx-a')]).toEqual([1, 1]);
    await both!();
    expect([await semaphore.holders('env-a'), await semaphore.holders('mbx-a')]).toEqual([0, 0]);
  });

  it("frees a lease through the caller's script, and by itself when that script fails", async () => {
    const semaphore = new RedisSemaphore(redis, prefix);
    const lease = (await semaphore.tryLease('handed', { limit: 1 }))!;
    await lease.releaseWith(async (holder) => {
      await redis.zrem(holder!.key, holder!.token);
    });
    expect(await semaphore.holders('handed')).toBe(0);
    // Already free: the caller gets no holder.
    expect(await lease.releaseWith(async (holder) => holder)).toBeUndefined();

    const failing = (await semaphore.tryLease('handed', { limit: 1 }))!;
    await expect(
      failing.releaseWith(async () => {
        throw new Error('script failed');
      }),
    ).rejects.toThrow('script failed');
    expect(await semaphore.holders('handed')).toBe(0);
  });

  it('gives up with a retryable RATE_LIMITED error after the maximum wait', async () => {
    const semaphore = new RedisSemaphore(redis, prefix);
    await semaphore.acquire('busy', { limit: 1 });
    const error = await semaphore.acquire('busy', { limit: 1, maxWaitMs: 50 }).catch((e: unknown) => e);
    expect(isTandemError(error, 'RATE_LIMITED')).toBe(true);
  });
});

describe('RateWindow', () => {
  it('allows the budget, then says how long to wait', async () => {
    const window = new RateWindow(redis, prefix);
    const waits = [];
    for (let i = 0; i < 5; i++) waits.push(await window.take('mbx', 3, 60_000));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThan(59_000);
    expect(waits[4]).toBeGreaterThan(59_000);
  });
});
