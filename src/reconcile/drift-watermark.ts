import { withTenant } from '../store/transaction.js';
import { reportDrift, type DriftDeps, type DriftFinding, type DriftTarget } from './drift-report.js';
import { readWatermark, saveWatermark, type WatermarkKind } from './drift-repository.js';

/** What one kind's watermark read needs: how to ask S/4, and how to compare its answer with the links. */
export interface WatermarkRead<T> {
  kind: WatermarkKind;
  target: DriftTarget;
  /** The objects S/4 changed since an instant, given in the form its service takes. */
  listChangedSince: (sinceMs: number) => Promise<T[]>;
  /** An object's change time on S/4's clock. */
  changedAtMs: (object: T) => number;
  /** The changed objects whose links lag behind (never reported before). */
  findStale: (changed: T[]) => Promise<DriftFinding[]>;
}

/**
 * The drift check's loop for one kind, shared by activities (drift-check.ts) and business
 * partners (partner-drift.ts): read the tenant's watermark, list what S/4 changed since it minus
 * the overlap, report the stale objects, and keep the newest change seen as the new watermark.
 * The watermark is on S/4's clock, not ours, so clock skew cannot skip a change; when nothing
 * changed it stays. A first check looks back one interval. Returns how many findings were queued.
 */
export async function checkSinceWatermark<T>(
  deps: DriftDeps,
  tenantId: string,
  read: WatermarkRead<T>,
  options: { intervalMs: number; overlapMs: number },
): Promise<number> {
  const watermark = await withTenant(tenantId, (tx) => readWatermark(tx, read.kind), deps.pool);
  const from = watermark?.getTime() ?? Date.now() - options.intervalMs;
  const changed = await read.listChangedSince(from - options.overlapMs);
  const queued = await reportDrift(deps, tenantId, read.target, await read.findStale(changed));
  const newest = changed.reduce((max, object) => Math.max(max, read.changedAtMs(object)), from);
  await withTenant(tenantId, (tx) => saveWatermark(tx, tenantId, read.kind, new Date(newest)), deps.pool);
  return queued;
}
