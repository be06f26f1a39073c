import { child, children, type XNode } from '../xml.js';
import { ItemError, SoapFault, operationResponse } from '../soap.js';
import { findPath } from '../item-model.js';
import { matches, occurrenceView, renderItem, computedProps, type ItemView } from '../item-view.js';
import { expandSeries, parseDateTime } from '../calendar.js';
import { readValue } from '../item-model.js';
import type { Mailbox } from '../store.js';
import { folderIdsIn, parseShape, resolveFolder, type OpContext } from '../context.js';
import { itemViewsInFolder, perItem } from './items.js';

/** Two years: the largest CalendarView range Exchange accepts ("CalendarView", EWS reference remarks). */
const MAX_CALENDAR_VIEW_MS = 2 * 366 * 86_400_000;

function calendarView(mbx: Mailbox, cv: XNode, views: ItemView[]): { items: ItemView[]; total: number; last: boolean } {
  const start = parseDateTime(cv.attrs.StartDate);
  const end = parseDateTime(cv.attrs.EndDate);
  if (start === undefined || end === undefined)
    throw new SoapFault(
      'ErrorSchemaValidation',
      'The request failed schema validation: CalendarView needs StartDate and EndDate.',
    );
  if (end < start)
    throw new ItemError('ErrorCalendarEndDateIsEarlierThanStartDate', 'EndDate is earlier than StartDate');
  if (end - start > MAX_CALENDAR_VIEW_MS)
    throw new ItemError('ErrorCalendarViewRangeTooBig', 'The calendar view range exceeds the maximum of two years.');
  const out: ItemView[] = [];
  for (const v of views) {
    if (v.calendarType === 'RecurringMaster') {
      // Expand a year past the window so exceptions moved into it from later dates are found.
      for (const occ of expandSeries(v.item, end + 366 * 86_400_000)) {
        if (occ.start < end && occ.end > start) out.push(occurrenceView(mbx, v.item, occ));
      }
      continue;
    }
    if (v.calendarType !== 'Single') continue;
    const s = parseDateTime(v.props.get('Start')?.text);
    const e = parseDateTime(v.props.get('End')?.text);
    if (s === undefined || e === undefined) continue;
    // Overlap semantics: an item ending exactly at StartDate is outside; a zero-length item at StartDate inside.
    if (s < end && (e > start || (e === s && s >= start))) out.push(v);
  }
  out.sort(
    (a, b) => (parseDateTime(a.props.get('Start')?.text) ?? 0) - (parseDateTime(b.props.get('Start')?.text) ?? 0),
  );
  const max = cv.attrs.MaxEntriesReturned ? Number(cv.attrs.MaxEntriesReturned) : undefined;
  const items = max !== undefined ? out.slice(0, max) : out;
  return { items, total: out.length, last: items.length === out.length };
}

function sortViews(mbx: Mailbox, views: ItemView[], sortNode: XNode | undefined): ItemView[] {
  const orders = children(sortNode, 'FieldOrder');
  if (orders.length === 0) return views;
  return [...views].sort((a, b) => {
    for (const fo of orders) {
      const p = findPath(fo);
      if (!p) continue;
      const va = readValue(a, p, () => new Map([...computedProps(mbx, a)].map(([k, v]) => [k, v.value]))) ?? '';
      const vb = readValue(b, p, () => new Map([...computedProps(mbx, b)].map(([k, v]) => [k, v.value]))) ?? '';
      const c = va < vb ? -1 : va > vb ? 1 : 0;
      if (c !== 0) return fo.attrs.Order === 'Descending' ? -c : c;
    }
    return 0;
  });
}

/**
 * FindItem ("FindItem operation"): IndexedPageItemView paging (Offset/BasePoint, TotalItemsInView,
 * IncludesLastItemInRange, IndexedPagingOffset), CalendarView expansion of recurring series,
 * Restriction and SortOrder. Body, attachments and attendees are never returned by FindItem.
 */
export function findItem(ctx: OpContext): string {
  const op = ctx.op;
  const shape = parseShape(child(op, 'ItemShape'), true);
  const folders = folderIdsIn(child(op, 'ParentFolderIds'));
  const messages = folders.map((fid) =>
    perItem('FindItem', () => {
      const { mbx, folder } = resolveFolder(ctx, fid);
      let views = itemViewsInFolder(mbx, folder.id);
      const cv = child(op, 'CalendarView');
      const restriction = child(op, 'Restriction');
      if (cv) {
        if (restriction)
          throw new ItemError(
            'ErrorInvalidRestriction',
            'Restrictions and sort order may not be specified for a CalendarView.',
          );
        const r = calendarView(mbx, cv, views);
        const items = r.items.map((v) => renderItem(mbx, v, shape)).join('');
        return `<m:RootFolder TotalItemsInView="${r.total}" IncludesLastItemInRange="${r.last}"><t:Items>${items}</t:Items></m:RootFolder>`;
      }
      const expr = restriction?.children[0];
      if (expr) {
        // Each node of the restriction names its property once per request, not once per item.
        const paths = new Map<XNode, ReturnType<typeof findPath>>();
        const pathOf = (node: XNode): ReturnType<typeof findPath> => {
          if (!paths.has(node)) paths.set(node, findPath(node));
          return paths.get(node);
        };
        views = views.filter((v) => matches(mbx, v, expr, pathOf));
      }
      views = sortViews(mbx, views, child(op, 'SortOrder'));
      const paging = child(op, 'IndexedPageItemView');
      const total = views.length;
      if (paging) {
        const max = Number(paging.attrs.MaxEntriesReturned ?? total);
        const offset = Number(paging.attrs.Offset ?? '0');
        if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(max) || max < 1)
          throw new ItemError('ErrorInvalidIndexedPagingParameters', 'Invalid paging parameters.');
        const fromEnd = paging.attrs.BasePoint === 'End';
        const startIdx = fromEnd ? Math.max(0, total - offset - max) : offset;
        const endIdx = fromEnd ? Math.max(0, total - offset) : Math.min(total, offset + max);
        const page = views.slice(startIdx, endIdx);
        const nextOffset = fromEnd ? total - startIdx : endIdx;
        const last = fromEnd ? startIdx === 0 : endIdx >= total;
        return `<m:RootFolder IndexedPagingOffset="${nextOffset}" TotalItemsInView="${total}" IncludesLastItemInRange="${last}"><t:Items>${page.map((v) => renderItem(mbx, v, shape)).join('')}</t:Items></m:RootFolder>`;
      }
      return `<m:RootFolder TotalItemsInView="${total}" IncludesLastItemInRange="true"><t:Items>${views.map((v) => renderItem(mbx, v, shape)).join('')}</t:Items></m:RootFolder>`;
    }),
  );
  return operationResponse('FindItem', messages.join(''));
}
