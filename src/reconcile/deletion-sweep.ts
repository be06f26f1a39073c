import { withTenant } from '../store/transaction.js';
import { activityDrift, reportDrift, type DriftDeps, type DriftKind } from './drift-report.js';
import { leastRecentlyVerified, markVerified, reportedBefore } from './drift-repository.js';
import type { TenantContext } from './tenant-context.js';

/**
 * Keys per kind, tenant and drift run. 500 keys are 10 existence reads of 50 keys each; at the
 * default 5-minute interval a tenant's N links of a kind are all checked within
 * ceil(N / 500) × 5 minutes (100,000 links: about 17 hours).
 */
export const DEFAULT_SWEEP_PAGE_SIZE = 500;

/** Reason of a drift finding whose S/4 object no longer exists. */
export const MISSING_IN_S4 = 'drift.missingInS4';

/** One event per deleted object, ever: a deleted object cannot come back under its GUID. */
const missingEventId = (kind: DriftKind, uuid: string) => `drift:${kind}:${uuid}:missingInS4`;

/**
 * The deletion sweep, the half of the drift check that stands in for lost S/4 **delete** events:
 * the watermark read sees only objects that still exist, so a deleted appointment or task whose
 * event was lost would keep its Outlook copy forever. Each run takes the page of linked objects
 * S/4 confirmed longest ago and asks S/4 which of them still exist (`$filter` of `or`-ed keys,
 * `$select` of the key). Those S/4 answered it does not have are queued as drift exactly as their
 * delete event would have been: the handler reads the object again (one more check by key), finds
 * it gone and applies the tenant's S/4-delete settings and the safety valve.
 *
 * Fails closed: a failed read (404 on the entity set, 5xx, timeout, an answer that is not a
 * complete collection) throws before anything is queued or marked, so a sick S/4 deletes nothing
 * and the same page is asked again next run.
 */
export async function sweepDeletedActivities(
  deps: DriftDeps,
  ctx: TenantContext,
  kind: DriftKind,
  pageSize: number,
): Promise<{ checked: number; queued: number }> {
  const keys = await withTenant(
    ctx.tenantId,
    (tx) => leastRecentlyVerified(tx, ctx.tenantId, kind, pageSize),
    deps.pool,
  );
  if (keys.length === 0) return { checked: 0, queued: 0 };
  const missing = kind === 'appointment' ? await ctx.s4.missingAppointments(keys) : await ctx.s4.missingTasks(keys);
  const { links, reported } = await withTenant(
    ctx.tenantId,
    async (tx) => {
      // Every key asked about counts as verified, the missing ones too: their event is queued now,
      // and a page that kept them in front would stall the sweep while the safety valve holds them.
      return {
        links: await markVerified(tx, ctx.tenantId, kind, keys),
        reported: await reportedBefore(
          tx,
          missing.map((uuid) => missingEventId(kind, uuid)),
        ),
      };
    },
    deps.pool,
  );
  const findings = missing
    .filter((uuid) => !reported.has(missingEventId(kind, uuid)))
    .map((uuid) => ({
      uuid,
      eventId: missingEventId(kind, uuid),
      payload: { missingInS4: true },
      reason: MISSING_IN_S4,
      mailboxIds: links.filter((link) => link.s4_key === uuid).map((link) => link.mailbox_id),
      details: { checkedAt: new Date().toISOString() },
    }));
  return { checked: keys.length, queued: await reportDrift(deps, ctx.tenantId, activityDrift(kind), findings) };
}
