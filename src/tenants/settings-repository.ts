import { TandemError } from '../errors/tandem-error.js';
import { defaultTenantSettings, parseTenantSettings, type TenantSettings } from '../sync/index.js';
import type { Tx } from '../store/transaction.js';

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
