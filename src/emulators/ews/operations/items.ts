import { child, children, cloneNode, tnode, type XNode } from '../xml.js';
import { changeKeyVersion, newChangeKey, type ItemKind, type Mailbox, type StoredItem } from '../store.js';
import { ItemError, SoapFault, operationResponse, responseMessage } from '../soap.js';
import { COMPLEX_PROPS, ITEM_KINDS, READ_ONLY, orderFor } from '../item-schema.js';
import { deleteProperty, findPath, normalizeDateTimes, readExtended, setProperty } from '../item-model.js';
import { renderItem, viewOf, type ItemView } from '../item-view.js';
import { RecurrenceError, parseDateTime, validateRecurrence } from '../calendar.js';
import { folderIdsIn, itemIdNodes, parseShape, resolveFolder, resolveItem, type OpContext } from '../context.js';
import { randomUUID } from 'node:crypto';

/** Runs one per-item step; an ItemError becomes that item's Error response message. */
export function perItem(operation: string, fn: () => string): string {
  try {
    return responseMessage(operation, undefined, fn());
  } catch (err) {
    if (err instanceof ItemError)
      return responseMessage(operation, {
        code: err.code,
        message: err.message,
        ...(err.messageXml ? { messageXml: err.messageXml } : {}),
      });
    throw err;
  }
}

function idOnlyXml(kind: ItemKind, id: string, changeKey: string): string {
  return `<t:${kind}><t:ItemId Id="${id}" ChangeKey="${changeKey}"/></t:${kind}>`;
}

const ALLOWED = new Map<ItemKind, ReadonlySet<string>>();

function allowedChildren(kind: ItemKind): ReadonlySet<string> {
  let allowed = ALLOWED.get(kind);
  if (!allowed) {
    allowed = new Set(orderFor(kind));
    ALLOWED.set(kind, allowed);
  }
  return allowed;
}

/** Element names a request may carry for this kind (schema check: anything else is a schema violation). */
export function checkSchema(node: XNode): void {
  const allowed = allowedChildren(node.name as ItemKind);
  for (const c of node.children) {
    if (c.children.length > 0 && !COMPLEX_PROPS.has(c.name)) {
      throw new SoapFault(
        'ErrorSchemaValidation',
        `The request failed schema validation: The element '${c.name}' in namespace 'http://schemas.microsoft.com/exchange/services/2006/types' cannot contain child element '${c.children[0]?.name ?? ''}' because the parent element's content model is text only.`,
      );
    }
    if (!allowed.has(c.name)) {
      throw new SoapFault(
        'ErrorSchemaValidation',
        `The request failed schema validation: The element '${node.name}' in namespace 'http://schemas.microsoft.com/exchange/services/2006/types' has invalid child element '${c.name}'.`,
      );
    }
  }
}

/**
 * Outlook/Exchange keep Status and PercentComplete consistent ("PercentComplete", "Status" (task)
 * in the EWS reference): 100 % means Completed and Completed means 100 %; CompleteDate is set then.
 */
