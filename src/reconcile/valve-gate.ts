import { withTenant } from '../store/transaction.js';
import { applySafetyValve, isDestructive, type SyncAction, type ValveCounters } from '../sync/index.js';
import type { ReconcileEnv } from './reconcile-env.js';
import type { MailboxInfo } from './tenant-context.js';
import { valveCounters } from './valve-counters.js';

/**
 * Runs one decision's actions through the safety valve and executes them; returns what ran.
 *
 * The valve counts destructive actions already executed (journal) — so checking and executing must
 * not interleave between workers: a mass delete in S/4 arrives as a burst of events for different
 * objects, reconciled in parallel (16 jobs per worker), and each would read the same counters and
 * pass, letting up to a whole burst through a threshold of 2. Decisions with a destructive action
 * therefore hold the tenant's valve lock (the tenant limit spans mailboxes) from reading the
 * counters until their journal entries are committed; decisions without one never wait.
 */
export async function executeThroughValve(
  env: ReconcileEnv,
  mailbox: MailboxInfo,
  actions: SyncAction[],
  execute: (actions: SyncAction[]) => Promise<void>,
): Promise<SyncAction[]> {
  if (!actions.some(isDestructive)) {
    await execute(actions);
    return actions;
  }
  const { ctx } = env;
  const release = await ctx.lockDestructive();
  try {
    const limits = ctx.settings.safetyValve;
    const counters = await withTenant(
      ctx.tenantId,
      (tx) => valveCounters(tx, mailbox.id, limits.windowMinutes),
      env.pool,
    );
    const passed = applySafetyValve(actions, limits, counters, valveNow(env, counters)).actions;
    await execute(passed);
    return passed;
  } finally {
    await release();
  }
}

/**
 * "Now" for the valve, taken after the lock was granted: the valve counts only actions at or before
 * it, and those committed by the previous holder while this one waited must count. Journal times
 * come from the database clock, so a clock ahead of ours must not hide them either.
 */
function valveNow(env: ReconcileEnv, counters: ValveCounters): string {
  const latest = counters.tenant.reduce(
    (max, at) => Math.max(max, Date.parse(at)),
    (env.now?.() ?? new Date()).getTime(),
  );
  return new Date(latest).toISOString();
}
