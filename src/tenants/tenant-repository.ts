import type { Pool } from '../store/pool.js';
import { withSystemScope, type Tx } from '../store/transaction.js';

// Tenant rows and each tenant's S/4 connection row. The tenant settings have their own module
// (settings-repository.ts). Functions on the `tenants` table take the pool and run in a system-scope
// transaction of their own: provisioning acts for the registry, before or after the tenant exists.

/** Creates the tenant, or makes an existing (offboarding) one active again with the new names. */
export async function upsertActiveTenant(
  pool: Pool,
  tenant: { tenantId: string; subdomain: string | null; displayName: string | null },
): Promise<void> {
  // The registry acts before the tenant exists: system scope.
  return withSystemScope(async (tx) => {
    await tx.query(
      `INSERT INTO tenants (id, subdomain, display_name, state) VALUES ($1, $2, $3, 'active')
       ON CONFLICT (id) DO UPDATE SET subdomain = EXCLUDED.subdomain, display_name = COALESCE(EXCLUDED.display_name, tenants.display_name),
         state = 'active', updated_at = now()`,
      [tenant.tenantId, tenant.subdomain, tenant.displayName],
    );
  }, pool);
}

/** Marks the tenant as offboarding; false if there is no such tenant. */
export async function markTenantOffboarding(pool: Pool, tenantId: string): Promise<boolean> {
  // The registry acts for the tenant from outside it: system scope.
  return withSystemScope(async (tx) => {
    const { rowCount } = await tx.query(`UPDATE tenants SET state = 'offboarding', updated_at = now() WHERE id = $1`, [
      tenantId,
    ]);
    return (rowCount ?? 0) > 0;
  }, pool);
}

/** Deletes the tenant row; ON DELETE CASCADE takes the rows left with it. */
export async function deleteTenant(pool: Pool, tenantId: string): Promise<void> {
  // The tenant row goes last, after its data: system scope.
  return withSystemScope(async (tx) => {
    await tx.query(`DELETE FROM tenants WHERE id = $1`, [tenantId]);
  }, pool);
}

/** The stored S/4 connection of the transaction's tenant (one row per tenant). */
export interface S4ConnectionRecord {
  tenant_id: string;
  kind: 'destination' | 'url';
  destination_name: string | null;
  url: string | null;
  username: string | null;
  secret_ciphertext: string | null;
  sap_client: string | null;
  updated_at: Date;
}

export async function readS4ConnectionRecord(tx: Tx): Promise<S4ConnectionRecord | undefined> {
  return (await tx.query<S4ConnectionRecord>('SELECT * FROM s4_connections')).rows[0];
}

/** Creates or replaces the tenant's S/4 connection; `secretCiphertext` is sealed by the caller. */
export async function upsertS4ConnectionRecord(
  tx: Tx,
  tenantId: string,
  record: Pick<
    S4ConnectionRecord,
    'kind' | 'destination_name' | 'url' | 'username' | 'secret_ciphertext' | 'sap_client'
  >,
): Promise<void> {
  await tx.query(
    `INSERT INTO s4_connections (tenant_id, kind, destination_name, url, username, secret_ciphertext, sap_client)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (tenant_id) DO UPDATE SET kind = EXCLUDED.kind, destination_name = EXCLUDED.destination_name, url = EXCLUDED.url,
       username = EXCLUDED.username, secret_ciphertext = EXCLUDED.secret_ciphertext, sap_client = EXCLUDED.sap_client, updated_at = now()`,
    [
      tenantId,
      record.kind,
      record.destination_name,
      record.url,
      record.username,
      record.secret_ciphertext,
      record.sap_client,
    ],
  );
}
