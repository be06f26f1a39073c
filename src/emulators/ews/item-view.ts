import { child, childText, esc, serialize, type XNode } from './xml.js';
import { makeId, type Mailbox, type StoredItem, type Attachment, decodeId } from './store.js';
import { DEFAULT_SHAPE, ITEM_CLASS, NOT_IN_FIND, orderFor } from './item-schema.js';
import {
  expandSeries,
  formatDateTime,
  occurrenceByIndex,
  parseDateTime,
  seriesEnds,
  type Occurrence,
} from './calendar.js';
import { readValue, renderBody, type PropHolder, type PropPath } from './item-model.js';
import { ItemError } from './soap.js';
import { timeZoneDefinitionXml } from './timezone-definitions.js';

/**
 * What a client sees of an item: a stored item, or an occurrence/exception of a recurring series
 * (virtual items with their own ids, "Calendar items and recurrences in EWS").
 */
export interface ItemView extends PropHolder {
  id: string;
  changeKey: string;
  item: StoredItem;
  calendarType?: 'Single' | 'Occurrence' | 'Exception' | 'RecurringMaster';
  occurrence?: Occurrence;
}

export function occurrenceId(mbx: Mailbox, master: StoredItem, index: number): string {
  return makeId(mbx.key, 'o', `${master.id}#${index}`);
}

export function parseOccurrenceId(id: string): { masterId: string; index: number } | undefined {
  const d = decodeId(id);
  if (!d || d.kind !== 'o') return undefined;
  const [masterId, idx] = d.local.split('#');
  const index = Number(idx);
  return masterId && Number.isInteger(index) && index > 0 ? { masterId, index } : undefined;
}

export function viewOf(item: StoredItem): ItemView {
  const calendarType =
    item.kind === 'CalendarItem' ? (item.props.has('Recurrence') ? 'RecurringMaster' : 'Single') : undefined;
  return {
    id: item.id,
    changeKey: item.changeKey,
    item,
    props: item.props,
    extended: item.extended,
    ...(calendarType ? { calendarType } : {}),
  };
}

export function occurrenceView(mbx: Mailbox, master: StoredItem, occ: Occurrence): ItemView {
  const props = new Map(master.props);
  for (const k of ['Recurrence', 'ModifiedOccurrences', 'DeletedOccurrences']) props.delete(k);
  if (occ.exception) for (const [k, v] of occ.exception.props) props.set(k, v);
  props.set('Start', {
    ...(props.get('Start') ?? { ns: '', name: 'Start', attrs: {}, children: [] }),
    text: formatDateTime(occ.start),
  });
  props.set('End', {
    ...(props.get('End') ?? { ns: '', name: 'End', attrs: {}, children: [] }),
    text: formatDateTime(occ.end),
  });
  return {
    id: occurrenceId(mbx, master, occ.index),
    changeKey: occ.exception?.changeKey ?? master.changeKey,
    item: master,
    props,
    extended: master.extended,
    calendarType: occ.exception ? 'Exception' : 'Occurrence',
    occurrence: occ,
  };
}

export function occurrenceViewByIndex(mbx: Mailbox, master: StoredItem, index: number): ItemView {
  if (!master.props.has('Recurrence'))
    throw new ItemError('ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange', 'The item is not a recurring master.');
  const occ = occurrenceByIndex(master, index);
  if (!occ)
    throw new ItemError(
      'ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange',
      'The occurrence index is out of the recurrence range.',
    );
  if (occ.deleted)
    throw new ItemError(
      'ErrorCalendarOccurrenceIsDeletedFromRecurrence',
      'The occurrence has been deleted from the recurrence.',
    );
  return occurrenceView(mbx, master, occ);
}

function mailboxXml(smtp: string): string {
  const name = smtp.split('@')[0] ?? smtp;
  return `<t:Mailbox><t:Name>${esc(name)}</t:Name><t:EmailAddress>${esc(smtp)}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox</t:MailboxType></t:Mailbox>`;
}

function attachmentsXml(atts: Attachment[]): string {
  return `<t:Attachments>${atts
    .map(
      (a) =>
        `<t:FileAttachment><t:AttachmentId Id="${a.id}"/><t:Name>${esc(a.name)}</t:Name><t:ContentType>${esc(a.contentType)}</t:ContentType>` +
        (a.contentId ? `<t:ContentId>${esc(a.contentId)}</t:ContentId>` : '') +
        `<t:Size>${a.content.length}</t:Size><t:LastModifiedTime>${formatDateTime(a.lastModified).slice(0, 19)}</t:LastModifiedTime><t:IsInline>${a.isInline}</t:IsInline><t:IsContactPhoto>false</t:IsContactPhoto></t:FileAttachment>`,
    )
    .join('')}</t:Attachments>`;
}

