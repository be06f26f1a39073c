import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTandemError } from '../../../src/errors/tandem-error.js';
import { InboxWriter } from '../../../src/inbox/inbox-writer.js';
import { takeFence } from '../../../src/inbox/inbox-repository.js';
import { createQueues, type Queues } from '../../../src/queue/queues.js';
import { runFenced } from '../../../src/store/fence.js';
import { withSyncWrite, withTenant } from '../../../src/store/transaction.js';
import { InboxHandlerRegistry, startWorker, type RunningWorker } from '../../../src/worker/run-worker.js';
import { createTenant, startTestService, waitFor, type TestService } from '../../support/service.js';

let service: TestService;
let worker: RunningWorker;
let queues: Queues;
let writer: InboxWriter;
const running = new Map<string, number>();
let maxConcurrentPerSubject = 0;
const slowRuns: string[] = [];
const fencedErrors: string[] = [];
/** Inbox status of the job's row seen right after its last write committed, before the handler returned. */
const statusAfterLastWrite = new Map<string, string>();
const continuingRuns = new Map<string, number>();

beforeAll(async () => {
  service = await startTestService();
  await createTenant(service.web.pool, 'acme');
  const handlers = new InboxHandlerRegistry()
    .register('test.slow', async (work) => {
      running.set(work.subject, (running.get(work.subject) ?? 0) + 1);
      maxConcurrentPerSubject = Math.max(maxConcurrentPerSubject, running.get(work.subject)!);
      // Four lease lengths: without renewal a second job would take the subject meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 2_400));
      running.set(work.subject, running.get(work.subject)! - 1);
      slowRuns.push(...work.rows.map((row) => row.eventId));
    })
    .register('test.stale', async (work) => {
      // Another worker claims the subject (as after this job's lease ran out) …
      await withTenant(work.tenantId, (tx) => takeFence(tx, work.tenantId, work.subject), service.web.pool);
      try {
        // … so this job's next write of sync state is refused.
        await withSyncWrite(work.tenantId, (tx) => tx.query('SELECT 1'), service.web.pool);
      } catch (error) {
        if (isTandemError(error)) fencedErrors.push(error.code);
        throw error;
      }
    })
    .register('test.result', async (work) => {
      await withSyncWrite(work.tenantId, (tx) => tx.query('SELECT 1'), service.web.pool, { completesJob: true });
      statusAfterLastWrite.set(work.rows[0]!.eventId, await statusOf(work.rows[0]!.eventId));
    })
    .register('test.continuing', async (work) => {
      const runs = (continuingRuns.get(work.subject) ?? 0) + 1;
      continuingRuns.set(work.subject, runs);
      if (runs > 1) return undefined;
      // A handler breaking the promise of `completesJob`: it has more to do after its "last" write.
      await withSyncWrite(work.tenantId, (tx) => tx.query('SELECT 1'), service.web.pool, { completesJob: true });
      return { continue: true as const };
    });
  worker = startWorker({
    pool: service.web.pool,
    redis: service.redis,
    queuePrefix: service.prefix,
    handlers,
    concurrency: 4,
    jobTimeoutMs: 600,
    sweepIntervalMs: 60_000,
  });
  queues = createQueues(service.redis, service.prefix);
  writer = new InboxWriter(service.web.pool, queues.lanes);
});
afterAll(async () => {
  await worker.stop();
  await queues.close();
  await service.stop();
});

const event = (type: string, subject: string) => {
  const eventId = randomUUID();
  return { tenantId: 'acme', source: 's4' as const, eventId, type, subject, payload: {}, correlationId: eventId };
};

async function statusOf(eventId: string): Promise<string> {
  return withTenant(
    'acme',
    async (tx) =>
      (await tx.query<{ status: string }>(`SELECT status FROM inbox WHERE event_id = $1`, [eventId])).rows[0]!.status,
    service.web.pool,
  );
}

