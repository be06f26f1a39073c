import type { ItemKind } from '../connectors/exchange/types.js';
import { TandemError } from '../errors/tandem-error.js';
import type { SyncLink } from '../sync/index.js';
import type { Tx } from '../store/transaction.js';
import { writeJournalWith, type JournalEntry } from '../journal/journal.js';

/** A link row with its database identity; the engine sees the SyncLink part. */
export interface StoredLink extends SyncLink<object> {
  id: number;
  mailboxId: string;
  /** Occurrences of an Outlook series: `seriesId@originalStart` (also the link's Exchange side) and the series id. */
  occurrenceKey?: string;
  seriesId?: string;
}

interface LinkRecord {
  id: number;
  kind: ItemKind;
  mailbox_id: string;
  s4_key: string | null;
  occurrence_key: string | null;
  exchange_item_id: string | null;
  change_key: string | null;
  s4_etag: string | null;
  snapshot: object | null;
  snapshot_hash: string | null;
  state: SyncLink<object>['state'];
  origin: 's4' | 'exchange';
  role: 'owner' | 'attendee';
  marker: string | null;
  series_id: string | null;
}

function toLink(r: LinkRecord, mailbox: string): StoredLink {
  return {
    id: r.id,
    mailboxId: r.mailbox_id,
    kind: r.kind,
    mailbox,
    state: r.state,
    origin: r.origin,
    role: r.role,
    marker: r.marker ?? r.s4_key ?? r.exchange_item_id ?? '',
    ...(r.s4_key ? { s4Key: r.s4_key } : {}),
    ...(r.exchange_item_id ? { exchangeId: r.exchange_item_id } : {}),
    ...(r.change_key ? { changeKey: r.change_key } : {}),
    ...(r.s4_etag ? { s4Etag: r.s4_etag } : {}),
    ...(r.snapshot ? { snapshot: r.snapshot } : {}),
    ...(r.snapshot_hash ? { snapshotHash: r.snapshot_hash } : {}),
    ...(r.occurrence_key ? { occurrenceKey: r.occurrence_key } : {}),
    ...(r.series_id ? { seriesId: r.series_id } : {}),
  };
}

/** Links of one S/4 object across mailboxes; `mailboxes` maps mailbox id → SMTP address. */
export async function linksOfS4Object(
  tx: Tx,
  kind: ItemKind,
  s4Key: string,
  mailboxes: ReadonlyMap<string, string>,
): Promise<StoredLink[]> {
  const { rows } = await tx.query<LinkRecord>('SELECT * FROM links WHERE kind = $1 AND s4_key = $2', [kind, s4Key]);
  return rows.filter((r) => mailboxes.has(r.mailbox_id)).map((r) => toLink(r, mailboxes.get(r.mailbox_id)!));
}

export async function linkByExchangeItem(
  tx: Tx,
  mailboxId: string,
  mailbox: string,
  exchangeItemId: string,
): Promise<StoredLink | undefined> {
  const { rows } = await tx.query<LinkRecord>('SELECT * FROM links WHERE mailbox_id = $1 AND exchange_item_id = $2', [
    mailboxId,
    exchangeItemId,
  ]);
  return rows[0] ? toLink(rows[0], mailbox) : undefined;
}

/**
 * Exchange items of one mailbox and kind whose links were written (created or updated) after a
 * point: exactly, after a snapshot (the write's transaction was not visible in it: it committed
 * later or was then in flight), or, for a state saved before snapshots were stored, since a time.
 * Occurrences of series are left out (their Exchange side is an occurrence key, not an item).
 */
export async function exchangeItemsWrittenAfter(
  tx: Tx,
  mailboxId: string,
  kind: ItemKind,
  after: { snapshot: string } | { since: Date },
): Promise<string[]> {
  const written =
    'snapshot' in after
      ? 'written_xid IS NOT NULL AND NOT pg_visible_in_snapshot(written_xid, $3::pg_snapshot)'
      : 'updated_at >= $3';
  const { rows } = await tx.query<{ exchange_item_id: string }>(
    `SELECT exchange_item_id FROM links
      WHERE mailbox_id = $1 AND kind = $2 AND state = 'linked' AND exchange_item_id IS NOT NULL
        AND occurrence_key IS NULL AND ${written}`,
    [mailboxId, kind, 'snapshot' in after ? after.snapshot : after.since],
  );
  return rows.map((row) => row.exchange_item_id);
}

