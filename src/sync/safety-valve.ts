import type { JournalEntry, PendingDeletion, SyncAction } from './actions.js';
import { isDestructive } from './actions.js';

/**
 * The safety valve (docs/sync-engine.md, "Safety valve"): destructive actions (deletes in either system, removals from a
 * mailbox, delete-status changes) are counted per mailbox and per tenant in a sliding window.
 * Past a threshold that scope pauses destructive actions — they become `pendingDeletion`s for an
 * admin to confirm or reject — while everything else proceeds. A scope with pending deletions
 * stays paused until an admin has dealt with them, so a mass delete cannot trickle through one
 * window at a time; without pending deletions it releases as old actions leave the window.
 */

export interface SafetyValveLimits {
  maxDeletesPerMailbox: number;
  maxDeletesPerTenant: number;
  windowMinutes: number;
}

export interface ValveCounters {
  /** Timestamps (ISO) of destructive actions recently executed in this mailbox. */
  mailbox: readonly string[];
  /** … in the whole tenant. */
  tenant: readonly string[];
  /** Deletions of this mailbox / tenant still awaiting an admin's decision. */
  mailboxPending?: boolean;
  tenantPending?: boolean;
}

export type ValveVerdict = { allow: true } | { allow: false; scope: 'mailbox' | 'tenant' };

function recent(stamps: readonly string[], now: number, windowMs: number): number {
  return stamps.filter((t) => {
    const x = Date.parse(t);
    return x > now - windowMs && x <= now;
  }).length;
}

/** May one more destructive action run now? */
export function checkSafetyValve(limits: SafetyValveLimits, counters: ValveCounters, now: string): ValveVerdict {
  const t = Date.parse(now);
  const w = limits.windowMinutes * 60_000;
  if (counters.tenantPending || recent(counters.tenant, t, w) >= limits.maxDeletesPerTenant)
    return { allow: false, scope: 'tenant' };
  if (counters.mailboxPending || recent(counters.mailbox, t, w) >= limits.maxDeletesPerMailbox)
    return { allow: false, scope: 'mailbox' };
  return { allow: true };
}

export interface ValveResult<A extends SyncAction> {
  actions: Array<A | PendingDeletion>;
  /** Destructive actions let through (the worker records their timestamps in its counters). */
  allowed: number;
  /** Destructive actions held back. */
  held: number;
}

/** Passes the actions of a decision through the valve, counting each allowed destructive action. */
export function applySafetyValve<A extends SyncAction>(
  actions: readonly A[],
  limits: SafetyValveLimits,
  counters: ValveCounters,
  now: string,
): ValveResult<A> {
  const mailbox = [...counters.mailbox];
  const tenant = [...counters.tenant];
  let mailboxPending = counters.mailboxPending ?? false;
  let tenantPending = counters.tenantPending ?? false;
  const out: Array<A | PendingDeletion> = [];
  let allowed = 0;
  let held = 0;
  let lastHeld: PendingDeletion | undefined;
  for (const a of actions) {
    // An unlink after a held delete would forget the item the admin has yet to decide on: it waits with it.
    if (a.type === 'unlink' && lastHeld) {
      lastHeld.followUps.push(a);
      continue;
    }
    if (!isDestructive(a)) {
      out.push(a);
      continue;
    }
    const v = checkSafetyValve(limits, { mailbox, tenant, mailboxPending, tenantPending }, now);
    if (v.allow) {
      out.push(a);
      mailbox.push(now);
      tenant.push(now);
      allowed += 1;
      lastHeld = undefined;
      continue;
    }
    const journal: JournalEntry = {
      outcome: 'pending',
      reason: `safetyValve.${v.scope}`,
      ...(a.journal.fields ? { fields: a.journal.fields } : {}),
    };
    lastHeld = { type: 'pendingDeletion', action: a, scope: v.scope, followUps: [], journal };
    out.push(lastHeld);
    if (v.scope === 'mailbox') mailboxPending = true;
    else tenantPending = true;
    held += 1;
  }
  return { actions: out, allowed, held };
}