describe('subject leases and fencing', { timeout: 60_000 }, () => {
  it('renews the subject lease while a long job runs, so a second job on the subject waits instead of running beside it', async () => {
    const subject = `s4:appointment:${randomUUID()}`;
    const first = event('test.slow', subject);
    await writer.write([first]);
    await waitFor(async () => (running.get(subject) ?? 0) > 0 || undefined, 'the first job to start');
    const second = event('test.slow', subject);
    await writer.write([second]);
    await waitFor(async () => slowRuns.includes(second.eventId) || undefined, 'the second event to be handled', 30_000);
    expect(maxConcurrentPerSubject).toBe(1);
    expect(await statusOf(first.eventId)).toBe('done');
    expect(await statusOf(second.eventId)).toBe('done');
  });

  it("refuses a stale holder's write of sync state with SYNC_FENCED and leaves its rows to the new holder", async () => {
    const stale = event('test.stale', `s4:appointment:${randomUUID()}`);
    await writer.write([stale]);
    await waitFor(async () => fencedErrors.length > 0 || undefined, 'the stale write');
    expect(fencedErrors).toEqual(['SYNC_FENCED']);
    // The stale job neither completed nor failed the row: it belongs to whoever claimed it last.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await statusOf(stale.eventId)).toBe('processing');
  });

  it("commits the job's completion with its last write of sync state, not after the handler", async () => {
    const done = event('test.result', `s4:appointment:${randomUUID()}`);
    await writer.write([done]);
    await waitFor(async () => statusAfterLastWrite.get(done.eventId), 'the last write');
    expect(statusAfterLastWrite.get(done.eventId)).toBe('done');
    expect(await statusOf(done.eventId)).toBe('done');
  });

  it('fails and reopens a job whose handler completed it and then asked to continue, so nothing is lost', async () => {
    const continuing = event('test.continuing', `s4:appointment:${randomUUID()}`);
    await writer.write([continuing]);
    await waitFor(async () => (continuingRuns.get(continuing.subject) ?? 0) > 1 || undefined, 'the retry', 30_000);
    await waitFor(async () => (await statusOf(continuing.eventId)) === 'done' || undefined, 'the retry to finish');
    const failures = await withTenant(
      'acme',
      async (tx) =>
        (
          await tx.query<{ reason: string }>(
            `SELECT reason FROM journal WHERE correlation_id = $1 AND outcome = 'failed'`,
            [continuing.correlationId],
          )
        ).rows,
      service.web.pool,
    );
    expect(failures).toEqual([{ reason: 'INTERNAL' }]);
  });

  it('lets the current holder write, and refuses a token that was never current', async () => {
    const subject = `mailbox:${randomUUID()}:calendar`;
    const token = await withTenant('acme', (tx) => takeFence(tx, 'acme', subject), service.web.pool);
    await expect(
      runFenced({ tenantId: 'acme', subject, token }, () =>
        withSyncWrite('acme', (tx) => tx.query('SELECT 1'), service.web.pool),
      ),
    ).resolves.toBeDefined();
    await expect(
      runFenced({ tenantId: 'acme', subject, token: token - 1 }, () =>
        withSyncWrite('acme', (tx) => tx.query('SELECT 1'), service.web.pool),
      ),
    ).rejects.toMatchObject({ code: 'SYNC_FENCED' });
    // A newer claim waits for a fenced write in flight, then wins.
    let claimedAt = 0;
    let writeCommittedAt = 0;
    await runFenced({ tenantId: 'acme', subject, token }, () =>
      withSyncWrite(
        'acme',
        async (tx) => {
          // In flight once its first statement has answered: the transaction's opening (which takes
          // the fence's share lock) is pipelined with that statement (behindOpening).
          await tx.query('SELECT 1');
          void withTenant('acme', (other) => takeFence(other, 'acme', subject), service.web.pool).then(() => {
            claimedAt = Date.now();
          });
          await new Promise((resolve) => setTimeout(resolve, 300));
          await tx.query('SELECT 1');
          writeCommittedAt = Date.now();
        },
        service.web.pool,
      ),
    );
    await waitFor(async () => claimedAt > 0 || undefined, 'the newer claim');
    expect(claimedAt).toBeGreaterThanOrEqual(writeCommittedAt);
  });
});
