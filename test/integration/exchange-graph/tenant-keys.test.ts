import { describe, expect, it } from 'vitest';
import { createGraphConnector } from '../../../src/connectors/exchange/graph/index.js';
import { uniqueRedisPrefix } from '../../support/database.js';
import { graphEnv, useGraphConnector } from './harness.js';

/**
 * Outlook's limits are per app per mailbox (learn.microsoft.com/graph/throttling-limits), so Tandem
 * keys its Redis slots by client id and mailbox — and by Tandem tenant: two tenants that name the same
 * client id (and the same address) must not share, or be able to exhaust, each other's slots.
 */
describe('Graph throttling keys are per tenant', () => {
  const graph = useGraphConnector();

  it('tenant A holding every slot of a mailbox does not hold up tenant B with the same client id', async () => {
    const keyPrefix = uniqueRedisPrefix('tenant-keys');
    const limits = { concurrentPerMailbox: 1 };
    const a = createGraphConnector(
      { ...graphEnv(graph.emu), tenantId: 'tenant-a' },
      { redis: graph.redis, keyPrefix, limits },
    );
    const b = createGraphConnector(
      { ...graphEnv(graph.emu), tenantId: 'tenant-b' },
      { redis: graph.redis, keyPrefix, limits },
    );
    const alice = { smtpAddress: 'alice@demo.example' };
    // Warm up (token, object id, contact folder) before the clock matters.
    await a.listItems(alice, 'contact');
    await b.listItems(alice, 'contact');

    graph.emu.setLatency(1_500);
    try {
      const started = Date.now();
      const slowA = a.listItems(alice, 'contact').then(() => Date.now() - started);
      const queuedA = new Promise((resolve) => setTimeout(resolve, 200))
        .then(() => a.listItems(alice, 'contact'))
        .then(() => Date.now() - started);
      const bDone = new Promise((resolve) => setTimeout(resolve, 200))
        .then(() => b.listItems(alice, 'contact'))
        .then(() => Date.now() - started);
      const [first, second, other] = await Promise.all([slowA, queuedA, bDone]);
      // Tenant A's second call waited for A's only slot; tenant B's ran beside it.
      expect(second).toBeGreaterThanOrEqual(first + 1_000);
      expect(other).toBeLessThan(first + 1_000);
    } finally {
      graph.emu.setLatency(0);
      await a.close();
      await b.close();
    }
  });
});
