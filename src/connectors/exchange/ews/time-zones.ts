import { TandemError } from '../../../errors/tandem-error.js';
import { DateTime, DateTimeKind, TimeZoneInfo, type DateTime as EwsDateTime } from './ews-lib.js';

/**
 * IANA ↔ Windows time zone ids. Exchange only knows Windows ids ("W. Europe Standard Time");
 * Tandem plans in IANA zones. ews-javascript-api ships the CLDR windowsZones mapping (both
 * directions) in TimeZoneInfo.FindSystemTimeZoneById, which we reuse instead of a second table.
 */
const UTC_NAMES = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Z']);

export function timeZoneInfoFor(iana: string) {
  if (UTC_NAMES.has(iana)) return TimeZoneInfo.Utc;
  try {
    return TimeZoneInfo.FindSystemTimeZoneById(iana);
  } catch (error) {
    throw new TandemError('VALIDATION_FAILED', `Time zone "${iana}" has no Windows equivalent Exchange understands`, {
      cause: error,
    });
  }
}

export function ianaToWindows(iana: string): string {
  return timeZoneInfoFor(iana).Id;
}

/** Windows id → IANA; unknown ids (custom zones of old clients) fall back to UTC. */
export function windowsToIana(windowsId: string | undefined | null): string {
  if (!windowsId || UTC_NAMES.has(windowsId) || windowsId === 'UTC') return 'UTC';
  try {
    const info = TimeZoneInfo.FindSystemTimeZoneById(windowsId);
    return info.IanaId || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** An ISO instant as a UTC-kind DateTime (the service runs in UTC, so nothing is shifted). */
export function toEwsDateTime(instant: string): EwsDateTime {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new TandemError('VALIDATION_FAILED', `Not an ISO instant: ${instant}`);
  return new DateTime(ms, DateTimeKind.Utc);
}

/**
 * An instant for a field ews-javascript-api "scopes" to the item's StartTimeZone/EndTimeZone
 * (Appointment Start/End). Its TimeZoneInfo.ConvertTime refuses a UTC-kind value with a non-UTC
 * source zone ("DateTime Kind mismatch"), but converts an Unspecified-kind value by its instant, so
 * the instant is handed over with Kind Unspecified and comes out unchanged as UTC on the wire.
 */
export function toScopedEwsDateTime(instant: string): EwsDateTime {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new TandemError('VALIDATION_FAILED', `Not an ISO instant: ${instant}`);
  return new DateTime(ms, DateTimeKind.Unspecified);
}

/** A calendar date ("2026-03-02") as midnight UTC, which is how EWS date-only fields are written with a UTC service. */
export function dateToEwsDateTime(date: string): EwsDateTime {
  return toEwsDateTime(`${date.slice(0, 10)}T00:00:00.000Z`);
}

export function fromEwsDateTime(value: EwsDateTime | null | undefined): string | undefined {
  if (!value) return undefined;
  const ms = value.TotalMilliSeconds;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/**
 * A date-only value Exchange returned (recurrence StartDate/EndDate, task dates). Exchange writes
 * them as "2026-03-02" or "2026-03-02+01:00"; the calendar date is what was meant, whatever offset.
 */
export function fromEwsDate(value: EwsDateTime | null | undefined): string | undefined {
  if (!value) return undefined;
  const moment = value.MomentDate;
  const offset = typeof moment.utcOffset === 'function' ? moment.utcOffset() : 0;
  // Keep the wall date of the value as parsed (parseZone semantics), not the UTC date.
  return new Date(value.TotalMilliSeconds + offset * 60_000).toISOString().slice(0, 10);
}

/** The calendar date an instant falls on in a zone. */
export function wallDate(instant: string, iana: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: UTC_NAMES.has(iana) ? 'UTC' : iana,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
