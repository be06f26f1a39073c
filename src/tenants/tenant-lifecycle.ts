import { logger } from '../logging/logger.js';
import { writeJournal } from '../journal/journal.js';
import { deleteTenantRows } from '../maintenance/retention.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { retireAllSubscriptions } from '../subscriptions/subscription-repository.js';
import { deleteTenant, markTenantOffboarding, upsertActiveTenant } from './tenant-repository.js';

export interface SubscriptionRequest {
  tenantId: string;
  subdomain?: string;
  displayName?: string;
}

/**
 * Onboarding a subscriber subaccount: the tenant row (idempotent — the registry retries, and a
 * subscription may be repeated after a failed one). Settings start from the defaults.
 */
export async function provisionTenant(pool: Pool, request: SubscriptionRequest): Promise<void> {
  await upsertActiveTenant(pool, {
    tenantId: request.tenantId,
    subdomain: request.subdomain ?? null,
    displayName: request.displayName ?? null,
  });
  await withTenant(
    request.tenantId,
    (tx) =>
      writeJournal(tx, request.tenantId, [
        {
          objectKind: 'tenant',
          outcome: 'info',
          reason: 'tenant.subscribed',
          details: { subdomain: request.subdomain ?? null },
        },
      ]),
    pool,
  );
  logger.info({ tenantId: request.tenantId }, 'tenant provisioned');
}

/**
 * Offboarding: mark the tenant, retire its mailbox subscriptions (their next EWS push is answered
 * `Unsubscribe`), and delete its data. Works for a tenant that was never fully onboarded, and
 * twice in a row. The journal goes with the data, so the deletion is recorded in the service log.
 */
export async function deprovisionTenant(pool: Pool, tenantId: string): Promise<{ existed: boolean }> {
  const existed = await markTenantOffboarding(pool, tenantId);
  if (!existed) return { existed: false };
  await withTenant(
    tenantId,
    async (tx) => {
      await retireAllSubscriptions(tx);
      await writeJournal(tx, tenantId, [
        { objectKind: 'tenant', outcome: 'info', reason: 'tenant.unsubscribed', details: { dataDeleted: true } },
      ]);
    },
    pool,
  );
  // The big tables in batches first; ON DELETE CASCADE then removes the few rows left with the tenant.
  const deleted = await deleteTenantRows(pool, tenantId);
  await deleteTenant(pool, tenantId);
  logger.info({ tenantId, deleted }, 'tenant offboarded and its data deleted');
  return { existed: true };
}
