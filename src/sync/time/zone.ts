/**
 * Wall-clock ↔ instant conversion for IANA zones with nothing but Intl (no Temporal in Node 20/22
 * without a flag, no tz database package). Instants are the truth; a zone turns them into the
 * local dates and times a recurrence pattern or an all-day item is defined in.
 */

export interface WallTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    // Throws RangeError for unknown zones, which is what callers should see.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall-clock time in `zone` at instant `ms`. */
export function wallTimeAt(ms: number, zone: string): WallTime & { second: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** Offset of `zone` from UTC at instant `ms`, in milliseconds (Berlin summer: +7 200 000). */
export function zoneOffsetMs(ms: number, zone: string): number {
  const w = wallTimeAt(ms, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant at which `zone` shows wall time `w`. Two passes settle the offset on either side of
 * a transition. A wall time skipped by a spring-forward gap (02:30 in Berlin on the last Sunday of
 * March) resolves to the same distance after the gap (03:30), as Outlook and RFC 5545 do; an
 * ambiguous autumn time resolves to its first (summer-time) occurrence.
 */
export function wallTimeToInstant(w: WallTime, zone: string): number {
  const wallMs = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const before = zoneOffsetMs(wallMs - 86_400_000, zone);
  const after = zoneOffsetMs(wallMs + 86_400_000, zone);
  // Try the earlier offset first so that ambiguous times take their first occurrence.
  for (const off of before >= after ? [before, after] : [after, before]) {
    const t = wallMs - off;
    if (zoneOffsetMs(t, zone) === off) return t;
  }
  // Gap: the wall time does not exist; keep the distance with the offset that applied before it.
  return wallMs - before;
}

/** "YYYY-MM-DD" of the instant in the zone. */
export function dateInZone(iso: string, zone: string): string {
  const w = wallTimeAt(Date.parse(iso), zone);
  return formatDate(w.year, w.month, w.day);
}

export function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Midnight of a "YYYY-MM-DD" date in the zone, as a UTC ISO instant. */
export function startOfDateInZone(date: string, zone: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(wallTimeToInstant({ year: y, month: m, day: d, hour: 0, minute: 0 }, zone)).toISOString();
}