function normalizeTask(props: Map<string, XNode>, touched: string[]): void {
  const pct = props.get('PercentComplete');
  const status = props.get('Status');
  if (pct && (Number(pct.text) < 0 || Number(pct.text) > 100 || Number.isNaN(Number(pct.text)))) {
    throw new ItemError('ErrorInvalidPercentCompleteValue', 'PercentComplete must be between 0 and 100.');
  }
  const statusTouched = touched.includes('Status');
  if (status?.text === 'Completed' && (statusTouched || !pct))
    props.set('PercentComplete', tnode('PercentComplete', '100'));
  else if (pct?.text === '100' && !statusTouched) props.set('Status', tnode('Status', 'Completed'));
  if (props.get('Status')?.text === 'Completed') {
    if (!props.has('CompleteDate'))
      props.set('CompleteDate', tnode('CompleteDate', new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')));
  } else {
    props.delete('CompleteDate');
  }
}

function validateCalendar(props: Map<string, XNode>): void {
  const start = parseDateTime(props.get('Start')?.text);
  const end = parseDateTime(props.get('End')?.text);
  if (props.has('Start') && start === undefined)
    throw new ItemError('ErrorInvalidPropertyRequest', 'Start is not a valid dateTime.');
  if (props.has('End') && end === undefined)
    throw new ItemError('ErrorInvalidPropertyRequest', 'End is not a valid dateTime.');
  if (start !== undefined && end !== undefined && end < start)
    throw new ItemError('ErrorCalendarEndDateIsEarlierThanStartDate', 'EndDate is earlier than StartDate');
  const rec = props.get('Recurrence');
  if (rec) {
    try {
      validateRecurrence(rec);
    } catch (e) {
      if (e instanceof RecurrenceError) throw new ItemError('ErrorCalendarInvalidRecurrence', e.message);
      throw e;
    }
  }
}

export function createItem(ctx: OpContext): string {
  const op = ctx.op;
  const target = folderIdsIn(child(op, 'SavedItemFolderId'))[0];
  const items = children(child(op, 'Items'));
  const invitations = op.attrs.SendMeetingInvitations;
  const messages = items.map((node) =>
    perItem('CreateItem', () => {
      if (!ITEM_KINDS.includes(node.name as ItemKind))
        throw new ItemError('ErrorInvalidItemForOperationCreateItem', `Item type ${node.name} is not supported.`);
      checkSchema(node);
      const kind = node.name as ItemKind;
      if (kind === 'CalendarItem' && !invitations) {
        // "CreateItem operation (calendar item)": SendMeetingInvitations is required for calendar items.
        throw new ItemError(
          'ErrorSendMeetingInvitationsRequired',
          'SendMeetingInvitations attribute is required for calendar items.',
        );
      }
      const { mbx, folder } = target
        ? resolveFolder(ctx, target)
        : {
            mbx: ctx.caller.mailbox,
            folder: ctx.store.distinguishedFolder(
              ctx.caller.mailbox,
              kind === 'CalendarItem'
                ? 'calendar'
                : kind === 'Task'
                  ? 'tasks'
                  : kind === 'Contact'
                    ? 'contacts'
                    : 'inbox',
            )!,
          };
      const props = new Map<string, XNode>();
      for (const c of node.children) {
        if (c.name === 'ExtendedProperty') continue;
        if (READ_ONLY.has(c.name))
          throw new ItemError('ErrorInvalidPropertySet', `Set action is invalid for property ${c.name}.`);
        props.set(c.name, cloneNode(c));
      }
      normalizeDateTimes(props);
      const extended = new Map<string, XNode>();
      readExtended(node, extended);
      if (kind === 'Task') normalizeTask(props, [...props.keys()]);
      if (kind === 'CalendarItem') {
        validateCalendar(props);
        if (!props.has('UID')) props.set('UID', tnode('UID', randomUUID().replace(/-/g, '').toUpperCase()));
      }
      const item = ctx.store.newItem(mbx, kind, folder.id, props, extended);
      if (invitations) item.meetingMessages.push(`invite:${invitations}`);
      return `<m:Items>${idOnlyXml(kind, item.id, item.changeKey)}</m:Items>`;
    }),
  );
  return operationResponse('CreateItem', messages.join(''));
}

export function getItem(ctx: OpContext): string {
  const shape = parseShape(child(ctx.op, 'ItemShape'), false);
  const messages = itemIdNodes(child(ctx.op, 'ItemIds')).map((idNode) =>
    perItem('GetItem', () => {
      const r = resolveItem(ctx, idNode);
      return `<m:Items>${renderItem(r.mbx, r.view, shape)}</m:Items>`;
    }),
  );
  return operationResponse('GetItem', messages.join(''));
}

/**
 * Conflict detection ("UpdateItem operation", ConflictResolution): NeverOverwrite refuses any stale
 * ChangeKey; AutoResolve refuses only when a property being set was changed after the client's
 * version; AlwaysOverwrite never refuses.
 */
function checkConflict(
  mode: string,
  current: { changeKey: string; changeKeyVersion: number },
  sent: string | undefined,
  touched: string[],
  propVersions: Map<string, number>,
): void {
  if (!sent || sent === current.changeKey || mode === 'AlwaysOverwrite') return;
  const v = changeKeyVersion(sent);
  if (v === undefined) throw new ItemError('ErrorInvalidChangeKey', 'The change key is invalid.');
  if (mode === 'NeverOverwrite')
    throw new ItemError(
      'ErrorIrresolvableConflict',
      'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
    );
  if (touched.some((n) => (propVersions.get(n) ?? 0) > v)) {
    throw new ItemError(
      'ErrorIrresolvableConflict',
      'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.',
    );
  }
}

function applyUpdates(updates: XNode[], holder: { props: Map<string, XNode>; extended: Map<string, XNode> }): string[] {
  const touched: string[] = [];
  for (const u of updates) {
    const p = findPath(u);
    if (!p) throw new ItemError('ErrorIncorrectUpdatePropertyCount', 'An update must name exactly one property.');
    const name = p.kind === 'field' ? p.name : p.kind === 'indexed' ? p.dict : `ext:${p.key}`;
    if (p.kind === 'field' && READ_ONLY.has(p.name))
      throw new ItemError('ErrorInvalidPropertySet', `Set action is invalid for property ${p.name}.`);
    if (u.name === 'DeleteItemField') {
      deleteProperty(holder, p);
    } else {
      const container = u.children.find((c) => ITEM_KINDS.includes(c.name as ItemKind) || c.name === 'Item');
      if (!container)
        throw new ItemError(
          'ErrorIncorrectUpdatePropertyCount',
          'The update must contain the item element with the new value.',
        );
      if (container.name !== 'Item') checkSchema(container);
      setProperty(holder, p, container, u.name === 'AppendToItemField');
    }
    touched.push(name);
  }
  normalizeDateTimes(holder.props);
  return touched;
}

function updateOne(ctx: OpContext, change: XNode, mode: string, invitations: string | undefined): string {
  const idNode = itemIdNodes(change)[0];
  if (!idNode) throw new ItemError('ErrorInvalidIdEmpty', 'The ItemId is missing.');
  const r = resolveItem(ctx, idNode);
  const updates = children(child(change, 'Updates'));
  const item = r.item;
  if (r.occurrenceIndex !== undefined) {
    // Changing an occurrence turns it into an exception of the series.
    const existing = item.exceptions.get(r.occurrenceIndex);
    const current = existing ?? { changeKey: item.changeKey, changeKeyVersion: item.changeKeyVersion };
    const props = new Map(existing?.props ?? []);
    const scratch = {
      props: new Map([...r.view.props].filter(([k]) => k === 'Start' || k === 'End' || props.has(k))),
      extended: new Map(item.extended),
    };
    for (const [k, v] of props) scratch.props.set(k, v);
    const touched = applyUpdates(updates, scratch);
    checkConflict(mode, current, r.changeKey, touched, item.propVersions);
    validateCalendar(new Map([...r.view.props, ...scratch.props]));
    const version = (existing?.changeKeyVersion ?? 0) + 1;
    const exc = {
      id: r.view.id,
      index: r.occurrenceIndex,
      changeKeyVersion: version,
      changeKey: newChangeKey(version),
      props: scratch.props,
    };
    item.exceptions.set(r.occurrenceIndex, exc);
    ctx.store.touch(r.mbx, item);
    if (invitations) item.meetingMessages.push(`update:${invitations}`);
    return `<m:Items>${idOnlyXml('CalendarItem', exc.id, exc.changeKey)}</m:Items>`;
  }
  const scratch = {
    props: new Map([...item.props].map(([k, v]) => [k, cloneNode(v)])),
    extended: new Map([...item.extended].map(([k, v]) => [k, cloneNode(v)])),
  };
  const touched = applyUpdates(updates, scratch);
  checkConflict(mode, item, r.changeKey, touched, item.propVersions);
  if (item.kind === 'CalendarItem') validateCalendar(scratch.props);
  if (item.kind === 'Task') normalizeTask(scratch.props, touched);
  const recurrenceChanged = touched.includes('Recurrence');
  item.props = scratch.props;
  item.extended = scratch.extended;
  if (recurrenceChanged) {
    // A new pattern invalidates the old exceptions and deletions, as in Outlook/Exchange.
    item.exceptions.clear();
    item.deletedOccurrences.clear();
  }
  ctx.store.touch(r.mbx, item);
  for (const n of touched) item.propVersions.set(n, item.changeKeyVersion);
  if (invitations && item.kind === 'CalendarItem') item.meetingMessages.push(`update:${invitations}`);
  return `<m:Items>${idOnlyXml(item.kind, item.id, item.changeKey)}</m:Items>`;
}

export function updateItem(ctx: OpContext): string {
  const mode = ctx.op.attrs.ConflictResolution ?? 'AutoResolve';
  if (!['NeverOverwrite', 'AutoResolve', 'AlwaysOverwrite'].includes(mode))
    throw new SoapFault(
      'ErrorSchemaValidation',
      `The request failed schema validation: invalid ConflictResolution '${mode}'.`,
    );
  const invitations = ctx.op.attrs.SendMeetingInvitationsOrCancellations;
  const messages = children(child(ctx.op, 'ItemChanges'), 'ItemChange').map((change) =>
    perItem(
      'UpdateItem',
      () => `${updateOne(ctx, change, mode, invitations)}<m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>`,
    ),
  );
  return operationResponse('UpdateItem', messages.join(''));
}

function deleteOne(ctx: OpContext, idNode: XNode, deleteType: string, cancellations: string | undefined): void {
  const r = resolveItem(ctx, idNode);
  const item = r.item;
  if (r.occurrenceIndex !== undefined) {
    item.exceptions.delete(r.occurrenceIndex);
    item.deletedOccurrences.add(r.occurrenceIndex);
    if (cancellations) item.meetingMessages.push(`cancel-occurrence:${cancellations}`);
    ctx.store.touch(r.mbx, item);
    return;
  }
  if (cancellations) item.meetingMessages.push(`cancel:${cancellations}`);
  if (deleteType === 'MoveToDeletedItems') {
    const deleted = ctx.store.distinguishedFolder(r.mbx, 'deleteditems');
    if (deleted && item.folderId !== deleted.id) {
      ctx.store.moveItem(r.mbx, item, deleted.id);
      return;
    }
  }
  ctx.store.deleteItem(r.mbx, item);
}

export function deleteItem(ctx: OpContext): string {
  const deleteType = ctx.op.attrs.DeleteType;
  if (!deleteType || !['HardDelete', 'SoftDelete', 'MoveToDeletedItems'].includes(deleteType)) {
    throw new SoapFault(
      'ErrorSchemaValidation',
      "The request failed schema validation: The required attribute 'DeleteType' is missing or invalid.",
    );
  }
  const cancellations = ctx.op.attrs.SendMeetingCancellations;
  const messages = itemIdNodes(child(ctx.op, 'ItemIds')).map((idNode) =>
    perItem('DeleteItem', () => {
      deleteOne(ctx, idNode, deleteType, cancellations);
      return '';
    }),
  );
  return operationResponse('DeleteItem', messages.join(''));
}

export function itemViewsInFolder(mbx: Mailbox, folderId: string): ItemView[] {
  return [...mbx.items.values()]
    .filter((i) => i.folderId === folderId)
    .sort((a, b) => a.createdSeq - b.createdSeq)
    .map(viewOf);
}

export type { StoredItem };
