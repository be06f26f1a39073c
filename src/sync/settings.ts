import type { FieldError } from '../errors/tandem-error.js';
import { tenantSettingsSchema, type TenantSettings } from '../contract/tenant-settings.js';

/** The settings schema is part of the contract (the cockpit renders it); parsing, migration and defaults are the engine's. */
export {
  APPOINTMENT_STATUSES,
  IMPORTANCES,
  TASK_STATUSES,
  tenantSettingsSchema,
  type AppointmentSettings,
  type AppointmentStatus,
  type ConflictSettings,
  type ContactSettings,
  type TaskSettings,
  type TenantSettings,
} from '../contract/tenant-settings.js';

export function defaultTenantSettings(): TenantSettings {
  return tenantSettingsSchema.parse({});
}

export type ParseResult = { ok: true; settings: TenantSettings } | { ok: false; errors: FieldError[] };

/**
 * Settings saved before a schema change, brought to today's shape before validation. Until the two
 * contact triggers existed one relationship type (`contacts.employeeRelationship`) served both and
 * both were always on: it becomes both triggers' type, both on — what such a tenant had.
 */
export function migrateTenantSettings(input: unknown): unknown {
  if (!isRecord(input) || !isRecord(input.contacts) || !('employeeRelationship' in input.contacts)) return input;
  const { employeeRelationship, ...contacts } = input.contacts;
  const relationship = typeof employeeRelationship === 'string' ? employeeRelationship : undefined;
  const trigger = (current: unknown) =>
    isRecord(current) ? current : { enabled: true, ...(relationship ? { relationship } : {}) };
  return {
    ...input,
    contacts: {
      ...contacts,
      viaContactPerson: trigger(contacts.viaContactPerson),
      viaCustomer: trigger(contacts.viaCustomer),
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Validates admin input; errors carry a JSON path such as `appointments.processTypes[0].textType`. */
export function parseTenantSettings(input: unknown): ParseResult {
  const r = tenantSettingsSchema.safeParse(migrateTenantSettings(input ?? {}));
  if (r.success) return { ok: true, settings: r.data };
  return { ok: false, errors: r.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** The first S/4 code configured for a Tandem status (record order is insertion order). */
export function statusCodeFor<T extends string>(map: Record<string, T>, status: T): string | undefined {
  return Object.entries(map).find(([, v]) => v === status)?.[0];
}
