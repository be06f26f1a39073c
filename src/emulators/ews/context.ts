import { child, childText, children, type XNode } from './xml.js';
import { decodeId, type EwsStore, type Folder, type Mailbox, type StoredItem } from './store.js';
import { ItemError } from './soap.js';
import { parsePath, type PropPath } from './item-model.js';
import { occurrenceViewByIndex, parseOccurrenceId, viewOf, type ItemView, type Shape } from './item-view.js';
import type { PushManager } from './push.js';
import type { Logger } from '../common/logger.js';

/** Who is calling and whose mailbox the request acts on. */
export interface Caller {
  principal: string;
  canImpersonate: boolean;
  /** Whether the request carried an ExchangeImpersonation header (then `mailbox` is the impersonated user's). */
  impersonating: boolean;
  /** The mailbox the request acts on (impersonated user, or the caller's own). */
  mailbox: Mailbox;
}

export interface OpContext {
  store: EwsStore;
  push: PushManager;
  caller: Caller;
  log: Logger;
  op: XNode;
}

/**
 * Whether the caller may open another mailbox (DistinguishedFolderId/Mailbox, ids of its items).
 * Two ways, as "Impersonation and EWS in Exchange" and "Delegate access and EWS in Exchange"
 * (https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/delegate-access-and-ews-in-exchange)
 * describe them: an impersonating caller holds ApplicationImpersonation, which the emulator lets
 * reach every mailbox; a caller without the ExchangeImpersonation header acts as itself and needs
 * the mailbox owner's permission — here the FullAccess mailbox permission granted to its account.
 * The impersonation right alone does not open another mailbox without the header.
 */
export function mayAccessMailbox(caller: Caller, mbx: Mailbox): boolean {
  if (mbx === caller.mailbox) return true;
  if (caller.impersonating) return caller.canImpersonate && !mbx.outsideImpersonationScope;
  return mbx.fullAccess.has(caller.principal.toLowerCase());
}

export function accessMailbox(ctx: OpContext, mbx: Mailbox): Mailbox {
  if (mayAccessMailbox(ctx.caller, mbx)) return mbx;
  throw new ItemError('ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
}

export function resolveFolder(ctx: OpContext, idNode: XNode | undefined): { mbx: Mailbox; folder: Folder } {
  if (!idNode) throw new ItemError('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
  if (idNode.name === 'DistinguishedFolderId') {
    const email = childText(child(idNode, 'Mailbox'), 'EmailAddress');
    let mbx = ctx.caller.mailbox;
    if (email) {
      const m = ctx.store.getMailbox(email);
      if (!m) throw new ItemError('ErrorNonExistentMailbox', 'The SMTP address has no mailbox associated with it.');
      mbx = accessMailbox(ctx, m);
    }
    const folder = ctx.store.distinguishedFolder(mbx, idNode.attrs.Id ?? '');
    if (!folder) throw new ItemError('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
    return { mbx, folder };
  }
  if (idNode.name === 'FolderId') {
    const id = idNode.attrs.Id ?? '';
    const d = decodeId(id);
    if (!d || d.kind !== 'f') throw new ItemError('ErrorInvalidIdMalformed', 'Id is malformed.');
    const mbx = [...ctx.store.mailboxes.values()].find((m) => m.key === d.mailboxKey);
    const folder = mbx?.folders.get(id);
    if (!mbx || !folder)
      throw new ItemError('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
    return { mbx: accessMailbox(ctx, mbx), folder };
  }
  throw new ItemError('ErrorInvalidIdMalformed', `Unsupported folder id element ${idNode.name}.`);
}

/** The first folder-id child (FolderId or DistinguishedFolderId) of a container element. */
export function folderIdsIn(container: XNode | undefined): XNode[] {
  return children(container).filter((c) => c.name === 'FolderId' || c.name === 'DistinguishedFolderId');
}

export interface ResolvedItem {
  mbx: Mailbox;
  item: StoredItem;
  view: ItemView;
  /** Set when the id addressed one occurrence of a series. */
  occurrenceIndex?: number;
  /** The ChangeKey the client sent, if any. */
  changeKey?: string;
}

function findItem(ctx: OpContext, id: string): { mbx: Mailbox; item: StoredItem } {
  const d = decodeId(id);
  if (!d) throw new ItemError('ErrorInvalidIdMalformed', 'Id is malformed.');
  const mbx = [...ctx.store.mailboxes.values()].find((m) => m.key === d.mailboxKey);
  const item = mbx?.items.get(id);
  if (!mbx || !item) throw new ItemError('ErrorItemNotFound', 'The specified object was not found in the store.');
  return { mbx: accessMailbox(ctx, mbx), item };
}

/**
 * Resolves ItemId, OccurrenceItemId (RecurringMasterId + InstanceIndex) and RecurringMasterItemId
 * (OccurrenceId), as in "ItemIds" / "OccurrenceItemId" of the EWS reference.
 */
export function resolveItem(ctx: OpContext, idNode: XNode): ResolvedItem {
  if (idNode.name === 'ItemId') {
    const id = idNode.attrs.Id ?? '';
    const occ = parseOccurrenceId(id);
    const changeKey = idNode.attrs.ChangeKey;
    if (occ) {
      const { mbx, item } = findItem(ctx, occ.masterId);
      return {
        mbx,
        item,
        view: occurrenceViewByIndex(mbx, item, occ.index),
        occurrenceIndex: occ.index,
        ...(changeKey ? { changeKey } : {}),
      };
    }
    const { mbx, item } = findItem(ctx, id);
    return { mbx, item, view: viewOf(item), ...(changeKey ? { changeKey } : {}) };
  }
  if (idNode.name === 'OccurrenceItemId') {
    const { mbx, item } = findItem(ctx, idNode.attrs.RecurringMasterId ?? '');
    const index = Number(idNode.attrs.InstanceIndex);
    if (!Number.isInteger(index) || index < 1)
      throw new ItemError(
        'ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange',
        'InstanceIndex must be a positive integer.',
      );
    return { mbx, item, view: occurrenceViewByIndex(mbx, item, index), occurrenceIndex: index };
  }
  if (idNode.name === 'RecurringMasterItemId') {
    const occ = parseOccurrenceId(idNode.attrs.OccurrenceId ?? '');
    const { mbx, item } = findItem(ctx, occ?.masterId ?? idNode.attrs.OccurrenceId ?? '');
    if (!item.props.has('Recurrence'))
      throw new ItemError('ErrorItemNotFound', 'The item is not part of a recurring series.');
    return { mbx, item, view: viewOf(item) };
  }
  throw new ItemError('ErrorInvalidIdMalformed', `Unsupported item id element ${idNode.name}.`);
}

export function itemIdNodes(container: XNode | undefined): XNode[] {
  return children(container).filter(
    (c) => c.name === 'ItemId' || c.name === 'OccurrenceItemId' || c.name === 'RecurringMasterItemId',
  );
}

export function parseShape(shapeNode: XNode | undefined, forFind: boolean): Shape {
  const base = (childText(shapeNode, 'BaseShape') ?? 'Default') as Shape['base'];
  if (!['IdOnly', 'Default', 'AllProperties'].includes(base))
    throw new ItemError('ErrorInvalidRequest', `Invalid BaseShape ${base}.`);
  const additional: PropPath[] = children(child(shapeNode, 'AdditionalProperties')).map(parsePath);
  const bodyType = childText(shapeNode, 'BodyType');
  return { base, additional, forFind, ...(bodyType ? { bodyType } : {}) };
}
