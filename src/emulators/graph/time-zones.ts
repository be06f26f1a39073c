import { toWallClock, wallClockUtcMs } from '../common/zone-clock.js';

/**
 * Wall-clock ↔ instant conversion for the emulator, with Intl (no tz package). Graph accepts
 * both Windows zone names ("W. Europe Standard Time") and IANA names in `dateTimeTimeZone`
 * (learn.microsoft.com/graph/api/resources/datetimetimezone); the few Windows names Tandem's
 * tests and demo use are mapped, anything else must be a valid IANA zone.
 */
const WINDOWS_TO_IANA: Record<string, string> = {
  UTC: 'UTC',
  'W. Europe Standard Time': 'Europe/Berlin',
  'Romance Standard Time': 'Europe/Paris',
  'GMT Standard Time': 'Europe/London',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Eastern Standard Time': 'America/New_York',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Tokyo Standard Time': 'Asia/Tokyo',
};

export function toIanaZone(zone: string): string | undefined {
  const mapped = WINDOWS_TO_IANA[zone] ?? zone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: mapped });
    return mapped;
  } catch {
    return undefined;
  }
}

/** Wall-clock fields of an instant in a zone, as a UTC-based millisecond value (for arithmetic). */
export function wallClockMs(instantMs: number, zone: string): number {
  return wallClockUtcMs(toWallClock(instantMs, zone)) + (((instantMs % 1000) + 1000) % 1000);
}

/** The instant at which the zone's clocks show `wallMs` (a UTC-based wall-clock value). */
export function zonedWallToInstant(wallMs: number, zone: string): number {
  // Two passes settle the offset; in a DST gap the later offset wins, like Exchange does.
  let guess = wallMs - (wallClockMs(wallMs, zone) - wallMs);
  guess = wallMs - (wallClockMs(guess, zone) - guess);
  return guess;
}

/** Parses Graph's "2026-03-29T08:00:00.0000000" (no offset) into a UTC-based wall-clock value. */
export function parseWallClock(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?(Z|[+-]\d{2}:\d{2})?$/.exec(
    value,
  );
  if (!m) return undefined;
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  let wall = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    ms,
  );
  // An explicit offset makes it an instant; callers treat it as UTC wall time.
  if (m[8] && m[8] !== 'Z') {
    const sign = m[8].startsWith('-') ? -1 : 1;
    const [h, mi] = m[8].slice(1).split(':').map(Number);
    wall -= sign * ((h ?? 0) * 60 + (mi ?? 0)) * 60_000;
  }
  return wall;
}

/** "2026-03-29T10:00:00.0000000" — Graph's seven fractional digits, no offset. */
export function formatWallClock(wallMs: number): string {
  return `${new Date(wallMs).toISOString().slice(0, 19)}.0000000`;
}

export function instantFromDateTimeTimeZone(value: { dateTime: string; timeZone?: string }): number | undefined {
  const zone = toIanaZone(value.timeZone ?? 'UTC');
  const wall = parseWallClock(value.dateTime);
  if (!zone || wall === undefined) return undefined;
  return zonedWallToInstant(wall, zone);
}

export function dateTimeTimeZone(instantMs: number, zone: string): { dateTime: string; timeZone: string } {
  const iana = toIanaZone(zone) ?? 'UTC';
  return { dateTime: formatWallClock(wallClockMs(instantMs, iana)), timeZone: zone };
}
