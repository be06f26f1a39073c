import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isTandemError } from '../../../src/errors/tandem-error.js';
import { ALICE, BOB, stamp, startHarness, type Harness } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('ews-limits');
});
afterAll(async () => h.close());
beforeEach(() => h.emulator.reset());

const task = {
  subject: 't',
  body: { type: 'text' as const, content: '' },
  status: 'notStarted' as const,
  percentComplete: 0,
  importance: 'normal' as const,
  categories: [],
  sensitivity: 'normal' as const,
};

describe('throttling', () => {
  it('waits at least BackOffMilliseconds after ErrorServerBusy, then retries and succeeds', async () => {
    const connector = h.connector();
    const created = await connector.createItem(ALICE, 'task', task, stamp('T-1'));
    h.emulator.calls.clear();
    h.emulator.failNext({ operation: 'GetItem', responseCode: 'ErrorServerBusy', backOffMilliseconds: 600 });
    const started = performance.now();
    const item = await connector.getItem(ALICE, 'task', created.id);
    const elapsed = performance.now() - started;
    expect(item?.id).toBe(created.id);
    expect(h.emulator.calls.get('GetItem')).toBe(2);
    // "Not earlier than" the server asked; no upper bound (shared, slow machine).
    expect(elapsed).toBeGreaterThanOrEqual(600);
  });

  it('gives up after the bounded attempts with EXCHANGE_THROTTLED and the server-requested delay', async () => {
    const connector = h.connector({}, { retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 } });
    const created = await connector.createItem(ALICE, 'task', task, stamp('T-2'));
    h.emulator.calls.clear();
    h.emulator.failNext({ operation: 'GetItem', responseCode: 'ErrorServerBusy', backOffMilliseconds: 50, count: 5 });
    const error = await connector.getItem(ALICE, 'task', created.id).catch((e: unknown) => e);
    expect(isTandemError(error, 'EXCHANGE_THROTTLED')).toBe(true);
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(50);
    expect(h.emulator.calls.get('GetItem')).toBe(3);
  });

  it('backs off and retries a 503 for reads, but never repeats a create after one', async () => {
    const connector = h.connector();
    const created = await connector.createItem(ALICE, 'task', task, stamp('T-3'));
    h.emulator.failNext({ operation: 'GetItem', httpStatus: 503 });
    expect((await connector.getItem(ALICE, 'task', created.id))?.id).toBe(created.id);
    h.emulator.calls.clear();
    h.emulator.failNext({ operation: 'CreateItem', httpStatus: 503 });
    const error = await connector.createItem(ALICE, 'task', task, stamp('T-4')).catch((e: unknown) => e);
    expect(isTandemError(error, 'EXCHANGE_UNAVAILABLE')).toBe(true);
    expect(h.emulator.calls.get('CreateItem')).toBe(1);
  });
});

describe('shared concurrency limits', () => {
  it('holds the environment limit across two connector instances on separate Redis clients', async () => {
    let running = 0;
    let peak = 0;
    const onRequest = (phase: 'start' | 'end') => {
      running += phase === 'start' ? 1 : -1;
      peak = Math.max(peak, running);
    };
    const clients = [new Redis('redis://127.0.0.1:6379'), new Redis('redis://127.0.0.1:6379')];
    try {
      const connectors = clients.map((client) => h.connector({ maxConcurrency: 3 }, { onRequest }, client));
      const ids = await Promise.all(
        [ALICE, BOB].map((mailbox, i) => connectors[i]!.createItem(mailbox, 'task', task, stamp(`C-${i}`))),
      );
      h.emulator.setLatency(80, 'GetItem');
      peak = 0;
      await Promise.all(
        Array.from({ length: 16 }, (_, i) => {
          const which = i % 2;
          return connectors[which]!.getItem(which === 0 ? ALICE : BOB, 'task', ids[which]!.id);
        }),
      );
      expect(peak).toBeLessThanOrEqual(3);
      expect(peak).toBeGreaterThanOrEqual(2);
    } finally {
      await Promise.all(clients.map((client) => client.quit()));
    }
  });

  it('holds the per-mailbox limit below the environment limit', async () => {
    let running = 0;
    let peak = 0;
    const connector = h.connector(
      { maxConcurrency: 20 },
      {
        mailboxConcurrency: 2,
        onRequest: (phase) => {
          running += phase === 'start' ? 1 : -1;
          peak = Math.max(peak, running);
        },
      },
    );
    const created = await connector.createItem(ALICE, 'task', task, stamp('M-1'));
    h.emulator.setLatency(60, 'GetItem');
    peak = 0;
    await Promise.all(Array.from({ length: 10 }, () => connector.getItem(ALICE, 'task', created.id)));
    expect(peak).toBe(2);
  });
});
