import { z } from '../validation/zod.js';
import type { Tx } from '../store/transaction.js';

import { JOURNAL_OUTCOMES, type JournalOutcome } from '../contract/journal-outcomes.js';

export { JOURNAL_OUTCOMES, type JournalOutcome };
export type Direction = 's4-to-exchange' | 'exchange-to-s4' | 'both' | 'none';

export interface JournalEntry {
  correlationId?: string;
  mailboxId?: string;
  objectKind?: 'appointment' | 'task' | 'contact' | 'mailbox' | 'tenant';
  s4Key?: string;
  exchangeItemId?: string;
  direction?: Direction;
  outcome: JournalOutcome;
  /** Stable reason code, e.g. `filtered.processType`, `echo.ownWrite`, `conflict.ownerWins`. */
  reason: string;
  /** Fields changed, who won a conflict and the overwritten values, the error and next retry. */
  details?: Record<string, unknown>;
}

export interface JournalRecord extends JournalEntry {
  id: number;
  tenantId: string;
  at: string;
  details: Record<string, unknown>;
}

export async function writeJournal(tx: Tx, tenantId: string, entries: JournalEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const insert = journalInsert(tenantId, entries, 1);
  await tx.query(insert.text, insert.values);
}

/**
 * Runs a write (parameters $1…$n) and the journal entries' insert as one statement: a round trip
 * fewer where a result and its journal commit together (the link of a sync operation). The write
 * runs to completion whether or not it returns rows; a failure of either fails both.
 */
export async function writeJournalWith(
  tx: Tx,
  write: { text: string; values: unknown[] },
  tenantId: string,
  entries: JournalEntry[],
): Promise<void> {
  if (entries.length === 0) {
    await tx.query(write.text, write.values);
    return;
  }
  const insert = journalInsert(tenantId, entries, write.values.length + 1);
  await tx.query(`WITH write AS (${write.text}) ${insert.text}`, [...write.values, ...insert.values]);
}

/** The journal's INSERT for `entries`, its parameters numbered from `first`. */
function journalInsert(tenantId: string, entries: JournalEntry[], first: number) {
  const $ = (i: number) => `$${first + i}`;
  return {
    text: `INSERT INTO journal (tenant_id, correlation_id, mailbox_id, object_kind, s4_key, exchange_item_id, direction, outcome, reason, details)
     SELECT ${$(0)}, * FROM unnest(${$(1)}::text[], ${$(2)}::uuid[], ${$(3)}::text[], ${$(4)}::text[], ${$(5)}::text[], ${$(6)}::text[], ${$(7)}::text[], ${$(8)}::text[], ${$(9)}::jsonb[])`,
    values: [
      tenantId,
      entries.map((e) => e.correlationId ?? null),
      entries.map((e) => e.mailboxId ?? null),
      entries.map((e) => e.objectKind ?? null),
      entries.map((e) => e.s4Key ?? null),
      entries.map((e) => e.exchangeItemId ?? null),
      entries.map((e) => e.direction ?? null),
      entries.map((e) => e.outcome),
      entries.map((e) => e.reason),
      entries.map((e) => JSON.stringify(e.details ?? {})),
    ],
  };
}