/** Links of several Exchange items of one mailbox, by item id (one query for a page of changes). */
export async function linksByExchangeItems(
  tx: Tx,
  mailboxId: string,
  mailbox: string,
  exchangeItemIds: string[],
): Promise<Map<string, StoredLink>> {
  const { rows } = await tx.query<LinkRecord>(
    'SELECT * FROM links WHERE mailbox_id = $1 AND exchange_item_id = ANY($2)',
    [mailboxId, exchangeItemIds],
  );
  return new Map(rows.map((r) => [r.exchange_item_id!, toLink(r, mailbox)]));
}

export async function linkByS4Key(
  tx: Tx,
  mailboxId: string,
  mailbox: string,
  kind: ItemKind,
  s4Key: string,
): Promise<StoredLink | undefined> {
  const { rows } = await tx.query<LinkRecord>(
    'SELECT * FROM links WHERE mailbox_id = $1 AND kind = $2 AND s4_key = $3',
    [mailboxId, kind, s4Key],
  );
  return rows[0] ? toLink(rows[0], mailbox) : undefined;
}

/**
 * The link of an Outlook-created item whose id was cleared by a move to another environment
 * (environment-move.ts), matched on the snapshot's subject, start and end (tasks: subject, start
 * and due date). Only an unambiguous match counts.
 */
export async function movedOutlookLink(
  tx: Tx,
  mailboxId: string,
  mailbox: string,
  kind: ItemKind,
  item: { subject?: string; start?: string; end?: string; startDate?: string; dueDate?: string },
): Promise<StoredLink | undefined> {
  const { rows } = await tx.query<LinkRecord>(
    `SELECT * FROM links WHERE mailbox_id = $1 AND kind = $2 AND origin = 'exchange' AND state = 'linked' AND exchange_item_id IS NULL AND snapshot IS NOT NULL`,
    [mailboxId, kind],
  );
  const instant = (value: unknown) => (typeof value === 'string' && value ? new Date(value).getTime() : undefined);
  const same = (a: unknown, b: unknown) => instant(a) === instant(b);
  const matches = rows.filter((r) => {
    const snapshot = r.snapshot as Record<string, unknown>;
    if (String(snapshot.subject ?? '').trim() !== (item.subject ?? '').trim()) return false;
    return kind === 'task'
      ? same(snapshot.start, item.startDate) && same(snapshot.due, item.dueDate)
      : same(snapshot.start, item.start) && same(snapshot.end, item.end);
  });
  return matches.length === 1 ? toLink(matches[0]!, mailbox) : undefined;
}

/** The occurrence links of one Outlook series in one mailbox (all, or the one with `occurrenceKey`). */
export async function linksOfSeries(
  tx: Tx,
  mailboxId: string,
  mailbox: string,
  seriesId: string,
  occurrenceKey?: string,
): Promise<StoredLink[]> {
  const { rows } =
    occurrenceKey === undefined
      ? await tx.query<LinkRecord>(
          `SELECT * FROM links WHERE mailbox_id = $1 AND series_id = $2 AND kind = 'appointment'`,
          [mailboxId, seriesId],
        )
      : await tx.query<LinkRecord>(
          `SELECT * FROM links WHERE mailbox_id = $1 AND series_id = $2 AND kind = 'appointment' AND occurrence_key = $3`,
          [mailboxId, seriesId, occurrenceKey],
        );
  return rows.map((r) => toLink(r, mailbox));
}

export async function linksOfMailbox(
  tx: Tx,
  mailboxId: string,
  mailbox: string,
  kind: ItemKind,
): Promise<StoredLink[]> {
  const { rows } = await tx.query<LinkRecord>('SELECT * FROM links WHERE mailbox_id = $1 AND kind = $2', [
    mailboxId,
    kind,
  ]);
  return rows.map((r) => toLink(r, mailbox));
}

