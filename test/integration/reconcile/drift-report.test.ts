import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboxWriter } from '../../../src/inbox/inbox-writer.js';
import { subjects } from '../../../src/inbox/subjects.js';
import { createQueues } from '../../../src/queue/queues.js';
import { activityDrift, reportDrift, type DriftFinding } from '../../../src/reconcile/drift-report.js';
import { withSystemScope } from '../../../src/store/transaction.js';
import { createTenant, startTestService, type TestService } from '../../support/service.js';

/**
 * A drift finding on an object whose event is still waiting in the inbox is not a lost event but a
 * late one (a backlog after an outage): it is neither queued again nor journalled as drift. No
 * worker runs here, so every event written stays pending until the test changes its status.
 */
let service: TestService;
let writer: InboxWriter;
beforeAll(async () => {
  service = await startTestService();
  await createTenant(service.web.pool, 'acme');
  writer = new InboxWriter(service.web.pool, createQueues(service.redis, service.prefix).lanes);
});
afterAll(async () => service.stop());

const finding = (uuid: string): DriftFinding => ({
  uuid,
  eventId: `drift:appointment:${uuid}:etag-2`,
  payload: {},
  reason: 'drift.staleLink',
  mailboxIds: [],
  details: {},
});

async function s4Event(uuid: string): Promise<string> {
  const eventId = randomUUID();
  await writer.write([
    {
      tenantId: 'acme',
      source: 's4',
      eventId,
      type: 'sap.s4.beh.appointment.v1.Appointment.Changed.v1',
      subject: subjects.activity('appointment', uuid),
      payload: {},
      correlationId: eventId,
    },
  ]);
  return eventId;
}

const setStatus = (eventId: string, status: string) =>
  withSystemScope(
    (tx) => tx.query(`UPDATE inbox SET status = $2 WHERE event_id = $1`, [eventId, status]),
    service.web.pool,
  );

const driftRows = (uuid: string) =>
  withSystemScope(
    async (tx) => ({
      inbox: (
        await tx.query(`SELECT event_id FROM inbox WHERE source = 'system' AND subject = $1`, [
          subjects.activity('appointment', uuid),
        ])
      ).rows,
      journal: (await tx.query(`SELECT reason FROM journal WHERE outcome = 'drift' AND s4_key = $1`, [uuid])).rows,
    }),
    service.web.pool,
  );

describe('drift findings and the inbox', () => {
  it('drops a finding whose object has an event waiting, and queues the others', async () => {
    const late = randomUUID();
    const lost = randomUUID();
    await s4Event(late);

    const queued = await reportDrift({ pool: service.web.pool, inbox: writer }, 'acme', activityDrift('appointment'), [
      finding(late),
      finding(lost),
    ]);

    expect(queued).toBe(1);
    expect(await driftRows(late)).toEqual({ inbox: [], journal: [] });
    expect(await driftRows(lost)).toEqual({
      inbox: [{ event_id: finding(lost).eventId }],
      journal: [{ reason: 'drift.staleLink' }],
    });
  });

  it('still reports an object whose event is claimed or finished: its handler may have read S/4 before the change', async () => {
    for (const status of ['processing', 'done', 'dead']) {
      const uuid = randomUUID();
      await setStatus(await s4Event(uuid), status);

      const queued = await reportDrift(
        { pool: service.web.pool, inbox: writer },
        'acme',
        activityDrift('appointment'),
        [finding(uuid)],
      );

      expect({ status, queued }).toEqual({ status, queued: 1 });
      expect((await driftRows(uuid)).journal).toEqual([{ reason: 'drift.staleLink' }]);
    }
  });
});
