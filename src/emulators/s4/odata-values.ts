/**
 * OData v2 JSON value encodings as SAP Gateway writes them, as the emulator reads and writes them
 * (OData v2 "JSON Format", section "Primitive types"; its own copy: the emulator imports nothing
 * from the service).
 *
 * - Edm.DateTime:       "/Date(1732262400000)/"        — milliseconds since epoch, UTC
 * - Edm.DateTimeOffset: "/Date(1732262400000+0060)/"   — milliseconds since epoch UTC, then the
 *   offset in MINUTES; the ticks are UTC already, the offset only says which local wall clock the
 *   value was entered in.
 * - Edm.Time:           "PT10H30M00S"                  — an xs:duration
 */

const DATE_PATTERN = /^\/Date\((-?\d+)(?:([+-])(\d{1,4}))?\)\/$/;

/** Milliseconds since epoch (UTC) → `/Date(ms)/`. */
export function formatEdmDateTime(ms: number): string {
  return `/Date(${Math.trunc(ms)})/`;
}

/** Milliseconds since epoch (UTC) and the local offset in minutes → `/Date(ms+0060)/`. */
export function formatEdmDateTimeOffset(ms: number, offsetMinutes = 0): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  return `/Date(${Math.trunc(ms)}${sign}${String(Math.abs(offsetMinutes)).padStart(4, '0')})/`;
}

export interface ParsedEdmDate {
  /** Milliseconds since epoch, UTC. */
  ms: number;
  /** The offset in minutes that came with a DateTimeOffset, 0 when none. */
  offsetMinutes: number;
}

/**
 * Parses `/Date(ms)/`, `/Date(ms+0060)/` or an ISO 8601 string (Gateway accepts both on input;
 * an ISO string without zone designator is taken as UTC, as Gateway does for Edm.DateTime).
 * Returns undefined for anything else.
 */
export function parseEdmDate(value: unknown): ParsedEdmDate | undefined {
  if (typeof value !== 'string') return undefined;
  const match = DATE_PATTERN.exec(value);
  if (match) {
    const offset = match[3] === undefined ? 0 : Number(match[3]) * (match[2] === '-' ? -1 : 1);
    return { ms: Number(match[1]), offsetMinutes: offset };
  }
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?)?(Z|[+-]\d{2}:\d{2})?$/.test(value)) return undefined;
  const hasZone = /(Z|[+-]\d{2}:\d{2})$/.test(value);
  // Seven fractional digits (ticks) are legal in OData; JavaScript's parser takes at most three.
  const normalised = value.replace(/(\.\d{3})\d+/, '$1');
  const ms = Date.parse(hasZone || normalised.length <= 10 ? normalised : `${normalised}Z`);
  if (Number.isNaN(ms)) return undefined;
  const zone = /([+-])(\d{2}):(\d{2})$/.exec(value);
  const offsetMinutes = zone ? (zone[1] === '-' ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3])) : 0;
  return { ms, offsetMinutes };
}

/** Seconds since midnight → `PT10H30M00S`. */
export function formatEdmTime(secondsOfDay: number): string {
  const h = Math.floor(secondsOfDay / 3600);
  const m = Math.floor((secondsOfDay % 3600) / 60);
  const s = Math.floor(secondsOfDay % 60);
  return `PT${String(h).padStart(2, '0')}H${String(m).padStart(2, '0')}M${String(s).padStart(2, '0')}S`;
}

/** `PT10H30M00S` → seconds since midnight; undefined when malformed. */
export function parseEdmTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(value);
  if (!match || value === 'PT') return undefined;
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Math.floor(Number(match[3] ?? 0));
}