export const journalQuerySchema = z.object({
  mailboxId: z.uuid().optional().describe('Only entries about this mailbox'),
  s4Key: z.string().max(100).optional().describe('S/4 activity GUID or business partner number'),
  exchangeItemId: z.string().max(500).optional().describe('Exchange item id'),
  correlationId: z.string().max(200).optional().describe('The S/4 event id or notification id that started the work'),
  outcome: z.enum(JOURNAL_OUTCOMES).optional(),
  from: z.iso.datetime({ offset: true }).optional().describe('Inclusive start of the time range'),
  to: z.iso.datetime({ offset: true }).optional().describe('Exclusive end of the time range'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** Keyset pagination: entries older than this id. */
  before: z.coerce.number().int().positive().optional().describe('Return entries older than this id (next page)'),
});
export type JournalQuery = z.infer<typeof journalQuerySchema>;

export interface JournalPage {
  items: JournalRecord[];
  /** Pass as `before` to get the next page; absent on the last page. */
  nextBefore?: number;
}

/** Newest first; keyset-paginated so deep pages stay as fast as the first. Runs under the caller's tenant. */
export async function queryJournal(tx: Tx, query: JournalQuery): Promise<JournalPage> {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    conditions.push(sql.replace('?', `$${values.length}`));
  };
  if (query.mailboxId) add('mailbox_id = ?', query.mailboxId);
  if (query.s4Key) add('s4_key = ?', query.s4Key);
  if (query.exchangeItemId) add('exchange_item_id = ?', query.exchangeItemId);
  if (query.correlationId) add('correlation_id = ?', query.correlationId);
  if (query.outcome) add('outcome = ?', query.outcome);
  if (query.from) add('at >= ?', query.from);
  if (query.to) add('at < ?', query.to);
  if (query.before) add('id < ?', query.before);
  values.push(query.limit + 1);
  const { rows } = await tx.query<{
    id: number;
    tenant_id: string;
    at: Date;
    correlation_id: string | null;
    mailbox_id: string | null;
    object_kind: JournalEntry['objectKind'] | null;
    s4_key: string | null;
    exchange_item_id: string | null;
    direction: Direction | null;
    outcome: JournalOutcome;
    reason: string;
    details: Record<string, unknown>;
  }>(
    `SELECT id, tenant_id, at, correlation_id, mailbox_id, object_kind, s4_key, exchange_item_id, direction, outcome, reason, details
        FROM journal ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
       ORDER BY id DESC LIMIT $${values.length}`,
    values,
  );
  const items = rows.slice(0, query.limit).map((row) => ({
    id: row.id,
    tenantId: row.tenant_id,
    at: row.at.toISOString(),
    outcome: row.outcome,
    reason: row.reason,
    details: row.details,
    ...(row.correlation_id ? { correlationId: row.correlation_id } : {}),
    ...(row.mailbox_id ? { mailboxId: row.mailbox_id } : {}),
    ...(row.object_kind ? { objectKind: row.object_kind } : {}),
    ...(row.s4_key ? { s4Key: row.s4_key } : {}),
    ...(row.exchange_item_id ? { exchangeItemId: row.exchange_item_id } : {}),
    ...(row.direction ? { direction: row.direction } : {}),
  }));
  return { items, ...(rows.length > query.limit ? { nextBefore: items.at(-1)!.id } : {}) };
}

export interface HourlyActivity {
  hour: Date;
  outcome: string;
  count: number;
}

/** Journal entries of the transaction's tenant in the last 24 hours, counted per hour and outcome. */
export async function hourlyActivity(tx: Tx): Promise<HourlyActivity[]> {
  const { rows } = await tx.query<{ hour: Date; outcome: string; n: number }>(
    `SELECT date_trunc('hour', at) AS hour, outcome, count(*)::int AS n FROM journal
     WHERE at > now() - interval '24 hours' GROUP BY 1, 2 ORDER BY 1`,
  );
  return rows.map((r) => ({ hour: r.hour, outcome: r.outcome, count: r.n }));
}

/** When deletions were synced in the last `windowMinutes`, newest first (at most 5,000), with their mailbox. */
export async function recentDeletions(
  tx: Tx,
  windowMinutes: number,
): Promise<{ at: Date; mailbox_id: string | null }[]> {
  const { rows } = await tx.query<{ at: Date; mailbox_id: string | null }>(
    `SELECT at, mailbox_id FROM journal
      WHERE outcome = 'deleted' AND direction IN ('s4-to-exchange', 'exchange-to-s4') AND at > now() - make_interval(mins => $1)
      ORDER BY at DESC LIMIT 5000`,
    [windowMinutes],
  );
  return rows;
}

/** The attachments journalled as skipped for an S/4 object in a mailbox, as `reason|direction|attachment` keys. */
export async function skippedAttachmentKeys(tx: Tx, s4Key: string, mailboxId: string): Promise<Set<string>> {
  const { rows } = await tx.query<{ key: string }>(
    `SELECT DISTINCT reason || '|' || direction || '|' || (details->>'attachment') AS key FROM journal
        WHERE s4_key = $1 AND mailbox_id = $2 AND outcome = 'skipped' AND reason LIKE 'attachment%'`,
    [s4Key, mailboxId],
  );
  return new Set(rows.map((r) => r.key));
}

/** The newest journal entry of an object in a mailbox, found by its S/4 key or else its Exchange item id. */
export async function lastJournalEntryOf(
  tx: Tx,
  object: { s4Key: string } | { exchangeItemId: string },
  mailboxId: string,
): Promise<{ outcome: string; reason: string } | undefined> {
  const [column, key] = 's4Key' in object ? ['s4_key', object.s4Key] : ['exchange_item_id', object.exchangeItemId];
  const { rows } = await tx.query<{ outcome: string; reason: string }>(
    `SELECT outcome, reason FROM journal WHERE ${column} = $1 AND mailbox_id = $2 ORDER BY id DESC LIMIT 1`,
    [key, mailboxId],
  );
  return rows[0];
}