function occurrenceInfo(mbx: Mailbox, master: StoredItem, o: Occurrence, tag: string): string {
  return `<t:${tag}><t:ItemId Id="${occurrenceId(mbx, master, o.index)}" ChangeKey="${o.exception?.changeKey ?? master.changeKey}"/><t:Start>${formatDateTime(o.start)}</t:Start><t:End>${formatDateTime(o.end)}</t:End><t:OriginalStart>${formatDateTime(o.originalStart)}</t:OriginalStart></t:${tag}>`;
}

/**
 * Server-computed properties as rendered XML, plus their scalar values for restrictions. `wants`
 * limits the work to the properties a shape asks for: the size (every property serialised) and a
 * series' first and last occurrences are computed only when wanted.
 */
export function computedProps(
  mbx: Mailbox,
  view: ItemView,
  wants: (name: string) => boolean = () => true,
): Map<string, { xml: string; value: string }> {
  const out = new Map<string, { xml: string; value: string }>();
  const put = (name: string, value: string, xml?: string): void => {
    out.set(name, { value, xml: xml ?? `<t:${name}>${esc(value)}</t:${name}>` });
  };
  const item = view.item;
  const folder = mbx.folders.get(item.folderId);
  put('ItemId', view.id, `<t:ItemId Id="${view.id}" ChangeKey="${view.changeKey}"/>`);
  put(
    'ParentFolderId',
    item.folderId,
    `<t:ParentFolderId Id="${item.folderId}" ChangeKey="${folder?.changeKey ?? ''}"/>`,
  );
  if (!view.props.has('ItemClass')) put('ItemClass', ITEM_CLASS[item.kind]);
  put('DateTimeCreated', formatDateTime(item.createdAt));
  put('DateTimeReceived', formatDateTime(item.createdAt));
  put('LastModifiedTime', formatDateTime(item.modifiedAt));
  if (wants('Size'))
    put(
      'Size',
      String(
        JSON.stringify([...view.props.values()].map((n) => serialize(n))).length +
          item.attachments.reduce((s, a) => s + a.content.length, 0),
      ),
    );
  put('HasAttachments', String(item.attachments.length > 0));
  if (item.attachments.length > 0) put('Attachments', '', attachmentsXml(item.attachments));
  if (!view.props.has('Sensitivity')) put('Sensitivity', 'Normal');
  if (!view.props.has('Importance')) put('Importance', 'Normal');
  if (item.kind === 'CalendarItem') {
    const attendees =
      view.props.has('RequiredAttendees') || view.props.has('OptionalAttendees') || view.props.has('Resources');
    const recurring = view.calendarType !== 'Single';
    if (!view.props.has('IsAllDayEvent')) put('IsAllDayEvent', 'false');
    if (!view.props.has('LegacyFreeBusyStatus')) put('LegacyFreeBusyStatus', 'Busy');
    if (!view.props.has('ReminderIsSet')) put('ReminderIsSet', 'true');
    if (!view.props.has('ReminderMinutesBeforeStart')) put('ReminderMinutesBeforeStart', '15');
    put('IsMeeting', String(attendees));
    put('IsCancelled', 'false');
    put('IsRecurring', String(recurring));
    put(
      'MeetingRequestWasSent',
      String(attendees && item.meetingMessages.some((m) => m.startsWith('invite:') && !m.endsWith('SendToNone'))),
    );
    put('CalendarItemType', view.calendarType ?? 'Single');
    put('MyResponseType', 'Organizer');
    put('AppointmentState', attendees ? '1' : '0');
    if (!view.props.has('Organizer')) put('Organizer', mbx.smtp, `<t:Organizer>${mailboxXml(mbx.smtp)}</t:Organizer>`);
    const start = parseDateTime(view.props.get('Start')?.text);
    const end = parseDateTime(view.props.get('End')?.text);
    if (start !== undefined && end !== undefined) {
      const mins = Math.round((end - start) / 60000);
      put('Duration', `PT${Math.floor(mins / 60)}H${mins % 60}M`);
    }
    if (view.occurrence) put('OriginalStart', formatDateTime(view.occurrence.originalStart));
    const seriesWanted = ['FirstOccurrence', 'LastOccurrence', 'ModifiedOccurrences', 'DeletedOccurrences'].some(wants);
    if (view.calendarType === 'RecurringMaster' && seriesWanted) {
      const all = expandSeries(item, Number.MAX_SAFE_INTEGER / 2, 5000);
      const first = all[0];
      if (first) put('FirstOccurrence', '', occurrenceInfo(mbx, item, first, 'FirstOccurrence'));
      const last = all[all.length - 1];
      if (last && seriesEnds(item)) put('LastOccurrence', '', occurrenceInfo(mbx, item, last, 'LastOccurrence'));
      const modified = all.filter((o) => o.exception);
      if (modified.length)
        put(
          'ModifiedOccurrences',
          '',
          `<t:ModifiedOccurrences>${modified.map((o) => occurrenceInfo(mbx, item, o, 'Occurrence')).join('')}</t:ModifiedOccurrences>`,
        );
      if (item.deletedOccurrences.size) {
        const starts = [...item.deletedOccurrences]
          .sort((a, b) => a - b)
          .map((i) => occurrenceByIndex(item, i))
          .filter((o): o is NonNullable<typeof o> => !!o)
          .map(
            (o) => `<t:DeletedOccurrence><t:Start>${formatDateTime(o.originalStart)}</t:Start></t:DeletedOccurrence>`,
          );
        put('DeletedOccurrences', '', `<t:DeletedOccurrences>${starts.join('')}</t:DeletedOccurrences>`);
      }
    }
  }
  if (item.kind === 'Task') {
    if (!view.props.has('Status')) put('Status', 'NotStarted');
    if (!view.props.has('PercentComplete')) put('PercentComplete', '0');
    put('IsComplete', String((view.props.get('Status')?.text ?? '') === 'Completed'));
    put('IsRecurring', String(view.props.has('Recurrence')));
  }
  if (item.kind === 'Contact') {
    const given = childText({ ns: '', name: '', attrs: {}, text: '', children: [...view.props.values()] }, 'GivenName');
    const sur = childText({ ns: '', name: '', attrs: {}, text: '', children: [...view.props.values()] }, 'Surname');
    const composed = [given, sur].filter(Boolean).join(' ');
    if (!view.props.has('DisplayName') && composed) put('DisplayName', composed);
    if (!view.props.has('FileAs') && (sur || given))
      put('FileAs', sur && given ? `${sur}, ${given}` : (sur ?? given ?? ''));
  }
  return out;
}

