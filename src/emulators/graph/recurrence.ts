import { wallClockMs, zonedWallToInstant } from './time-zones.js';

/** Graph's patternedRecurrence (learn.microsoft.com/graph/api/resources/patternedrecurrence). */
export interface GraphRecurrence {
  pattern: {
    type: string;
    interval: number;
    daysOfWeek?: string[];
    dayOfMonth?: number;
    month?: number;
    index?: string;
    firstDayOfWeek?: string;
  };
  range: {
    type: string;
    startDate: string;
    endDate?: string;
    numberOfOccurrences?: number;
    recurrenceTimeZone?: string;
  };
}

const DAY = 86_400_000;
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEX = ['first', 'second', 'third', 'fourth', 'last'];
/** Safety cap for "noEnd" series; the emulator never needs more than a few years of instances. */
const MAX_OCCURRENCES = 2_000;

function dateMs(date: string): number {
  const [y, m, d] = date.slice(0, 10).split('-').map(Number);
  return Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1);
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** The day (UTC-midnight ms) of the n-th (or last) given weekday in a month, or undefined. */
function relativeDay(year: number, month0: number, weekdays: string[], index: string): number | undefined {
  const candidates: number[] = [];
  for (let d = 1; d <= daysInMonth(year, month0); d++) {
    const ms = Date.UTC(year, month0, d);
    if (weekdays.includes(WEEKDAYS[new Date(ms).getUTCDay()] ?? '')) candidates.push(ms);
  }
  const i = INDEX.indexOf(index);
  return i === 4 ? candidates.at(-1) : candidates[i];
}

/** Candidate days in pattern order, starting at the range start; stops when `until` is passed. */
function* candidateDays(rec: GraphRecurrence, untilDay: number): Generator<number> {
  const p = rec.pattern;
  const start = dateMs(rec.range.startDate);
  const interval = Math.max(1, p.interval || 1);
  const sd = new Date(start);
  if (p.type === 'daily') {
    for (let d = start; d <= untilDay; d += interval * DAY) yield d;
  } else if (p.type === 'weekly') {
    const firstDow = WEEKDAYS.indexOf(p.firstDayOfWeek ?? 'sunday');
    const weekStart = start - ((((sd.getUTCDay() - firstDow) % 7) + 7) % 7) * DAY;
    const days = (p.daysOfWeek ?? [WEEKDAYS[sd.getUTCDay()] ?? 'monday']).map((w) => WEEKDAYS.indexOf(w));
    for (let w = weekStart; w <= untilDay; w += interval * 7 * DAY) {
      for (let i = 0; i < 7; i++) {
        const d = w + i * DAY;
        if (d >= start && d <= untilDay && days.includes(new Date(d).getUTCDay())) yield d;
      }
    }
  } else if (
    p.type === 'absoluteMonthly' ||
    p.type === 'relativeMonthly' ||
    p.type === 'absoluteYearly' ||
    p.type === 'relativeYearly'
  ) {
    const yearly = p.type.endsWith('Yearly');
    const step = yearly ? 12 * interval : interval;
    let year = sd.getUTCFullYear();
    let month0 = yearly ? (p.month ?? sd.getUTCMonth() + 1) - 1 : sd.getUTCMonth();
    for (;;) {
      if (Date.UTC(year, month0, 1) > untilDay) return;
      const d = p.type.startsWith('absolute')
        ? (p.dayOfMonth ?? sd.getUTCDate()) <= daysInMonth(year, month0)
          ? Date.UTC(year, month0, p.dayOfMonth ?? sd.getUTCDate())
          : undefined
        : relativeDay(year, month0, p.daysOfWeek ?? [], p.index ?? 'first');
      if (d !== undefined && d >= start && d <= untilDay) yield d;
      month0 += step;
      year += Math.floor(month0 / 12);
      month0 %= 12;
    }
  } else {
    throw new Error(`Recurrence pattern ${p.type} is not supported`);
  }
}

/**
 * Original start instants of a series' occurrences that start before `toMs`, in order. The time of
 * day comes from the master's start in its own zone, so a series keeps 09:00 across DST changes.
 */
export function occurrenceStarts(rec: GraphRecurrence, masterStartMs: number, zone: string, toMs: number): number[] {
  const wallStart = wallClockMs(masterStartMs, zone);
  const timeOfDay = ((wallStart % DAY) + DAY) % DAY;
  const endDay =
    rec.range.type === 'endDate' && rec.range.endDate ? dateMs(rec.range.endDate) : Number.POSITIVE_INFINITY;
  const limit = rec.range.type === 'numbered' ? (rec.range.numberOfOccurrences ?? 1) : MAX_OCCURRENCES;
  const untilDay = Math.min(endDay, wallClockMs(toMs, zone) + DAY);
  const starts: number[] = [];
  for (const day of candidateDays(rec, untilDay)) {
    if (starts.length >= limit) break;
    const instant = zonedWallToInstant(day + timeOfDay, zone);
    if (instant >= toMs) break;
    starts.push(instant);
  }
  return starts;
}
