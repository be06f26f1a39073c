import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InboxWriter } from '../../../src/inbox/inbox-writer.js';
import { INBOX_EVENT_TYPES, subjects } from '../../../src/inbox/subjects.js';
import { createQueues, type Queues } from '../../../src/queue/queues.js';
import { signDevToken } from '../../../src/security/dev-token.js';
import { withTenant } from '../../../src/store/transaction.js';
import { InboxHandlerRegistry, startWorker, type RunningWorker } from '../../../src/worker/run-worker.js';
import { createTenant, startTestService, waitFor, type TestService } from '../../support/service.js';

let service: TestService;
let queues: Queues;
let worker: RunningWorker | undefined;
const order: string[] = [];

beforeAll(async () => {
  service = await startTestService();
  await createTenant(service.web.pool, 'acme');
  queues = createQueues(service.redis, service.prefix);
});
afterAll(async () => {
  await worker?.stop();
  await queues.close();
  await service.stop();
});

describe('bulk work waits behind events', { timeout: 60_000 }, () => {
  it("serves a tenant's S/4 events before initial loads queued earlier by another tenant", async () => {
    await createTenant(service.web.pool, 'bulky');
    const writer = new InboxWriter(service.web.pool, queues.lanes);
    const loads = Array.from({ length: 5 }, () => {
      const eventId = randomUUID();
      return {
        tenantId: 'bulky',
        source: 'system' as const,
        eventId,
        type: INBOX_EVENT_TYPES.initialLoad,
        subject: subjects.initialLoad(randomUUID()),
        payload: {},
        correlationId: eventId,
      };
    });
    await writer.write(loads);
    const events = Array.from({ length: 5 }, () => {
      const eventId = randomUUID();
      return {
        tenantId: 'acme',
        source: 's4' as const,
        eventId,
        type: 'sap.s4.beh.appointment.v1.Appointment.Changed.v1',
        subject: `s4:appointment:${randomUUID()}`,
        payload: {},
        correlationId: eventId,
      };
    });
    await writer.write(events);
    await waitFor(
      async () => (await queues.inbox.getJobCounts('prioritized', 'wait')).wait === 5 || undefined,
      'all ten jobs queued',
    );

    const handlers = new InboxHandlerRegistry()
      .register(INBOX_EVENT_TYPES.initialLoad, async () => {
        order.push('load');
      })
      .register('sap.s4.beh.', async () => {
        order.push('event');
      });
    worker = startWorker({
      pool: service.web.pool,
      redis: service.redis,
      queuePrefix: service.prefix,
      handlers,
      concurrency: 1,
      sweepIntervalMs: 60_000,
    });
    await waitFor(async () => order.length === 10 || undefined, 'all ten handled');
    expect(order).toEqual([...Array(5).fill('event'), ...Array(5).fill('load')]);
  });
});