export interface Shape {
  base: 'IdOnly' | 'Default' | 'AllProperties';
  additional: PropPath[];
  bodyType?: string;
  forFind: boolean;
}

/** Renders `<t:CalendarItem>…` for a shape, in schema order. */
export function renderItem(mbx: Mailbox, view: ItemView, shape: Shape): string {
  const kind = view.item.kind;
  const stored = view.props;
  const wanted = new Set<string>();
  // AllProperties wants every stored and computed property; the other shapes compute only what
  // they end up naming (below, once the additional properties are known).
  let computed = shape.base === 'AllProperties' ? computedProps(mbx, view) : undefined;
  if (shape.base === 'IdOnly') wanted.add('ItemId');
  else if (shape.base === 'Default') for (const n of DEFAULT_SHAPE[kind]) wanted.add(n);
  else for (const n of new Set([...stored.keys(), ...computed!.keys()])) wanted.add(n);
  if (shape.forFind) for (const n of NOT_IN_FIND) wanted.delete(n);
  const extended: XNode[] = [];
  const dictEntries = new Map<string, Set<string>>();
  for (const p of shape.additional) {
    if (p.kind === 'field') wanted.add(p.name);
    else if (p.kind === 'indexed') {
      if (!wanted.has(p.dict)) {
        const set = dictEntries.get(p.dict) ?? new Set<string>();
        set.add(p.key);
        dictEntries.set(p.dict, set);
      }
    } else {
      const ep = view.extended.get(p.key);
      // Echo the property path the way the client asked for it, so it matches its definition.
      if (ep)
        extended.push({ ...ep, children: [p.uriNode, ...ep.children.filter((c) => c.name !== 'ExtendedFieldURI')] });
    }
  }
  computed ??= computedProps(mbx, view, (name) => wanted.has(name) || dictEntries.has(name));
  const parts: string[] = [];
  for (const name of orderFor(kind)) {
    if (name === 'ExtendedProperty') {
      for (const ep of extended) parts.push(serialize(ep));
      continue;
    }
    const only = dictEntries.get(name);
    if (!wanted.has(name) && !only) continue;
    const node = stored.get(name);
    if (node) {
      const full =
        (name === 'StartTimeZone' || name === 'EndTimeZone') && !node.children.length && node.attrs.Id
          ? timeZoneDefinitionXml(name, node.attrs.Id, node.attrs.Name)
          : undefined;
      if (full) parts.push(full);
      else if (name === 'Body') parts.push(renderBody(node, shape.bodyType));
      else if (only)
        parts.push(serialize({ ...node, children: node.children.filter((e) => only.has(e.attrs.Key ?? '')) }));
      else parts.push(serialize(node));
      continue;
    }
    const c = computed.get(name);
    if (c) parts.push(c.xml);
  }
  return `<t:${kind}>${parts.join('')}</t:${kind}>`;
}

