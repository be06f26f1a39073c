import { testS4System, type S4TestStep } from '../connectors/s4/connection-test.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { s4TargetOf } from '../tenants/s4-connection.js';
import { lastS4Heartbeat, type S4Heartbeat } from './s4-connection-repository.js';

/** The sender job posts a heartbeat every 5 minutes by default; three missed ones mean it stopped. */
export const HEARTBEAT_STALE_MS = 15 * 60_000;

export interface S4ConnectionTestResult {
  ok: boolean;
  steps: S4TestStep[];
}

/**
 * The S/4 connection Test of a tenant: the system checks through the tenant's configured target
 * (exactly as the sync engine resolves it), then the event direction — the last heartbeat of the
 * ABAP event sender.
 */
export async function runS4ConnectionTest(
  deps: { pool: Pool; secretBox: SecretBox },
  tenantId: string,
  now = Date.now(),
): Promise<S4ConnectionTestResult> {
  const { target, heartbeat } = await withTenant(
    tenantId,
    async (tx) => ({
      target: await s4TargetOf(tx, tenantId, deps.secretBox),
      heartbeat: await lastS4Heartbeat(tx),
    }),
    deps.pool,
  );
  const steps = await testS4System(target);
  steps.push(heartbeatStep(heartbeat, now));
  return { ok: steps.every((s) => s.ok), steps };
}

export function heartbeatStep(heartbeat: S4Heartbeat | undefined, now: number): S4TestStep {
  const base = { step: 'heartbeat' as const, name: 'Events from S/4HANA (heartbeat)', durationMs: 0 };
  if (!heartbeat) {
    return {
      ...base,
      ok: false,
      message:
        'No event received yet — check the SM59 destination (path /s4/events, the callback credential) and that the job ZTANDEM_EVENT_SENDER is scheduled.',
    };
  }
  const age = now - Date.parse(heartbeat.receivedAt);
  const minutes = Math.max(0, Math.round(age / 60_000));
  const backlog = `${heartbeat.pendingEvents} event(s) waiting in the outbox, ${heartbeat.failedEvents} refused`;
  if (age > HEARTBEAT_STALE_MS) {
    return {
      ...base,
      ok: false,
      message: `The last heartbeat came ${minutes} minutes ago (${heartbeat.receivedAt}) from ${heartbeat.source} — the job ZTANDEM_EVENT_SENDER or the SM59 destination stopped working (${backlog} then).`,
    };
  }
  return {
    ...base,
    ok: true,
    message: `Last heartbeat ${minutes === 0 ? 'less than a minute' : `${minutes} minute(s)`} ago from ${heartbeat.source}; ${backlog}.`,
  };
}
