import { TandemError } from '../errors/tandem-error.js';
import { defaultTenantSettings, parseTenantSettings, type TenantSettings } from '../sync/index.js';
import type { Pool } from '../store/pool.js';
import { withSystemScope, type Tx } from '../store/transaction.js';

// The tenant's own rows: the tenant with its settings (and their audit trail), and its S/4
// connection. Everything but the lifecycle functions runs in the caller's tenant-scoped transaction.

export interface StoredSettings {
  settings: TenantSettings;
  version: number;
  changedBy: string | null;
  changedAt: string | null;
}

export interface SettingsChange {
  path: string;
  from: unknown;
  to: unknown;
}

/** Reads the tenant's settings with defaults filled in (a new tenant has `{}` stored). */
export async function readSettings(tx: Tx): Promise<StoredSettings> {
  const { rows } = await tx.query<{
    settings: unknown;
    settings_version: number;
    changed_by: string | null;
    changed_at: Date | null;
  }>(
    `SELECT t.settings, t.settings_version, a.changed_by, a.changed_at FROM tenants t
       LEFT JOIN settings_audit a ON a.tenant_id = t.id AND a.version = t.settings_version`,
  );
  const row = rows[0];
  if (!row) throw new TandemError('TENANT_NOT_FOUND', 'Tenant not found');
  const parsed = parseTenantSettings(row.settings);
  // Stored settings were valid when saved; should a later release tighten the schema, the tenant
  // keeps working on defaults until an admin saves again (and the cockpit shows the errors then).
  const settings = parsed.ok ? parsed.settings : defaultTenantSettings();
  return {
    settings,
    version: row.settings_version,
    changedBy: row.changed_by,
    changedAt: row.changed_at?.toISOString() ?? null,
  };
}

/** Leaf paths whose values differ, e.g. `appointments.exchangeToS4`. */
export function diffSettings(before: unknown, after: unknown, path = ''): SettingsChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(before) || !isObject(after)) return [{ path: path || '(root)', from: before, to: after }];
  const keys = new Set([...Object.keys(before as object), ...Object.keys(after as object)]);
  return [...keys].flatMap((key) =>
    diffSettings(
      (before as Record<string, unknown>)[key],
      (after as Record<string, unknown>)[key],
      path ? `${path}.${key}` : key,
    ),
  );
}

/**
 * Replaces the settings after validating them; records who changed what in the audit trail.
 * `expectedVersion` guards against two admins overwriting each other.
 */
export async function saveSettings(
  tx: Tx,
  tenantId: string,
  input: unknown,
  changedBy: string,
  expectedVersion?: number,
): Promise<StoredSettings & { changes: SettingsChange[] }> {
  const parsed = parseTenantSettings(input);
  if (!parsed.ok) {
    throw new TandemError('VALIDATION_FAILED', 'The settings are invalid', {
      fieldErrors: parsed.errors.map((e) => ({ path: `body.${e.path}`, message: e.message })),
    });
  }
  const current = await readSettings(tx);
  if (expectedVersion !== undefined && expectedVersion !== current.version) {
    throw new TandemError(
      'CONFLICT',
      `The settings were changed meanwhile (version ${current.version}); reload and apply your change again`,
    );
  }
  const changes = diffSettings(current.settings, parsed.settings);
  const version = current.version + 1;
  await tx.query('UPDATE tenants SET settings = $1, settings_version = $2, updated_at = now()', [
    JSON.stringify(parsed.settings),
    version,
  ]);
  // Recurring sync switched on or off: expand existing series at the next maintenance run, not tomorrow.
  if (changes.some((c) => c.path === 'appointments.recurringToS4' || c.path === 'appointments.enabled'))
    await tx.query('UPDATE mailboxes SET series_window_on = NULL');
  await tx.query(
    'INSERT INTO settings_audit (tenant_id, version, changed_by, settings, changes) VALUES ($1, $2, $3, $4, $5)',
    [tenantId, version, changedBy, JSON.stringify(parsed.settings), JSON.stringify(changes)],
  );
  return { settings: parsed.settings, version, changedBy, changedAt: new Date().toISOString(), changes };
}

export async function settingsHistory(
  tx: Tx,
  limit: number,
): Promise<Array<{ version: number; changedBy: string; changedAt: string; changes: SettingsChange[] }>> {
  const { rows } = await tx.query<{ version: number; changed_by: string; changed_at: Date; changes: SettingsChange[] }>(
    'SELECT version, changed_by, changed_at, changes FROM settings_audit ORDER BY version DESC LIMIT $1',
    [limit],
  );
  return rows.map((r) => ({
    version: r.version,
    changedBy: r.changed_by,
    changedAt: r.changed_at.toISOString(),
    changes: r.changes,
  }));
}

// The tenant's lifecycle (provisioning, offboarding): these take the pool and run in a system-scope
// transaction of their own, since the registry acts for the tenant from outside it, before the
// tenant exists or while it is being removed.

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
