import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAINTENANCE_QUEUE } from '../../../src/runtime/worker.js';
import { withSystemScope, withTenant } from '../../../src/store/transaction.js';
import { waitFor } from '../../support/service.js';
import { startSystem, type RunningSystem } from '../../support/system.js';
import { adminApi, type SettingsBody } from '../sync/support.js';

/**
 * Journal retention per tenant (docs/operations.md "Retention"): each tenant's admin sets
 * `retention.journalDays` through the admin API; the retention job — run here by hand with
 * `tandem retention`, as an operator would, instead of waiting for the worker's hourly run —
 * removes each tenant's entries older than its own value and nothing younger.
 */
let system: RunningSystem;
beforeAll(async () => {
  system = await startSystem();
  await withSystemScope(
    (tx) => tx.query(`INSERT INTO tenants (id, display_name) VALUES ('other', 'Other')`),
    system.db.pool,
  );
}, 120_000);
afterAll(async () => system.stop());

const DAY = 86_400_000;

/**
 * The worker runs retention itself when it starts and then hourly: wait until its first run is
 * over (the next one is scheduled, none waits or runs), so what `tandem retention` reports is its own work.
 */
async function workerRetentionDone(): Promise<void> {
  const connection = new Redis(system.config.redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(MAINTENANCE_QUEUE, { connection, prefix: system.config.queuePrefix });
  try {
    await waitFor(async () => {
      const pending = await queue.getJobs(['waiting', 'active', 'prioritized']);
      const next = await queue.getJobs(['delayed']);
      return (
        (!pending.some((job) => job?.name === 'retention') && next.some((job) => job?.name === 'retention')) ||
        undefined
      );
    }, "the worker's first retention run");
  } finally {
    await queue.close();
    await connection.quit();
  }
}

async function setJournalDays(tenantId: string, days: number): Promise<void> {
  const api = adminApi(system, tenantId);
  const current = await api<{ settings: SettingsBody; version: number }>('GET', '/settings');
  const saved = await api<{ settings: SettingsBody }>('PUT', `/settings?expectedVersion=${current.body.version}`, {
    ...current.body.settings,
    retention: { journalDays: days },
  });
  expect(saved.status).toBe(200);
  expect(saved.body.settings.retention).toEqual({ journalDays: days });
}

/** A journal entry of the tenant written `daysAgo` days ago (the journal's own timestamp). */
async function entryFrom(tenantId: string, daysAgo: number): Promise<void> {
  await withTenant(
    tenantId,
    (tx) =>
      tx.query(
        `INSERT INTO journal (tenant_id, object_kind, s4_key, direction, outcome, reason, at)
         VALUES ($1, 'appointment', $2, 'none', 'skipped', 'filtered.processType', $3)`,
        [tenantId, `${tenantId}-${daysAgo}d`, new Date(Date.now() - daysAgo * DAY)],
      ),
    system.db.pool,
  );
}

const keysOf = async (tenantId: string) =>
  withTenant(
    tenantId,
    async (tx) =>
      (
        await tx.query<{ s4_key: string }>(`SELECT s4_key FROM journal WHERE s4_key LIKE $1 ORDER BY s4_key`, [
          `${tenantId}-%`,
        ])
      ).rows.map((r) => r.s4_key),
    system.db.pool,
  );

describe('journal retention end to end', { timeout: 90_000 }, () => {
  it('setting:retention.journalDays: each tenant keeps its journal for its own days; `tandem retention` removes what is older', async () => {
    await workerRetentionDone();
    await setJournalDays('demo', 10);
    await setJournalDays('other', 40);
    for (const days of [5, 15, 50]) {
      await entryFrom('demo', days);
      await entryFrom('other', days);
    }

    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(import.meta.dirname, '../../../bin/tandem.js'), 'retention'],
      { env: { ...process.env, DATABASE_URL: system.db.url, AUTH_MODE: 'dev', LOG_LEVEL: 'silent' } },
    );
    // demo (10 days) loses its 15- and 50-day-old entries, other (40 days) its 50-day-old one.
    expect(stdout).toMatch(/^removed 3 journal entries/);
    expect(await keysOf('demo')).toEqual(['demo-5d']);
    expect(await keysOf('other')).toEqual(['other-15d', 'other-5d']);
    // The operator's default (90 days) would have kept all six.
  });
});
