import { child, childText, type XNode } from './xml.js';
import type { OccurrenceException, StoredItem } from './store.js';
import { fromWallClock, toWallClock, windowsToIana } from './timezones.js';

/**
 * Recurrence expansion for CalendarView. Patterns and ranges follow the EWS schema
 * ("Recurrence (RecurrenceType)", learn.microsoft.com EWS reference): Daily, Weekly,
 * AbsoluteMonthly, RelativeMonthly, AbsoluteYearly, RelativeYearly with NoEnd/EndDate/Numbered
 * ranges. Occurrences keep the series' wall-clock time in the series' time zone, so a 09:00 meeting
 * in "W. Europe Standard Time" stays at 09:00 local across DST changes (UTC shifts by an hour).
 */

export interface Occurrence {
  /** 1-based instance index within the whole series (OccurrenceItemId/@InstanceIndex). */
  index: number;
  originalStart: number;
  start: number;
  end: number;
  exception?: OccurrenceException;
}

const DAY = 86_400_000;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const INDEXES = ['First', 'Second', 'Third', 'Fourth'];

/** EWS date-times are xs:dateTime; without an offset Exchange treats them as UTC. */
export function parseDateTime(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const t = text.trim();
  const withZone = /([zZ]|[+-]\d\d:\d\d)$/.test(t) ? t : `${t}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? undefined : ms;
}

export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The IANA zone a series expands in: StartTimeZone/@Id, else MeetingTimeZone/@TimeZoneName, else UTC. */
export function seriesZone(props: Map<string, XNode>): string {
  const id =
    props.get('StartTimeZone')?.attrs.Id ??
    props.get('StartTimeZoneId')?.text.trim() ??
    props.get('MeetingTimeZone')?.attrs.TimeZoneName;
  return windowsToIana(id) ?? 'UTC';
}

/** Days since epoch for a calendar date (pure date arithmetic, no zone). */
function dayNumber(y: number, m: number, d: number): number {
  return Math.floor(Date.UTC(y, m - 1, d) / DAY);
}
function fromDayNumber(n: number): { y: number; m: number; d: number; dow: number } {
  const dt = new Date(n * DAY);
  return { y: dt.getUTCFullYear(), m: dt.getUTCMonth() + 1, d: dt.getUTCDate(), dow: dt.getUTCDay() };
}
function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}
function parseDate(text: string | undefined): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text ?? '');
  return m ? dayNumber(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

function matchesDaySet(set: string, dow: number): boolean {
  return set
    .split(/\s+/)
    .filter(Boolean)
    .some((s) =>
      s === 'Day'
        ? true
        : s === 'Weekday'
          ? dow >= 1 && dow <= 5
          : s === 'WeekendDay'
            ? dow === 0 || dow === 6
            : WEEKDAYS[dow] === s,
    );
}

function nthInMonth(y: number, m: number, set: string, indexName: string): number | undefined {
  const matches: number[] = [];
  for (let d = 1; d <= daysInMonth(y, m); d++) {
    const n = dayNumber(y, m, d);
    if (matchesDaySet(set, fromDayNumber(n).dow)) matches.push(n);
  }
  if (indexName === 'Last') return matches[matches.length - 1];
  const i = INDEXES.indexOf(indexName);
  return i >= 0 ? matches[i] : undefined;
}

export class RecurrenceError extends Error {}

/** Generates the local dates (day numbers) of a pattern from the range start, in order, lazily. */
function* patternDates(pattern: XNode, startDay: number): Generator<number> {
  const interval = Math.max(1, Number(childText(pattern, 'Interval') ?? '1') || 1);
  const start = fromDayNumber(startDay);
  switch (pattern.name) {
    case 'DailyRecurrence':
      for (let n = startDay; ; n += interval) yield n;
    case 'WeeklyRecurrence': {
      const days = childText(pattern, 'DaysOfWeek') ?? WEEKDAYS[start.dow] ?? 'Sunday';
      const fdw = Math.max(0, WEEKDAYS.indexOf(childText(pattern, 'FirstDayOfWeek') ?? 'Sunday'));
      let weekStart = startDay - ((start.dow - fdw + 7) % 7);
      for (;;) {
        for (let i = 0; i < 7; i++) {
          const n = weekStart + i;
          if (n >= startDay && matchesDaySet(days, fromDayNumber(n).dow)) yield n;
        }
        weekStart += 7 * interval;
      }
    }
    case 'AbsoluteMonthlyRecurrence':
    case 'RelativeMonthlyRecurrence':
    case 'AbsoluteYearlyRecurrence':
    case 'RelativeYearlyRecurrence': {
      const yearly = pattern.name.endsWith('YearlyRecurrence');
      const step = yearly ? 12 * (childText(pattern, 'Interval') ? interval : 1) : interval;
      const monthName = childText(pattern, 'Month');
      let y = start.y;
      let m = start.m;
      if (yearly) {
        const mi = MONTHS.indexOf(monthName ?? '');
        if (mi < 0) throw new RecurrenceError('Yearly recurrence needs a Month');
        m = mi + 1;
        if (m < start.m) y += 1;
      }
      for (let guard = 0; guard < 100_000; guard++) {
        let n: number | undefined;
        if (pattern.name.startsWith('Absolute')) {
          const dom = Number(childText(pattern, 'DayOfMonth'));
          if (!(dom >= 1 && dom <= 31)) throw new RecurrenceError('DayOfMonth must be 1..31');
          // Outlook/Exchange move "day 31" to the last day of shorter months.
          n = dayNumber(y, m, Math.min(dom, daysInMonth(y, m)));
        } else {
          n = nthInMonth(
            y,
            m,
            childText(pattern, 'DaysOfWeek') ?? 'Day',
            childText(pattern, 'DayOfWeekIndex') ?? 'First',
          );
        }
        if (n !== undefined && n >= startDay) yield n;
        m += step;
        while (m > 12) {
          m -= 12;
          y += 1;
        }
      }
      return;
    }
    default:
      throw new RecurrenceError(`Unsupported recurrence pattern ${pattern.name}`);
  }
}

const PATTERNS = [
  'DailyRecurrence',
  'WeeklyRecurrence',
  'AbsoluteMonthlyRecurrence',
  'RelativeMonthlyRecurrence',
  'AbsoluteYearlyRecurrence',
  'RelativeYearlyRecurrence',
];
const RANGES = ['NoEndRecurrence', 'EndDateRecurrence', 'NumberedRecurrence'];

export function validateRecurrence(rec: XNode): void {
  const pattern = rec.children.find((c) => PATTERNS.includes(c.name));
  const range = rec.children.find((c) => RANGES.includes(c.name));
  if (!pattern || !range) throw new RecurrenceError('Recurrence needs a pattern and a range');
  if (parseDate(childText(range, 'StartDate')) === undefined)
    throw new RecurrenceError('Recurrence range needs a StartDate');
  // Probe the generator once so invalid patterns fail at CreateItem, not at CalendarView.
  patternDates(pattern, parseDate(childText(range, 'StartDate')) ?? 0).next();
}

/**
 * All occurrences whose original start is before `untilMs` (or the range end). Deleted occurrences
 * are skipped (but keep their index); exceptions carry their own Start/End.
 */
export function expandSeries(item: StoredItem, untilMs: number, maxIndex = 10_000): Occurrence[] {
  const rec = item.props.get('Recurrence');
  const startMs = parseDateTime(item.props.get('Start')?.text);
  const endMs = parseDateTime(item.props.get('End')?.text);
  if (!rec || startMs === undefined || endMs === undefined) return [];
  const pattern = rec.children.find((c) => PATTERNS.includes(c.name));
  const range = rec.children.find((c) => RANGES.includes(c.name));
  if (!pattern || !range) return [];
  const zone = seriesZone(item.props);
  const wall = toWallClock(startMs, zone);
  const duration = endMs - startMs;
  const rangeStart = parseDate(childText(range, 'StartDate')) ?? dayNumber(wall.year, wall.month, wall.day);
  const endDay = range.name === 'EndDateRecurrence' ? parseDate(childText(range, 'EndDate')) : undefined;
  const count =
    range.name === 'NumberedRecurrence' ? Number(childText(range, 'NumberOfOccurrences') ?? '0') : undefined;
  const out: Occurrence[] = [];
  let index = 0;
  for (const day of patternDates(pattern, rangeStart)) {
    if (endDay !== undefined && day > endDay) break;
    if (count !== undefined && index >= count) break;
    index += 1;
    if (index > maxIndex) break;
    const d = fromDayNumber(day);
    const original = fromWallClock(
      { year: d.y, month: d.m, day: d.d, hour: wall.hour, minute: wall.minute, second: wall.second },
      zone,
    );
    if (original >= untilMs) break;
    if (item.deletedOccurrences.has(index)) continue;
    const exception = item.exceptions.get(index);
    const exStart = exception ? parseDateTime(exception.props.get('Start')?.text) : undefined;
    const exEnd = exception ? parseDateTime(exception.props.get('End')?.text) : undefined;
    out.push({
      index,
      originalStart: original,
      start: exStart ?? original,
      end: exEnd ?? original + duration,
      exception,
    });
  }
  return out;
}

/** The occurrence with this instance index, including deleted ones flagged by `deleted`. */
export function occurrenceByIndex(item: StoredItem, index: number): (Occurrence & { deleted: boolean }) | undefined {
  const saved = item.deletedOccurrences;
  item.deletedOccurrences = new Set();
  try {
    const all = expandSeries(item, Number.MAX_SAFE_INTEGER / 2, index);
    const o = all.find((x) => x.index === index);
    return o ? { ...o, deleted: saved.has(index) } : undefined;
  } finally {
    item.deletedOccurrences = saved;
  }
}

/** Whether the series ends (EndDate or Numbered range); NoEnd has no LastOccurrence. */
export function seriesEnds(item: StoredItem): boolean {
  const rec = item.props.get('Recurrence');
  return !!rec && !child(rec, 'NoEndRecurrence');
}
