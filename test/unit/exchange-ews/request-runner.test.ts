import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { EwsRequestRunner, DEFAULT_RETRY_POLICY } from '../../../src/connectors/exchange/ews/request-runner.js';
import { TandemError } from '../../../src/errors/tandem-error.js';
import type { RedisSemaphore } from '../../../src/limits/redis-semaphore.js';

/** A semaphore that only records which slots were asked for (the Redis one is tested in test/integration). */
function recordingSemaphore() {
  const asked: string[][] = [];
  const semaphore = {
    async withSlots<T>(slots: Array<{ name: string }>, fn: () => Promise<T>) {
      asked.push(slots.map((slot) => slot.name));
      return fn();
    },
  } as unknown as RedisSemaphore;
  return { semaphore, asked };
}

function runner(sleeps: number[], random = () => 0.5) {
  const { semaphore, asked } = recordingSemaphore();
  const r = new EwsRequestRunner({
    semaphore,
    tenantId: 't1',
    environmentId: 'env-1',
    environmentConcurrency: 5,
    mailboxConcurrency: 10,
    retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 },
    logger: pino({ level: 'silent' }),
    random,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { r, asked };
}

const busy = (ms?: number) =>
  new TandemError('EXCHANGE_THROTTLED', 'busy', ms === undefined ? {} : { retryAfterMs: ms });

describe('EwsRequestRunner', () => {
  it('waits exactly BackOffMilliseconds, holding the environment and the mailbox slot per attempt', async () => {
    const sleeps: number[] = [];
    const { r, asked } = runner(sleeps);
    let calls = 0;
    const result = await r.run('Alice@Demo.example', { operation: 'GetItem', idempotent: true }, async () => {
      calls++;
      if (calls === 1) throw busy(1234);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(sleeps).toEqual([1234]);
    expect(asked).toEqual([
      ['ews:t1:env:env-1', 'ews:t1:mbx:env-1:alice@demo.example'],
      ['ews:t1:env:env-1', 'ews:t1:mbx:env-1:alice@demo.example'],
    ]);
  });

  it('backs off exponentially with jitter when no delay was given, and stops after maxAttempts', async () => {
    const sleeps: number[] = [];
    const { r } = runner(sleeps, () => 1);
    const error = await r
      .run('a@x', { operation: 'GetItem', idempotent: true }, async () => {
        throw busy();
      })
      .catch((e: unknown) => e);
    expect((error as TandemError).code).toBe('EXCHANGE_THROTTLED');
    expect(sleeps).toEqual([100, 200, 400]);
    const jittered: number[] = [];
    await runner(jittered, () => 0)
      .r.run('a@x', { operation: 'GetItem', idempotent: true }, async () => {
        throw busy();
      })
      .catch(() => undefined);
    expect(jittered).toEqual([50, 100, 200]);
  });

  it('does not wait out a back-off longer than the bound, and never repeats a non-idempotent call after a 5xx', async () => {
    const sleeps: number[] = [];
    const { r } = runner(sleeps);
    await expect(
      r.run('a@x', { operation: 'GetItem', idempotent: true }, async () => {
        throw busy(10 * 60_000);
      }),
    ).rejects.toMatchObject({ code: 'EXCHANGE_THROTTLED', retryAfterMs: 600_000 });
    let calls = 0;
    await expect(
      r.run('a@x', { operation: 'CreateItem', idempotent: false }, async () => {
        calls++;
        throw new TandemError('EXCHANGE_UNAVAILABLE', '503');
      }),
    ).rejects.toMatchObject({ code: 'EXCHANGE_UNAVAILABLE' });
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('does not retry errors a retry cannot fix', async () => {
    const sleeps: number[] = [];
    const { r } = runner(sleeps);
    let calls = 0;
    await expect(
      r.run('a@x', { operation: 'UpdateItem', idempotent: true }, async () => {
        calls++;
        throw new TandemError('EXCHANGE_CONFLICT', 'stale');
      }),
    ).rejects.toMatchObject({ code: 'EXCHANGE_CONFLICT' });
    expect(calls).toBe(1);
  });
});
