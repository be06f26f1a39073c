import type { Queue } from 'bullmq';
import type { S4Appointment, S4Task } from '../connectors/s4/index.js';
import { logger } from '../logging/logger.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { opsFor, type S4Activity } from './activity-kinds.js';
import { DEFAULT_SWEEP_PAGE_SIZE, sweepDeletedActivities } from './deletion-sweep.js';
import { activityDrift, type DriftDeps, type DriftKind } from './drift-report.js';
import { activityLinkVersions, reportedBefore, tenantsToCheck } from './drift-repository.js';
import { checkSinceWatermark, type WatermarkRead } from './drift-watermark.js';
import { checkPartnerDrift } from './partner-drift.js';
import type { TenantContext } from './tenant-context.js';

const driftEventId = (kind: DriftKind, object: { uuid: string; etag: string }) =>
  `drift:${kind}:${object.uuid}:${object.etag}`;

export interface DriftOptions {
  /** How often the check runs; a first check looks back this far. */
  intervalMs: number;
  /**
   * Read this much before the watermark: S/4's clock and ours differ, and a change committed late
   * (a long LUW) carries a timestamp older than changes already seen. Re-reading costs one
   * comparison per object.
   */
  overlapMs: number;
  /**
   * Keys per kind whose S/4 objects each run checks for deletion (the deletion sweep); 0 turns it
   * off. Each run costs about `sweepPageSize / 50` S/4 reads per kind and tenant.
   */
  sweepPageSize: number;
}

export const DEFAULT_DRIFT_OPTIONS: DriftOptions = {
  intervalMs: 5 * 60_000,
  overlapMs: 2 * 60_000,
  sweepPageSize: DEFAULT_SWEEP_PAGE_SIZE,
};

/**
 * The S/4 safety net: S/4 events can be lost (the sender job down longer than its retries, a
 * misconfigured destination, a bug in an enhancement), and a lost event would leave the Outlook copy
 * stale until the next change. Every interval each tenant's activities changed since the watermark
 * are read and compared with their links: an activity whose S/4 version (ETag) differs from the one
 * last synced, or that a Tandem user should hold but has no link for, is queued for reconciliation
 * exactly as its event would have been, and journalled as `drift`. Deleted objects leave nothing
 * to read since the watermark: the deletion sweep (deletion-sweep.ts) covers them in the same run.
 */
export async function runDriftCheck(
  deps: DriftDeps,
  options: DriftOptions = DEFAULT_DRIFT_OPTIONS,
): Promise<{ tenants: number; queued: number; failed: number }> {
  const tenants = await tenantsToCheck(deps.pool);
  const result = { tenants: 0, queued: 0, failed: 0 };
  for (const id of tenants) {
    try {
      result.queued += await checkTenantDrift(deps, id, options);
      result.tenants++;
    } catch (error) {
      // One tenant's S/4 being down must not stop the others; its watermark stays, so nothing is skipped.
      result.failed++;
      logger.warn({ err: error, tenantId: id }, 'drift check failed; will retry at the next interval');
    }
  }
  return result;
}

/** One tenant: returns how many objects were queued. */
export async function checkTenantDrift(deps: DriftDeps, tenantId: string, options: DriftOptions): Promise<number> {
  const ctx = await deps.contexts.get(tenantId);
  let queued = 0;
  for (const kind of ['appointment', 'task'] as const) {
    queued += await checkSinceWatermark(deps, tenantId, activityRead(deps.pool, ctx, kind), options);
    // Deletions leave nothing changed to read: a page of links is checked for its S/4 objects instead.
    if (options.sweepPageSize > 0)
      queued += (await sweepDeletedActivities(deps, ctx, kind, options.sweepPageSize)).queued;
  }
  return queued + (await checkPartnerDrift(deps, ctx, options));
}

/** The watermark read of appointments or tasks: S/4 takes and gives ISO instants. */
function activityRead(pool: Pool, ctx: TenantContext, kind: DriftKind): WatermarkRead<S4Appointment | S4Task> {
  return {
    kind,
    target: activityDrift(kind),
    listChangedSince: (sinceMs) => {
      const since = new Date(sinceMs).toISOString();
      return kind === 'appointment' ? ctx.s4.listAppointmentsChangedSince(since) : ctx.s4.listTasksChangedSince(since);
    },
    changedAtMs: (object) => Date.parse(object.changedAt),
    findStale: async (changed) =>
      (await staleActivities(pool, ctx, kind, changed)).map(({ object, reason, mailboxId }) => ({
        uuid: object.uuid,
        // The event id carries the S/4 version: a drift found again before it was handled is one event, not two.
        eventId: driftEventId(kind, object),
        payload: { changedAt: object.changedAt, etag: object.etag },
        reason,
        mailboxIds: mailboxId ? [mailboxId] : [],
        details: { changedAt: object.changedAt },
      })),
  };
}

interface StaleActivity {
  object: S4Appointment | S4Task;
  reason: 'drift.staleLink' | 'drift.missingLink';
  mailboxId: string | undefined;
}

/**
 * Activities whose links lag behind S/4: a link holding another ETag, or an enabled user among the
 * partners without a link. Over-reporting is harmless (the reconciliation decides what, if
 * anything, to do); the point is to never miss one.
 */
async function staleActivities<K extends DriftKind>(
  pool: Pool,
  ctx: TenantContext,
  kind: K,
  objects: Array<S4Activity<K>>,
): Promise<StaleActivity[]> {
  if (objects.length === 0) return [];
  const { links, reported } = await withTenant(
    ctx.tenantId,
    async (tx) => ({
      links: await activityLinkVersions(
        tx,
        kind,
        objects.map((o) => o.uuid),
      ),
      // Found before at this version (the overlap re-reads recent changes; a quiet tenant's watermark stays put): queued and journalled once.
      reported: await reportedBefore(
        tx,
        objects.map((o) => driftEventId(kind, o)),
      ),
    }),
    pool,
  );
  const byKey = new Map<string, Array<{ mailboxId: string; etag: string | null }>>();
  for (const link of links)
    byKey.set(link.s4_key, [...(byKey.get(link.s4_key) ?? []), { mailboxId: link.mailbox_id, etag: link.s4_etag }]);
  const stale: StaleActivity[] = [];
  for (const object of objects) {
    if (reported.has(driftEventId(kind, object))) continue;
    const own = byKey.get(object.uuid) ?? [];
    const outdated = own.find((link) => link.etag !== object.etag);
    if (outdated) {
      stale.push({ object, reason: 'drift.staleLink', mailboxId: outdated.mailboxId });
      continue;
    }
    // The users the engine would give the activity (process type, private, partner functions).
    const unlinkedUser = opsFor(kind)
      .candidatePartners(object, ctx.settings, ctx.userLookup())
      .map((partner) => ctx.byEmployee(partner))
      .find((user) => user?.enabled && user.kinds.includes(kind) && !own.some((link) => link.mailboxId === user.id));
    if (unlinkedUser) stale.push({ object, reason: 'drift.missingLink', mailboxId: unlinkedUser.id });
  }
  return stale;
}

export const DRIFT_CHECK_JOB = 'drift-check';

/** One drift check every `everyMs` across all workers (a BullMQ job scheduler, like subscription maintenance). */
export async function scheduleDriftCheck(queue: Queue, everyMs: number): Promise<void> {
  await queue.upsertJobScheduler(
    DRIFT_CHECK_JOB,
    { every: everyMs },
    { name: DRIFT_CHECK_JOB, opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
}