// ---------------------------------------------------------------- restrictions

// One collator for every comparison: building one per call (String#localeCompare with options)
// dominated FindItem over large folders.
const TEXT_COLLATOR = new Intl.Collator('en', { sensitivity: 'accent' });

function compare(a: string, b: string): number {
  if (a === b) return 0;
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  const da = /^\d{4}-\d\d-\d\d/.test(a) ? parseDateTime(a) : undefined;
  const db = /^\d{4}-\d\d-\d\d/.test(b) ? parseDateTime(b) : undefined;
  if (da !== undefined && db !== undefined) return da - db;
  if (/^(true|false)$/i.test(a) && /^(true|false)$/i.test(b)) return a.toLowerCase() === b.toLowerCase() ? 0 : 1;
  return TEXT_COLLATOR.compare(a, b);
}

function constantOf(node: XNode): string | undefined {
  const c = child(node, 'Constant') ?? child(child(node, 'FieldURIOrConstant'), 'Constant');
  return c?.attrs.Value;
}

/**
 * Evaluates a search expression ("Restriction", EWS reference): And/Or/Not, Exists, the six
 * comparisons and Contains (ContainmentMode/ContainmentComparison).
 */
export function matches(
  mbx: Mailbox,
  view: ItemView,
  expr: XNode,
  parsePath: (n: XNode) => PropPath | undefined,
): boolean {
  switch (expr.name) {
    case 'And':
      return expr.children.every((c) => matches(mbx, view, c, parsePath));
    case 'Or':
      return expr.children.some((c) => matches(mbx, view, c, parsePath));
    case 'Not':
      return !expr.children.every((c) => matches(mbx, view, c, parsePath));
    default:
      break;
  }
  const p = parsePath(expr);
  if (!p) throw new ItemError('ErrorInvalidRestriction', `Restriction ${expr.name} needs a property.`);
  // Computed properties (which may expand a whole series) only when the path needs them.
  let computed: Map<string, string> | undefined;
  const lazy = (): Map<string, string> =>
    (computed ??= new Map([...computedProps(mbx, view)].map(([k, v]) => [k, v.value])));
  const value = readValue(view, p, lazy);
  if (expr.name === 'Exists') return value !== undefined;
  if (expr.name === 'Contains') {
    const constant = constantOf(expr) ?? '';
    if (value === undefined) return false;
    const ignoreCase = (expr.attrs.ContainmentComparison ?? 'Exact') !== 'Exact';
    const v = ignoreCase ? value.toLowerCase() : value;
    const c = ignoreCase ? constant.toLowerCase() : constant;
    switch (expr.attrs.ContainmentMode ?? 'Substring') {
      case 'FullString':
        return v === c;
      case 'Prefixed':
        return v.startsWith(c);
      case 'PrefixOnWords':
        return v.split(/\s+/).some((w) => w.startsWith(c));
      default:
        return v.includes(c);
    }
  }
  const constant = constantOf(expr);
  if (constant === undefined)
    throw new ItemError('ErrorUnsupportedPathForQuery', `Restriction ${expr.name} needs a constant.`);
  if (value === undefined) return expr.name === 'IsNotEqualTo';
  const cmp = compare(value, constant);
  switch (expr.name) {
    case 'IsEqualTo':
      return cmp === 0;
    case 'IsNotEqualTo':
      return cmp !== 0;
    case 'IsGreaterThan':
      return cmp > 0;
    case 'IsGreaterThanOrEqualTo':
      return cmp >= 0;
    case 'IsLessThan':
      return cmp < 0;
    case 'IsLessThanOrEqualTo':
      return cmp <= 0;
    default:
      throw new ItemError('ErrorInvalidRestriction', `Unsupported restriction ${expr.name}.`);
  }
}