export interface LinkWrite {
  tenantId: string;
  kind: ItemKind;
  mailboxId: string;
  state: SyncLink<object>['state'];
  origin: 's4' | 'exchange';
  role: 'owner' | 'attendee';
  marker: string;
  s4Key?: string | undefined;
  exchangeId?: string | undefined;
  changeKey?: string | undefined;
  s4Etag?: string | undefined;
  snapshot?: object | undefined;
  snapshotHash?: string | undefined;
  /** For an occurrence of an Outlook series (written on insert; an occurrence stays one). */
  occurrence?: { key: string; seriesId: string } | undefined;
}

/**
 * Writes a link, found by its row id when known, else by either end. The partial unique indexes on
 * both ends make a second link for the same pair impossible, even with concurrent workers.
 */
export async function saveLink(tx: Tx, existingId: number | undefined, link: LinkWrite): Promise<number> {
  if (existingId !== undefined) {
    const update = linkUpdate(existingId, link);
    await tx.query(update.text, update.values);
    return existingId;
  }
  try {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO links (tenant_id, kind, mailbox_id, s4_key, exchange_item_id, change_key, s4_etag, snapshot, snapshot_hash, state, origin, role, marker,
         occurrence_key, series_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
      [...linkValues(link), link.occurrence?.key ?? null, link.occurrence?.seriesId ?? null],
    );
    return rows[0]!.id;
  } catch (error) {
    // Another job linked the same object in this mailbox meanwhile (an S/4 event and an initial load
    // reconcile one activity at once; the inbox serialises per subject, not across them). Like a
    // ChangeKey/ETag conflict, the caller re-reads the link and decides again.
    if ((error as { code?: string }).code === '23505') {
      throw new TandemError('SYNC_LOCKED', 'The object was linked by another worker at the same time', {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Writes a stored link (by its row id) and the journal entries of the same result in one statement:
 * the last write of a sync operation, a round trip fewer than saveLink and then writeJournal.
 */
export async function saveLinkWithJournal(
  tx: Tx,
  existingId: number,
  link: LinkWrite,
  entries: JournalEntry[],
): Promise<void> {
  await writeJournalWith(tx, linkUpdate(existingId, link), link.tenantId, entries);
}

function linkValues(link: LinkWrite): unknown[] {
  return [
    link.tenantId,
    link.kind,
    link.mailboxId,
    link.s4Key ?? null,
    link.exchangeId ?? null,
    link.changeKey ?? null,
    link.s4Etag ?? null,
    link.snapshot ? JSON.stringify(link.snapshot) : null,
    link.snapshotHash ?? null,
    link.state,
    link.origin,
    link.role,
    link.marker,
  ];
}

function linkUpdate(existingId: number, link: LinkWrite): { text: string; values: unknown[] } {
  return {
    text: `UPDATE links SET s4_key = COALESCE($1, s4_key), exchange_item_id = COALESCE($2, exchange_item_id), change_key = COALESCE($3, change_key),
         s4_etag = COALESCE($4, s4_etag), snapshot = COALESCE($5, snapshot), snapshot_hash = COALESCE($6, snapshot_hash), state = $7,
         origin = $8, role = $9, marker = $10, updated_at = now(), written_xid = pg_current_xact_id()
       WHERE id = $11`,
    values: [...linkValues(link).slice(3), existingId],
  };
}

export async function deleteLink(tx: Tx, id: number): Promise<void> {
  await tx.query('DELETE FROM links WHERE id = $1', [id]);
}

/**
 * Forgets the Exchange item ids and change keys of a user's links (the S/4 key, snapshot and role
 * stay); returns how many links lost theirs. Used when the user moves to another Exchange backend,
 * whose item ids differ.
 */
export async function forgetLinkedExchangeItems(tx: Tx, mailboxId: string): Promise<number> {
  const { rowCount } = await tx.query(
    `UPDATE links SET exchange_item_id = NULL, change_key = NULL, updated_at = now() WHERE mailbox_id = $1 AND exchange_item_id IS NOT NULL`,
    [mailboxId],
  );
  return rowCount ?? 0;
}

/**
 * Keeps a link whose deletion was rejected as a detached tombstone, so the same deletion is not
 * proposed again.
 */
export async function detachLink(tx: Tx, linkId: number): Promise<void> {
  await tx.query(`UPDATE links SET state = 'detached', updated_at = now() WHERE id = $1`, [linkId]);
}
