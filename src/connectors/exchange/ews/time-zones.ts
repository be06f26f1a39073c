import { TandemError } from '../../../errors/tandem-error.js';
import { ianaToWindowsZones, isUtcZoneName, windowsZoneToIana } from '../../../sync/time/windows-zones.js';
import { DateTime, DateTimeKind, TimeZoneInfo, type DateTime as EwsDateTime } from './ews-lib.js';

/**
 * IANA ↔ Windows time zone ids. Exchange only knows Windows ids ("W. Europe Standard Time");
 * Tandem plans in IANA zones. The names come from the one table in src/sync/time/windows-zones.ts
 * (CLDR). EWS also needs each zone's rules on the wire (a TimeZoneDefinition), and those come from
 * ews-javascript-api's built-in zones: the first CLDR candidate the library has a definition for
 * is used; a zone CLDR knows under a newer Windows name than the library (Yukon, Volgograd) falls
 * back to the library's own pick for the IANA name.
 */
export function timeZoneInfoFor(iana: string) {
  if (isUtcZoneName(iana)) return TimeZoneInfo.Utc;
  for (const windowsId of ianaToWindowsZones(iana)) {
    const info = libraryZone(windowsId);
    if (info) return info;
  }
  try {
    return TimeZoneInfo.FindSystemTimeZoneById(iana);
  } catch (error) {
    throw new TandemError('VALIDATION_FAILED', `Time zone "${iana}" has no Windows equivalent Exchange understands`, {
      cause: error,
    });
  }
}

function libraryZone(windowsId: string) {
  try {
    return TimeZoneInfo.FindSystemTimeZoneById(windowsId);
  } catch {
    return undefined;
  }
}

export function ianaToWindows(iana: string): string {
  return timeZoneInfoFor(iana).Id;
}

/** Windows id → IANA; unknown ids (custom zones of old clients) fall back to UTC. */
export function windowsToIana(windowsId: string | undefined | null): string {
  return windowsZoneToIana(windowsId) ?? 'UTC';
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
