import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TandemError } from '../../../src/errors/tandem-error.js';
import { listDeadLetters } from '../../../src/inbox/inbox-repository.js';
import { retryDeadLetter } from '../../../src/inbox/dead-letters.js';
import { InboxWriter } from '../../../src/inbox/inbox-writer.js';
import { createQueues } from '../../../src/queue/queues.js';
import { INBOX_JOB_ATTEMPTS } from '../../../src/queue/inbox-job.js';
import { withTenant } from '../../../src/store/transaction.js';
import { InboxHandlerRegistry, startWorker, type RunningWorker } from '../../../src/worker/run-worker.js';
import { createTenant, startTestService, waitFor, type TestService } from '../../support/service.js';

let service: TestService;
let worker: RunningWorker;
let failNext = true;
const handled: string[][] = [];
const pagesLeft = new Map<string, number>();

beforeAll(async () => {
  service = await startTestService();
  await createTenant(service.web.pool, 'acme');
  const handlers = new InboxHandlerRegistry()
    .register('test.', async (work) => {
      if (failNext) throw new TandemError('S4_FORBIDDEN', 'The communication user lacks the role');
      handled.push(work.rows.map((row) => row.eventId));
    })
    .register('more.', async (work) => {
      // A folder with more pages than one run reads: continue until the "pages" are used up.
      const left = (pagesLeft.get(work.subject) ?? 0) - 1;
      pagesLeft.set(work.subject, left);
      return left > 0 ? { continue: true as const } : undefined;
    });
  worker = startWorker({
    pool: service.web.pool,
    redis: service.redis,
    queuePrefix: service.prefix,
    handlers,
    concurrency: 4,
    sweepIntervalMs: 60_000,
  });
});
afterAll(async () => {
  await worker.stop();
  await service.stop();
});

describe('dead letters', () => {
  it('turns a failure no retry can fix into a visible dead letter, and an admin retry processes it', async () => {
    const queues = createQueues(service.redis, service.prefix);
    const writer = new InboxWriter(service.web.pool, queues.lanes);
    const eventId = randomUUID();
    const activity = randomUUID();
    await writer.write([
      {
        tenantId: 'acme',
        source: 's4',
        eventId,
        type: 'test.event',
        subject: `s4:appointment:${activity}`,
        payload: {},
        correlationId: eventId,
      },
    ]);

    const dead = await waitFor(async () => {
      const page = await withTenant('acme', (tx) => listDeadLetters(tx, { limit: 10, offset: 0 }), service.web.pool);
      return page.items.find((item) => item.eventId === eventId);
    }, 'the dead letter');
    expect(dead.lastError).toMatchObject({
      code: 'S4_FORBIDDEN',
      message: 'The communication user lacks the role',
      retryable: false,
    });
    // Support finds the failure in the object's journal, with the typed error and that it is now a dead letter.
    const journal = await withTenant(
      'acme',
      async (tx) =>
        (
          await tx.query(
            `SELECT object_kind, outcome, reason, details FROM journal WHERE s4_key = $1 AND correlation_id = $2`,
            [activity, eventId],
          )
        ).rows,
      service.web.pool,
    );
    expect(journal).toEqual([
      {
        object_kind: 'appointment',
        outcome: 'failed',
        reason: 'S4_FORBIDDEN',
        details: { message: 'The communication user lacks the role', attempt: 1, deadLetter: true },
      },
    ]);

    failNext = false;
    const revived = await retryDeadLetter(service.web.pool, queues, 'acme', dead.id);
    expect(revived.status).toBe('pending');
    await expect(retryDeadLetter(service.web.pool, queues, 'other-tenant', dead.id)).rejects.toThrow(
      /not a dead letter/,
    );
    await waitFor(async () => handled.some((ids) => ids.includes(eventId)), 'the retried event to be handled');
    const status = await withTenant(
      'acme',
      async (tx) => (await tx.query('SELECT status FROM inbox WHERE id = $1', [dead.id])).rows[0],
      service.web.pool,
    );
    expect(status).toEqual({ status: 'done' });
    await queues.close();
  });

  it('enqueues a retried dead letter only once its reopened row is committed, so the worker finds it to claim', async () => {
    const queues = createQueues(service.redis, service.prefix);
    const eventId = randomUUID();
    const id = await withTenant(
      'acme',
      async (tx) =>
        (
          await tx.query<{ id: number }>(
            `INSERT INTO inbox (tenant_id, source, event_id, type, subject, payload, correlation_id, status, attempts)
             VALUES ('acme', 's4', $1, 'test.event', $2, '{}', $1, 'dead', 8) RETURNING id`,
            [eventId, `s4:appointment:${randomUUID()}`],
          )
        ).rows[0]!.id,
      service.web.pool,
    );
    // What another connection (a worker's claim) sees of the row at the moment the job is added.
    let seenAtEnqueue: string | undefined;
    const add = queues.lanes.addBulk.bind(queues.lanes);
    queues.lanes.addBulk = async (jobs) => {
      seenAtEnqueue = await withTenant(
        'acme',
        async (tx) =>
          (await tx.query<{ status: string }>('SELECT status FROM inbox WHERE id = $1', [id])).rows[0]!.status,
        service.web.pool,
      );
      return add(jobs);
    };
    failNext = false;
    await retryDeadLetter(service.web.pool, queues, 'acme', id);
    expect(seenAtEnqueue).toBe('pending');
    await waitFor(async () => handled.some((ids) => ids.includes(eventId)), 'the retried event to be handled');
    await queues.close();
  });

  it('coalesces many events about one subject into one handler run', async () => {
    const queues = createQueues(service.redis, service.prefix);
    const writer = new InboxWriter(service.web.pool, queues.lanes);
    const ids: string[] = Array.from({ length: 10 }, () => randomUUID());
    const before = handled.length;
    await writer.write(
      ids.map((id) => ({
        tenantId: 'acme',
        source: 's4' as const,
        eventId: id,
        type: 'test.event',
        subject: 's4:test:same',
        payload: {},
        correlationId: id,
        delayMs: 300,
      })),
    );
    await waitFor(
      async () => handled.flat().filter((id) => ids.includes(id)).length === ids.length,
      'all events handled',
    );
    const runs = handled.slice(before).filter((run) => run.some((id) => ids.includes(id)));
    expect(runs.length).toBeLessThan(ids.length);
    await queues.close();
  });

  it('runs a handler that has more to do again, without spending attempts or journaling a failure', async () => {
    const queues = createQueues(service.redis, service.prefix);
    const writer = new InboxWriter(service.web.pool, queues.lanes);
    const eventId = randomUUID();
    const subject = `s4:appointment:${randomUUID()}`;
    pagesLeft.set(subject, INBOX_JOB_ATTEMPTS + 2);
    await writer.write([
      { tenantId: 'acme', source: 's4', eventId, type: 'more.pages', subject, payload: {}, correlationId: eventId },
    ]);
    const row = await waitFor(async () => {
      const found = await withTenant(
        'acme',
        async (tx) => (await tx.query('SELECT status, attempts FROM inbox WHERE event_id = $1', [eventId])).rows[0],
        service.web.pool,
      );
      return found?.status === 'done' ? found : undefined;
    }, 'the continued event to finish');
    expect(pagesLeft.get(subject)).toBe(0);
    expect(row.attempts).toBe(1);
    const failures = await withTenant(
      'acme',
      async (tx) =>
        (await tx.query(`SELECT 1 FROM journal WHERE correlation_id = $1 AND outcome = 'failed'`, [eventId])).rows,
      service.web.pool,
    );
    expect(failures).toEqual([]);
    await queues.close();
  });
});
