/**
 * SAP time-zone codes (table TTZZ, maintained in transaction STZBD) as the emulated S/4 system knows
 * them, and the wall-clock arithmetic its GUI and seed data need. The emulator's own table: it
 * imports nothing from the service. A code's DST rules are those of the IANA zone it maps to (SAP's
 * 'CET' carries the EU summer-time rule, like Europe/Berlin).
 */

import { toWallClock, wallClockUtcMs } from '../common/zone-clock.js';

/** SAP code → the IANA zone whose rules it carries. */
export const SAP_TO_IANA: Readonly<Record<string, string>> = {
  UTC: 'UTC',
  GMTUK: 'Europe/London',
  WET: 'Europe/Lisbon',
  CET: 'Europe/Berlin',
  EET: 'Europe/Helsinki',
  RUS03: 'Europe/Moscow',
  EST: 'America/New_York',
  CST: 'America/Chicago',
  MST: 'America/Denver',
  MSTNO: 'America/Phoenix',
  PST: 'America/Los_Angeles',
  AKST: 'America/Anchorage',
  HST: 'Pacific/Honolulu',
  BRAZIL: 'America/Sao_Paulo',
  INDIA: 'Asia/Kolkata',
  CHINA: 'Asia/Shanghai',
  JAPAN: 'Asia/Tokyo',
  SINGAP: 'Asia/Singapore',
  UAE: 'Asia/Dubai',
  AUSNSW: 'Australia/Sydney',
  NZST: 'Pacific/Auckland',
};

/** SAP code → IANA; unknown or empty codes become 'UTC' (instants stay exact; only the display zone degrades). */
export function sapTimeZoneToIana(code: string | null | undefined): string {
  return SAP_TO_IANA[(code ?? '').trim().toUpperCase()] ?? 'UTC';
}

const DAY_MS = 86_400_000;
const MAX_CACHED_DAYS = 20_000;
/**
 * Zone → UTC day → the zone's offset throughout that day, or null on a day the offset changes.
 * Every DateTimeOffset an entity carries is written with its zone's offset, and asking ICU costs a
 * formatToParts (a tenth of the emulator's CPU per appointment read). A day whose first and last
 * second share an offset has no change in between: no zone changes its offset twice within a day.
 */
const OFFSET_OF_DAY = new Map<string, Map<number, number | null>>();

/** The offset (minutes east of UTC) of an IANA zone at an instant, DST included. */
export function zoneOffsetMinutes(zone: string, ms: number): number {
  const day = Math.floor(ms / DAY_MS);
  let days = OFFSET_OF_DAY.get(zone);
  if (!days) {
    days = new Map();
    OFFSET_OF_DAY.set(zone, days);
  }
  let offset = days.get(day);
  if (offset === undefined) {
    const first = exactOffsetMinutes(zone, day * DAY_MS);
    offset = first === exactOffsetMinutes(zone, (day + 1) * DAY_MS - 1000) ? first : null;
    if (days.size >= MAX_CACHED_DAYS) days.clear();
    days.set(day, offset);
  }
  return offset ?? exactOffsetMinutes(zone, ms);
}

function exactOffsetMinutes(zone: string, ms: number): number {
  const asUtc = wallClockUtcMs(toWallClock(ms, zone));
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** The UTC instant of a wall-clock time in an IANA zone (for seeding and tests). */
export function zonedWallTimeToMs(
  zone: string,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute = 0,
): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  // Two passes settle the offset also on the day the zone changes it.
  const first = guess - zoneOffsetMinutes(zone, guess) * 60_000;
  return guess - zoneOffsetMinutes(zone, first) * 60_000;
}
