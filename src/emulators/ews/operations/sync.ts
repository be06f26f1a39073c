import { createHmac } from 'node:crypto';
import { child, childText, esc } from '../xml.js';
import type { Mailbox } from '../store.js';
import { ItemError, SoapFault, operationResponse } from '../soap.js';
import { renderItem, viewOf } from '../item-view.js';
import { folderIdsIn, parseShape, resolveFolder, type OpContext } from '../context.js';
import { perItem } from './items.js';

/** Per-process key: sync states from another emulator run (or edited ones) are rejected as invalid. */
const SYNC_KEY = createHmac('sha256', String(Math.random())).digest();

function encodeState(mbx: Mailbox, folderId: string, seq: number): string {
  const body = `SS|${mbx.key}|${folderId}|${seq}`;
  const mac = createHmac('sha256', SYNC_KEY).update(body).digest('hex').slice(0, 16);
  return Buffer.from(`${body}|${mac}`, 'utf8').toString('base64');
}

function decodeState(mbx: Mailbox, folderId: string, state: string): number {
  const invalid = new ItemError(
    'ErrorInvalidSyncStateData',
    'Synchronization state data is corrupt or otherwise invalid.',
  );
  if (!/^[A-Za-z0-9+/=]+$/.test(state)) throw invalid;
  const parts = Buffer.from(state, 'base64').toString('utf8').split('|');
  if (parts.length !== 5 || parts[0] !== 'SS') throw invalid;
  const body = parts.slice(0, 4).join('|');
  const mac = createHmac('sha256', SYNC_KEY).update(body).digest('hex').slice(0, 16);
  const seq = Number(parts[3]);
  if (
    mac !== parts[4] ||
    parts[1] !== mbx.key ||
    parts[2] !== folderId ||
    !Number.isInteger(seq) ||
    seq < 0 ||
    seq > mbx.seq
  )
    throw invalid;
  return seq;
}

type Change = { type: 'Create' | 'Update' | 'Delete'; itemId: string };

/**
 * SyncFolderItems ("SyncFolderItems operation"): replays the mailbox event log after the sync
 * state, collapsing several events of one item into one change (Create+Update → Create,
 * Create+Delete → nothing). MaxChangesReturned bounds the changes per response and
 * IncludesLastItemInRange says whether the client is up to date.
 */
export function syncFolderItems(ctx: OpContext): string {
  const op = ctx.op;
  const maxText = childText(op, 'MaxChangesReturned');
  const max = Number(maxText);
  // MaxSyncChangesReturnedType is an xs:int restricted to 1..512 in types.xsd: a schema violation otherwise.
  if (!maxText || !Number.isInteger(max) || max < 1 || max > 512) {
    throw new SoapFault(
      'ErrorSchemaValidation',
      `The request failed schema validation: The 'MaxChangesReturned' element is invalid - The value '${maxText ?? ''}' is invalid according to its datatype (1..512).`,
    );
  }
  const shape = parseShape(child(op, 'ItemShape'), false);
  const fid = folderIdsIn(child(op, 'SyncFolderId'))[0];
  return operationResponse(
    'SyncFolderItems',
    perItem('SyncFolderItems', () => {
      const { mbx, folder } = resolveFolder(ctx, fid);
      const stateText = childText(op, 'SyncState');
      const from = stateText ? decodeState(mbx, folder.id, stateText) : 0;
      const changes = new Map<string, Change>();
      let reached = from;
      let complete = true;
      for (const e of ctx.store.eventsAfter(mbx, from)) {
        if (e.isFolder) {
          reached = e.seq;
          continue;
        }
        // An event touches at most two entries; remember them, so that an event that would
        // overflow MaxChangesReturned is taken back without copying the whole change set. An
        // overflowing event only adds or rewrites entries (a removal would not grow the set), so
        // taking it back leaves the remaining entries in their order.
        const touched = [e.itemId, ...(e.oldItemId ? [e.oldItemId] : [])];
        const before = touched.map((id) => changes.get(id));
        if (e.type === 'CreatedEvent' && e.folderId === folder.id) apply(changes, e.itemId, 'Create', mbx, from);
        else if (e.type === 'ModifiedEvent' && e.folderId === folder.id) apply(changes, e.itemId, 'Update', mbx, from);
        else if (e.type === 'DeletedEvent' && e.folderId === folder.id) apply(changes, e.itemId, 'Delete', mbx, from);
        else if (e.type === 'MovedEvent') {
          if (e.oldFolderId === folder.id && e.oldItemId) apply(changes, e.oldItemId, 'Delete', mbx, from);
          if (e.folderId === folder.id) apply(changes, e.itemId, 'Create', mbx, from);
        }
        if (changes.size > max) {
          touched.forEach((id, k) => restore(changes, id, before[k]));
          complete = false;
          break;
        }
        reached = e.seq;
      }
      const xml = [...changes.values()]
        .map((c) => {
          if (c.type === 'Delete') return `<t:Delete><t:ItemId Id="${esc(c.itemId)}"/></t:Delete>`;
          const item = mbx.items.get(c.itemId);
          if (!item || item.folderId !== folder.id) return '';
          return `<t:${c.type}>${renderItem(mbx, viewOf(item), shape)}</t:${c.type}>`;
        })
        .join('');
      return `<m:SyncState>${encodeState(mbx, folder.id, reached)}</m:SyncState><m:IncludesLastItemInRange>${complete}</m:IncludesLastItemInRange><m:Changes>${xml}</m:Changes>`;
    }),
  );
}

function restore(changes: Map<string, Change>, itemId: string, previous: Change | undefined): void {
  if (previous) changes.set(itemId, previous);
  else changes.delete(itemId);
}

function apply(changes: Map<string, Change>, itemId: string, type: Change['type'], mbx: Mailbox, from: number): void {
  const prev = changes.get(itemId);
  if (type === 'Create') {
    // A create for an item that no longer exists is skipped; its later delete is then unknown to the client.
    if (mbx.items.has(itemId)) changes.set(itemId, { type: 'Create', itemId });
    return;
  }
  if (type === 'Update') {
    if (!mbx.items.has(itemId)) return;
    if (!prev) changes.set(itemId, { type: 'Update', itemId });
    return;
  }
  if (prev?.type === 'Create') {
    changes.delete(itemId);
    return;
  }
  // Deletes of items created after the client's state were never reported to it: skip them.
  const created = mbx.events.find((e) => e.itemId === itemId && (e.type === 'CreatedEvent' || e.type === 'MovedEvent'));
  if (created && created.seq > from && !prev) return;
  changes.set(itemId, { type: 'Delete', itemId });
}
