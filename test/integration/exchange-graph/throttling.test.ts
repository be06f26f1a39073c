import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { MailboxConnector } from '../../../src/connectors/exchange/mailbox-connector.js';
import { startGraphEmulator, type GraphEmulator } from '../../../src/emulators/graph/index.js';
import { connectorFor, newRedis } from './harness.js';

const alice = { smtpAddress: 'alice@demo.example' };

describe('Graph connector against the emulator: throttling', () => {
  let emu: GraphEmulator;
  let redis: Redis;
  let connector: MailboxConnector;
  const ids: string[] = [];

  beforeAll(async () => {
    // timeScale 1/600: the 10-minute budget window lasts one real second.
    emu = await startGraphEmulator({ port: 0, timeScale: 1 / 600 });
    redis = newRedis();
    connector = connectorFor(emu, redis);
    for (let i = 0; i < 30; i++) {
      ids.push(
        (
          await connector.createItem(
            alice,
            'contact',
            { displayName: `C${i}`, emailAddresses: [], businessPhones: [], categories: [] },
            { s4Key: `K${i}`, hash: 'h' },
          )
        ).id,
      );
    }
  });
  afterAll(async () => {
    await connector.close();
    await emu.close();
    redis.disconnect();
  });

  it('completes a burst of 60 parallel reads under a small budget, never more than 4 in flight per mailbox', async () => {
    // 15 per (one real second) window: even a machine so loaded that a read takes 250 ms (60 reads,
    // 4 at a time, in 4 s) goes over it. With 25 a loaded run (load average 18) stayed under the
    // budget and saw no 429 at all.
    emu.setBudget({ perMailboxPer10Min: 15 });
    emu.setLatency(25);
    const before = emu.stats()['alice@demo.example']!;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => connector.getItem(alice, 'contact', ids[i % ids.length]!)),
    );
    expect(results.every((r) => r !== undefined)).toBe(true);
    expect(results.map((r) => r?.displayName)).toEqual(Array.from({ length: 60 }, (_, i) => `C${i % 30}`));
    const after = emu.stats()['alice@demo.example']!;
    expect(after.maxInFlight).toBeLessThanOrEqual(4);
    expect(after.maxInFlight).toBeGreaterThanOrEqual(2);
    // The budget (15 per window) forced the emulator to answer 429 and the connector to wait and retry …
    expect(after.overBudget).toBeGreaterThan(before.overBudget);
    // … while the connector's own Redis semaphore never let a 5th request reach the mailbox.
    expect(after.overConcurrency).toBe(before.overConcurrency);
  });

  it('reads in $batch rounds; throttled batch items are retried until every id is answered', async () => {
    emu.setBudget({ perMailboxPer10Min: 12 });
    const before = emu.stats()['alice@demo.example']!;
    const wanted = [...ids, 'AAMkdoesnotexist'];
    const map = await connector.getItems(alice, 'contact', wanted);
    expect(map.size).toBe(30);
    expect(map.has('AAMkdoesnotexist')).toBe(false);
    expect([...map.values()].map((c) => c.stamp?.s4Key).sort()).toEqual(ids.map((_, i) => `K${i}`).sort());
    const after = emu.stats()['alice@demo.example']!;
    expect(after.maxInFlight).toBeLessThanOrEqual(4);
    expect(after.overBudget).toBeGreaterThan(before.overBudget);
    expect(after.overConcurrency).toBe(before.overConcurrency);
  });

  it('retries 503 with Retry-After from an injected fault', async () => {
    emu.setBudget({ perMailboxPer10Min: 10_000 });
    emu.failNext({
      count: 2,
      status: 503,
      code: 'ServiceUnavailable',
      retryAfterSeconds: 0,
      mailbox: 'alice@demo.example',
    });
    expect((await connector.getItem(alice, 'contact', ids[0]!))?.displayName).toBe('C0');
  });
});
