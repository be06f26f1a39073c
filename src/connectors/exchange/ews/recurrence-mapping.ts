import { TandemError } from '../../../errors/tandem-error.js';
import type { Recurrence as DomainRecurrence } from '../types.js';
import { DayOfTheWeek, DayOfTheWeekIndex, Recurrence, type Recurrence as EwsRecurrence } from './ews-lib.js';
import { dateToEwsDateTime, fromEwsDate } from './time-zones.js';

/**
 * Recurrence in Graph's vocabulary ↔ EWS recurrence patterns
 * (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/recurrence-patterns-and-ews).
 * EWS yearly patterns have no interval (always every year), so an interval other than 1 is refused.
 */
export type Day = NonNullable<DomainRecurrence['pattern']['daysOfWeek']>[number];
/** Graph's day names in EWS's DayOfTheWeek order (Sunday = 0); EWS spells them capitalised. */
export const DAYS: readonly Day[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
/** Graph's week indexes in EWS's DayOfTheWeekIndex order; EWS spells them capitalised. */
export const INDEXES = ['first', 'second', 'third', 'fourth', 'last'] as const;

const R = Recurrence as unknown as {
  DailyPattern: new (start: unknown, interval: number) => EwsRecurrence;
  WeeklyPattern: new (start: unknown, interval: number, days: number[]) => EwsRecurrence & { FirstDayOfWeek: number };
  MonthlyPattern: new (start: unknown, interval: number, dayOfMonth: number) => EwsRecurrence;
  RelativeMonthlyPattern: new (start: unknown, interval: number, day: number, index: number) => EwsRecurrence;
  YearlyPattern: new (start: unknown, month: number, dayOfMonth: number) => EwsRecurrence;
  RelativeYearlyPattern: new (start: unknown, month: number, day: number, index: number) => EwsRecurrence;
};

export function toEwsRecurrence(recurrence: DomainRecurrence): EwsRecurrence {
  const { pattern, range } = recurrence;
  const start = dateToEwsDateTime(range.startDate);
  const interval = Math.max(1, pattern.interval || 1);
  const dayIndex = (day: Day | undefined): number => {
    if (!day) throw invalid('daysOfWeek is required for this pattern');
    return DayOfTheWeek[capitalize(day) as keyof typeof DayOfTheWeek] as number;
  };
  const weekIndex = (): number =>
    DayOfTheWeekIndex[capitalize(pattern.index ?? 'first') as keyof typeof DayOfTheWeekIndex] as number;
  let ews: EwsRecurrence;
  switch (pattern.type) {
    case 'daily':
      ews = new R.DailyPattern(start, interval);
      break;
    case 'weekly': {
      const weekly = new R.WeeklyPattern(start, interval, (pattern.daysOfWeek ?? []).map(dayIndex));
      if (pattern.firstDayOfWeek) weekly.FirstDayOfWeek = DAYS.indexOf(pattern.firstDayOfWeek);
      ews = weekly;
      break;
    }
    case 'absoluteMonthly':
      ews = new R.MonthlyPattern(start, interval, required(pattern.dayOfMonth, 'dayOfMonth'));
      break;
    case 'relativeMonthly':
      ews = new R.RelativeMonthlyPattern(start, interval, dayIndex(pattern.daysOfWeek?.[0]), weekIndex());
      break;
    case 'absoluteYearly':
      if (interval !== 1) throw invalid('EWS yearly recurrences repeat every year; interval must be 1');
      ews = new R.YearlyPattern(start, required(pattern.month, 'month'), required(pattern.dayOfMonth, 'dayOfMonth'));
      break;
    case 'relativeYearly':
      if (interval !== 1) throw invalid('EWS yearly recurrences repeat every year; interval must be 1');
      ews = new R.RelativeYearlyPattern(
        start,
        required(pattern.month, 'month'),
        dayIndex(pattern.daysOfWeek?.[0]),
        weekIndex(),
      );
      break;
    default:
      throw invalid(`unknown pattern type ${String((pattern as { type: unknown }).type)}`);
  }
  if (range.type === 'endDate') ews.EndDate = dateToEwsDateTime(required(range.endDate, 'range.endDate'));
  else if (range.type === 'numbered')
    ews.NumberOfOccurrences = required(range.numberOfOccurrences, 'range.numberOfOccurrences');
  else ews.NeverEnds();
  return ews;
}

export function fromEwsRecurrence(ews: EwsRecurrence): DomainRecurrence {
  const any = ews as unknown as Record<string, unknown> & { constructor: { name: string } };
  const startDate = fromEwsDate(ews.StartDate) ?? '1970-01-01';
  // The library keeps the Interval it read as the XML's string ("2"); one it built is a number.
  const read = Number(any.Interval);
  const interval = Number.isInteger(read) && read >= 1 ? read : 1;
  const day = (value: unknown): Day => DAYS[Number(value)] ?? 'monday';
  const index = (value: unknown) => INDEXES[Number(value)] ?? 'first';
  let pattern: DomainRecurrence['pattern'];
  switch (any.constructor.name) {
    case 'DailyPattern':
      pattern = { type: 'daily', interval };
      break;
    case 'WeeklyPattern': {
      const days = (any.DaysOfTheWeek as { GetEnumerator(): number[] }).GetEnumerator();
      // FirstDayOfWeek is optional in WeeklyRecurrence (EWS reference "WeeklyRecurrence"); the library's
      // getter throws when the server left it out. Absent means Sunday, as in Outlook.
      let firstDay: unknown;
      try {
        firstDay = any.FirstDayOfWeek;
      } catch {
        firstDay = 0;
      }
      pattern = {
        type: 'weekly',
        interval,
        daysOfWeek: days.map(day),
        firstDayOfWeek: firstDay === 1 ? 'monday' : 'sunday',
      };
      break;
    }
    case 'MonthlyPattern':
      pattern = { type: 'absoluteMonthly', interval, dayOfMonth: Number(any.DayOfMonth) };
      break;
    case 'RelativeMonthlyPattern':
      pattern = {
        type: 'relativeMonthly',
        interval,
        daysOfWeek: [day(any.DayOfTheWeek)],
        index: index(any.DayOfTheWeekIndex),
      };
      break;
    case 'YearlyPattern':
      pattern = { type: 'absoluteYearly', interval: 1, month: Number(any.Month), dayOfMonth: Number(any.DayOfMonth) };
      break;
    case 'RelativeYearlyPattern':
      pattern = {
        type: 'relativeYearly',
        interval: 1,
        month: Number(any.Month),
        daysOfWeek: [day(any.DayOfTheWeek)],
        index: index(any.DayOfTheWeekIndex),
      };
      break;
    default:
      throw new TandemError('EXCHANGE_BAD_REQUEST', `Unsupported EWS recurrence ${any.constructor.name}`);
  }
  const numbered = ews.NumberOfOccurrences;
  const endDate = fromEwsDate(ews.EndDate);
  const range: DomainRecurrence['range'] =
    typeof numbered === 'number' && numbered > 0
      ? { type: 'numbered', startDate, numberOfOccurrences: numbered }
      : endDate
        ? { type: 'endDate', startDate, endDate }
        : { type: 'noEnd', startDate };
  return { pattern, range };
}

function capitalize(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

function required<T>(value: T | undefined, name: string): T {
  if (value === undefined || value === null) throw invalid(`${name} is required`);
  return value;
}

function invalid(message: string): TandemError {
  return new TandemError('VALIDATION_FAILED', `Recurrence: ${message}`);
}
