import type { Appointment, Recurrence, TimeWindow } from '../model/exchange-items.js';
import { normalizeInstant } from '../canonical/normalize.js';
import { formatDate, wallTimeAt, wallTimeToInstant } from '../time/zone.js';

/**
 * Expansion of an Outlook series (Graph recurrence vocabulary) into its occurrences inside the
 * sync window (docs/sync-engine.md, "Recurring series"). Pattern dates are computed as local calendar dates of
 * the series' IANA zone and the wall-clock start time is converted per date, so a weekly 09:00
 * Europe/Berlin meeting is 08:00Z in winter and 07:00Z in summer.
 */

export interface Occurrence {
  /** `seriesId@originalStartUTC`: the stamp key and the S/4 externalReference of the occurrence. */
  key: string;
  /** The start the pattern gives this occurrence (UTC instant, minute precision). */
  originalStart: string;
  /** The occurrence as an item: the master's fields, or the exception's when it was changed. */
  item: Appointment;
  isException: boolean;
}

const DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const INDEX = { first: 0, second: 1, third: 2, fourth: 3, last: -1 } as const;
/** Hard stop against pathological patterns (interval 1 daily over ten years is 3 650). */
const MAX_PATTERN_DATES = 20_000;

interface LocalDate {
  y: number;
  m: number;
  d: number;
}

const dayMs = 86_400_000;
const toOrdinal = (x: LocalDate) => Date.UTC(x.y, x.m - 1, x.d) / dayMs;
const fromOrdinal = (n: number): LocalDate => {
  const t = new Date(n * dayMs);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
};
const parseDate = (s: string): LocalDate => {
  const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
  return { y, m, d };
};
const weekday = (x: LocalDate) => new Date(Date.UTC(x.y, x.m - 1, x.d)).getUTCDay();
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** The nth (or last) day in `month` whose weekday is one of `days` (Outlook "first weekday" counts the set). */
function relativeDay(y: number, m: number, days: readonly number[], index: number): number | undefined {
  const matches: number[] = [];
  for (let d = 1; d <= daysInMonth(y, m); d++) if (days.includes(weekday({ y, m, d }))) matches.push(d);
  return index < 0 ? matches[matches.length - 1] : matches[index];
}

/** Local dates of the pattern, in order, from the range start; `stop` ends the walk. */
function* patternDates(r: Recurrence, first: LocalDate): Generator<LocalDate> {
  const p = r.pattern;
  const interval = Math.max(1, p.interval || 1);
  const days = (p.daysOfWeek ?? []).map((n) => DAY_NAMES.indexOf(n));
  const index = INDEX[p.index ?? 'first'];
  const startOrd = toOrdinal(first);
  switch (p.type) {
    case 'daily':
      for (let n = startOrd; ; n += interval) yield fromOrdinal(n);
    case 'weekly': {
      const weekStart = p.firstDayOfWeek === 'monday' ? 1 : 0;
      const firstWeek = startOrd - ((weekday(first) - weekStart + 7) % 7);
      const wanted = days.length > 0 ? days : [weekday(first)];
      for (let w = firstWeek; ; w += 7 * interval) {
        for (let i = 0; i < 7; i++) {
          const n = w + i;
          if (n >= startOrd && wanted.includes(weekday(fromOrdinal(n)))) yield fromOrdinal(n);
        }
      }
    }
    case 'absoluteMonthly':
    case 'relativeMonthly':
    case 'absoluteYearly':
    case 'relativeYearly': {
      const yearly = p.type.endsWith('Yearly');
      const step = yearly ? 12 * interval : interval;
      let y = first.y;
      let m = yearly ? (p.month ?? first.m) : first.m;
      for (;;) {
        let d: number | undefined;
        if (p.type.startsWith('absolute'))
          d = Math.min(p.dayOfMonth ?? first.d, daysInMonth(y, m)); // Outlook: day 31 → last day of shorter months
        else d = relativeDay(y, m, days.length > 0 ? days : [weekday(first)], index);
        if (d !== undefined && toOrdinal({ y, m, d }) >= startOrd) yield { y, m, d };
        m += step;
        while (m > 12) {
          m -= 12;
          y += 1;
        }
      }
    }
  }
}

export function expandSeriesToOccurrences(
  master: Appointment,
  exceptions: readonly Appointment[],
  deletedOccurrences: readonly string[],
  window: TimeWindow,
): Occurrence[] {
  const r = master.recurrence;
  if (!r) return [];
  const zone = master.timeZone;
  const startMs = Date.parse(master.start);
  const durationMs = Date.parse(master.end) - startMs;
  const wall = wallTimeAt(startMs, zone);
  const rangeStart = r.range.startDate ? parseDate(r.range.startDate) : { y: wall.year, m: wall.month, d: wall.day };
  const lastDate = r.range.type === 'endDate' && r.range.endDate ? r.range.endDate.slice(0, 10) : undefined;
  const maxCount = r.range.type === 'numbered' ? (r.range.numberOfOccurrences ?? 0) : Infinity;
  const deleted = new Set(deletedOccurrences.map(normalizeInstant));
  const byOriginal = new Map(
    exceptions.filter((e) => e.originalStart).map((e) => [normalizeInstant(e.originalStart!), e]),
  );
  const wStart = Date.parse(window.start);
  const wEnd = Date.parse(window.end);
  const out: Occurrence[] = [];
  let count = 0;
  for (const date of patternDates(r, rangeStart)) {
    if (++count > maxCount || count > MAX_PATTERN_DATES) break;
    const iso = formatDate(date.y, date.m, date.d);
    if (lastDate && iso > lastDate) break;
    const occStart = master.isAllDay
      ? wallTimeToInstant({ year: date.y, month: date.m, day: date.d, hour: 0, minute: 0 }, zone)
      : wallTimeToInstant({ year: date.y, month: date.m, day: date.d, hour: wall.hour, minute: wall.minute }, zone);
    if (occStart >= wEnd) break;
    const originalStart = normalizeInstant(new Date(occStart).toISOString());
    if (deleted.has(originalStart)) continue;
    const exception = byOriginal.get(originalStart);
    // All-day occurrences span whole local days; a fixed duration would drift by an hour across DST.
    const occEnd = master.isAllDay
      ? wallTimeToInstant(
          { ...dateParts(toOrdinal(date) + Math.max(1, Math.round(durationMs / dayMs))), hour: 0, minute: 0 },
          zone,
        )
      : occStart + durationMs;
    const item: Appointment = exception
      ? { ...exception }
      : {
          ...master,
          type: 'occurrence',
          seriesMasterId: master.id,
          originalStart,
          start: new Date(occStart).toISOString(),
          end: new Date(occEnd).toISOString(),
        };
    if (Date.parse(item.end) <= wStart || Date.parse(item.start) >= wEnd) continue;
    delete item.recurrence;
    delete item.deletedOccurrences;
    out.push({ key: `${master.id}@${originalStart}`, originalStart, item, isException: exception !== undefined });
  }
  return out;
}

function dateParts(ordinal: number): { year: number; month: number; day: number } {
  const d = fromOrdinal(ordinal);
  return { year: d.y, month: d.m, day: d.d };
}

/** The series id and original start of an occurrence key. */
export function parseOccurrenceKey(key: string): { seriesId: string; originalStart: string } | undefined {
  const at = key.lastIndexOf('@');
  if (at <= 0) return undefined;
  return { seriesId: key.slice(0, at), originalStart: key.slice(at + 1) };
}
