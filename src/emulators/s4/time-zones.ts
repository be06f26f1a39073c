/**
 * SAP time-zone codes (table TTZZ, maintained in transaction STZBD) as the emulated S/4 system knows
 * them, and the wall-clock arithmetic its GUI and seed data need. The emulator's own table: it
 * imports nothing from the service. A code's DST rules are those of the IANA zone it maps to (SAP's
 * 'CET' carries the EU summer-time rule, like Europe/Berlin).
 */

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

/**
 * One formatter per zone: building an Intl.DateTimeFormat loads the zone's rules and costs far more
 * than formatting with it (it was a quarter of the emulator's CPU per appointment read).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** The offset (minutes east of UTC) of an IANA zone at an instant, DST included. */
export function zoneOffsetMinutes(zone: string, ms: number): number {
  const parts = formatterOf(zone).formatToParts(new Date(ms));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
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
