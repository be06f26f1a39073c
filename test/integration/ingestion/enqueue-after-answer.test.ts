import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboxWriter } from '../../../src/inbox/inbox-writer.js';
import type { InboxJob } from '../../../src/queue/inbox-job.js';
import { createQueues, type Queues } from '../../../src/queue/queues.js';
import { withTenant } from '../../../src/store/transaction.js';
import { createTenant, startTestService, waitFor, type TestService } from '../../support/service.js';

let service: TestService;
let queues: Queues;

beforeAll(async () => {
  service = await startTestService();
  await createTenant(service.web.pool, 'acme');
  queues = createQueues(service.redis, service.prefix);
});
afterAll(async () => {
  await queues.close();
  await service.stop();
});

describe('the inbox writer answers before it queues', { timeout: 60_000 }, () => {
  it("resolves a write once its rows are committed, and hands the jobs to Redis only after that (the acknowledgement never waits for Redis's write)", async () => {
    const steps: string[] = [];
    // The real tenant lanes, watched: when their addBulk is called relative to the write's answer.
    const writer = new InboxWriter(service.web.pool, {
      addBulk: (jobs: InboxJob[]) => {
        steps.push('enqueue');
        return queues.lanes.addBulk(jobs);
      },
    });
    const eventId = randomUUID();
    const result = await writer.write([
      {
        tenantId: 'acme',
        source: 's4',
        eventId,
        type: 'sap.s4.beh.appointment.v1.Appointment.Changed.v1',
        subject: `s4:appointment:${randomUUID()}`,
        payload: {},
        correlationId: eventId,
      },
    ]);
    steps.push('answered');
    expect(result).toEqual({ accepted: 1, duplicates: 0 });
    // Committed when answered.
    const stored = await withTenant(
      'acme',
      (tx) => tx.query('SELECT 1 FROM inbox WHERE event_id = $1', [eventId]),
      service.web.pool,
    );
    expect(stored.rowCount).toBe(1);
    await waitFor(
      async () => ((await queues.inbox.getJobCounts('wait')).wait ?? 0) >= 1 || undefined,
      'the job queued',
    );
    expect(steps).toEqual(['answered', 'enqueue']);
  });
});