describe('initial-load starts per tenant', { timeout: 60_000 }, () => {
  it('answers 429 with Retry-After beyond five queued or running initial loads of a tenant', async () => {
    const token = await signDevToken(service.config.devTokenSecret, { tenantId: 'acme', scopes: ['Admin'] });
    const ids = await withTenant(
      'acme',
      async (tx) => {
        const env = (
          await tx.query<{ id: string }>(
            `INSERT INTO exchange_environments (tenant_id, name, kind) VALUES ('acme', 'onprem', 'ews-onprem') RETURNING id`,
          )
        ).rows[0]!.id;
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO mailboxes (tenant_id, environment_id, smtp_address, initial_load)
        SELECT 'acme', $1, 'user' || g || '@acme.example', CASE WHEN g <= 5 THEN '{"state":"running"}'::jsonb ELSE NULL END FROM generate_series(1, 6) g
        RETURNING id`,
          [env],
        );
        return rows.map((r) => r.id);
      },
      service.web.pool,
    );
    const start = (id: string) =>
      fetch(`${service.web.url}/api/v1/users/${id}/initial-load`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });

    const refused = await start(ids[5]!);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('60');
    expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED' });

    // Restarting one of the five is not a sixth; and once one finishes, a new one may start.
    expect((await start(ids[0]!)).status).toBe(202);
    await withTenant(
      'acme',
      (tx) => tx.query(`UPDATE mailboxes SET initial_load = '{"state":"done"}' WHERE id = $1`, [ids[1]]),
      service.web.pool,
    );
    expect((await start(ids[5]!)).status).toBe(202);
  });
});

describe('fair order and a per-tenant cap between tenants', { timeout: 240_000 }, () => {
  it("finishes a quiet tenant's few events while another tenant's earlier burst is still running, and never runs more than the cap of one tenant at once", async () => {
    await createTenant(service.web.pool, 'burst');
    await createTenant(service.web.pool, 'quiet');
    // The worker of the test above must not take these jobs (it would also free slots under other caps).
    await worker?.stop();
    worker = undefined;
    const caps = { events: 4, bulk: 1 };
    const lanes = createQueues(service.redis, service.prefix, caps);
    try {
      const writer = new InboxWriter(service.web.pool, lanes.lanes);
      const s4Event = (tenantId: string) => {
        const eventId = randomUUID();
        return {
          tenantId,
          source: 's4' as const,
          eventId,
          type: 'sap.s4.beh.appointment.v1.Appointment.Changed.v1',
          subject: `s4:appointment:${randomUUID()}`,
          payload: {},
          correlationId: eventId,
        };
      };
      const burst = 200;
      // The burst is stored and queued before the worker starts: first come, first served would
      // serve all of it before the quiet tenant's events.
      await writer.write(Array.from({ length: burst }, () => s4Event('burst')));
      await writer.write(Array.from({ length: 5 }, () => s4Event('quiet')));
      // The writer queues a batch's jobs once its callers are answered (inbox-writer.ts): wait for them.
      const queued = async (tenantId: string, total: number) => {
        const depth = await lanes.lanes.depth(tenantId, 'events');
        return depth.admitted + depth.parked === total ? depth : undefined;
      };
      expect(await waitFor(() => queued('burst', burst), 'the burst queued')).toEqual({
        admitted: 4,
        parked: burst - 4,
      });
      expect(await waitFor(() => queued('quiet', 5), 'the quiet events queued')).toEqual({ admitted: 4, parked: 1 });

      const running = new Map<string, number>();
      const maxRunning = new Map<string, number>();
      const done = new Map<string, number>();
      let burstDoneWhenQuietFinished = -1;
      const handlers = new InboxHandlerRegistry().register('sap.s4.beh.', async ({ tenantId }) => {
        running.set(tenantId, (running.get(tenantId) ?? 0) + 1);
        maxRunning.set(tenantId, Math.max(maxRunning.get(tenantId) ?? 0, running.get(tenantId)!));
        await new Promise((resolve) => setTimeout(resolve, 50));
        running.set(tenantId, running.get(tenantId)! - 1);
        done.set(tenantId, (done.get(tenantId) ?? 0) + 1);
        if (tenantId === 'quiet' && done.get('quiet') === 5) burstDoneWhenQuietFinished = done.get('burst') ?? 0;
      });
      worker = startWorker({
        pool: service.web.pool,
        redis: service.redis,
        queuePrefix: service.prefix,
        laneCaps: caps,
        handlers,
        concurrency: 16,
        sweepIntervalMs: 60_000,
      });
      await waitFor(async () => (done.get('burst') ?? 0) === burst || undefined, 'the whole burst handled', 150_000);

      expect(done.get('quiet')).toBe(5);
      // Fair order: the quiet tenant waited behind at most a few of the burst's jobs, not the burst.
      expect(burstDoneWhenQuietFinished).toBeGreaterThanOrEqual(0);
      expect(burstDoneWhenQuietFinished).toBeLessThan(burst / 4);
      // The cap holds across the worker's 16 slots (and the burst did run several at once).
      expect(maxRunning.get('burst')).toBeLessThanOrEqual(4);
      expect(maxRunning.get('burst')).toBeGreaterThanOrEqual(2);
      expect(maxRunning.get('quiet')).toBeLessThanOrEqual(4);
      // Every slot is given back once the last jobs are marked complete.
      await waitFor(async () => {
        const depth = await lanes.lanes.depth('burst', 'events');
        return (depth.admitted === 0 && depth.parked === 0) || undefined;
      }, "the burst tenant's slots free again");
    } finally {
      await lanes.close();
    }
  });
});
