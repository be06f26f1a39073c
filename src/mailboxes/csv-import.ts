import { parse } from 'csv-parse/sync';
import { TandemError } from '../errors/tandem-error.js';
import { listEnvironmentNames } from '../environments/environment-repository.js';
import { withSavepoint, type Tx } from '../store/transaction.js';
import { z } from '../validation/zod.js';
import type { EmployeeResolver } from './employee-directory.js';
import type { QueuedInitialLoad } from './initial-load-request.js';
import { findMailboxIdByAddress } from './mailbox-repository.js';
import { mailboxInput } from './mailbox-schema.js';
import { userLifecycle } from './user-lifecycle.js';

export const importRowResult = z
  .object({
    row: z.number().int().describe('Line number in the file (the header is line 1)'),
    smtpAddress: z.string().nullable(),
    outcome: z.enum(['created', 'updated', 'error']),
    message: z.string().nullable(),
  })
  .openapi('UserImportRow');
export type ImportRowResult = z.infer<typeof importRowResult>;

export const MAX_IMPORT_ROWS = 20_000;
const flag = (value: string | undefined, fallback: boolean) => {
  if (value === undefined || value.trim() === '') return fallback;
  if (/^(true|yes|y|1|x)$/i.test(value.trim())) return true;
  if (/^(false|no|n|0|-)$/i.test(value.trim())) return false;
  return value as unknown as boolean; // left for zod to reject with a message
};

/**
 * Bulk import of users from CSV (header row; columns smtpAddress, environment, s4User, employeeBp,
 * appointments, tasks, contacts, enabled). Each row stands alone — a bad row is reported and the
 * others still land — and an existing address is updated, so a file can be imported again. Users
 * that become enabled get their initial load queued, as when added one by one. Each row's S/4 user
 * and employee BP are checked against S/4 (EmployeeDirectory): an unknown one fails that row.
 */
export async function importMailboxesCsv(
  tx: Tx,
  tenantId: string,
  csv: string,
  employees: EmployeeResolver,
  by: string,
): Promise<{ rows: ImportRowResult[]; initialLoads: QueuedInitialLoad[] }> {
  let records: Record<string, string>[];
  try {
    records = parse(csv, {
      columns: (header: string[]) => header.map((h) => h.trim()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: false,
      max_record_size: 10_000,
    });
  } catch (error) {
    throw new TandemError('VALIDATION_FAILED', `The file is not valid CSV: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (records.length > MAX_IMPORT_ROWS)
    throw new TandemError('PAYLOAD_TOO_LARGE', `At most ${MAX_IMPORT_ROWS} rows per import`);
  const environments = new Map(
    (await listEnvironmentNames(tx)).flatMap(
      (env) =>
        [
          [env.name.toLowerCase(), env.id],
          [env.id, env.id],
        ] as const,
    ),
  );

  const results: ImportRowResult[] = [];
  const initialLoads: QueuedInitialLoad[] = [];
  for (const [index, record] of records.entries()) {
    const row = index + 2;
    const smtpAddress = record.smtpAddress ?? null;
    // An empty environment column means "the only one" when the tenant has exactly one.
    const named = (record.environment ?? '').trim();
    const environmentId = named
      ? environments.get(named.toLowerCase())
      : environments.size === 2
        ? [...environments.values()][0]
        : undefined;
    const parsed = mailboxInput.safeParse({
      smtpAddress,
      environmentId,
      s4User: record.s4User || undefined,
      employeeBp: record.employeeBp || undefined,
      syncAppointments: flag(record.appointments, true),
      syncTasks: flag(record.tasks, true),
      syncContacts: flag(record.contacts, true),
      enabled: flag(record.enabled, true),
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.join('.') === 'environmentId' ? 'environment' : issue.path.join('.');
      results.push({
        row,
        smtpAddress,
        outcome: 'error',
        message: `${field}: ${field === 'environment' ? `unknown environment "${record.environment ?? ''}"` : issue.message}`,
      });
      continue;
    }
    // Each row in its own savepoint: a failing row is reported and leaves the others in place.
    const imported = await withSavepoint(tx, async () => {
      const existingId = await findMailboxIdByAddress(tx, parsed.data.smtpAddress);
      if (existingId) {
        const { smtpAddress: _address, ...patch } = parsed.data;
        const change = await userLifecycle.change(tx, tenantId, existingId, patch, employees, by);
        return { outcome: 'updated' as const, change };
      }
      const change = await userLifecycle.add(tx, tenantId, parsed.data, await employees.resolve(parsed.data), by);
      return { outcome: 'created' as const, change };
    });
    if (imported.ok) {
      results.push({ row, smtpAddress, outcome: imported.value.outcome, message: null });
      if (imported.value.change.initialLoad) initialLoads.push(imported.value.change.initialLoad);
    } else {
      const { error } = imported;
      results.push({
        row,
        smtpAddress,
        outcome: 'error',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { rows: results, initialLoads };
}
