import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchRedisOutage, type OutageMode, type RedisOutageFigures } from '../../../src/bench/redis-outage-bench.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

/**
 * Issue #19: web and worker, each its own process, through a Redis outage under a steady S/4 load —
 * the short version of `npm run bench -- --only redis-outage` (10 minutes there, 20 s here), on a
 * redis-server of its own that it kills or freezes (the shared Redis stays up). Nothing accepted
 * may be lost, admin calls needing Redis answer 503 in bounded time, and memory must not grow with
 * the outage (bounds generous: a 20 s outage cannot show a slow leak, the 10-minute bench can, and
 * its figures are in docs/operations.md "Memory").
 */

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

async function outage(mode: OutageMode): Promise<RedisOutageFigures> {
  return benchRedisOutage({
    // Low enough that the backlog drains in minutes on a shared 2-core machine.
    rate: 10,
    beforeSeconds: 10,
    outageSeconds: 20,
    afterSeconds: 10,
    mode,
    sampleEveryMs: 1_000,
    drainTimeoutSeconds: 600,
    databaseUrl: db.url,
    ...(process.env.CHILD_DEBUG ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {}),
  });
}

function expectNothingLostAndFlat(figures: RedisOutageFigures): void {
  const { events } = figures;
  expect(events.acceptedDuringOutage).toBeGreaterThan(100);
  expect(events.refused).toBe(0);
  expect(events.lost).toBe(0);
  expect(events.notDone).toBe(0);
  // Each appointment once in its owner's calendar: nothing lost, nothing written twice.
  expect(events.itemsInMailboxes).toBe(events.accepted);

  expect(figures.adminDuringOutage.length).toBeGreaterThanOrEqual(1);
  for (const answer of figures.adminDuringOutage) {
    expect(answer).toMatchObject({ status: 503, code: 'QUEUE_UNAVAILABLE' });
    // The producer's command timeout is 2 s; the machine is shared.
    expect(answer.ms).toBeLessThan(5_000);
  }
  expect(figures.deadLetterUnchanged).toBe(true);
  // Web and worker log to stdout; an outage must not make a library print past the logger.
  expect({ lines: figures.stderrLines, first: figures.firstStderrLines }).toMatchObject({
    lines: { web: 0, worker: 0 },
  });

  for (const process of figures.processes) {
    const grew = {
      rss: process.rssMiB.endOfOutage - process.rssMiB.beforeOutage,
      heap: process.heapMiB.endOfOutage - process.heapMiB.beforeOutage,
    };
    expect({ process: process.name, ...grew, rssBelow: grew.rss < 40, heapBelow: grew.heap < 15 }).toMatchObject({
      rssBelow: true,
      heapBelow: true,
    });
  }
}

describe('web and worker through a Redis outage under load', { timeout: 900_000 }, () => {
  it('Redis killed and started again empty: every event accepted during the outage reaches its mailbox, admin calls answer 503, memory does not grow', async () => {
    expectNothingLostAndFlat(await outage('kill'));
  });
});
