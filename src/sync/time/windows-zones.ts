/**
 * Windows time-zone names ("W. Europe Standard Time", what Exchange and Outlook speak) ↔ IANA
 * names (what Tandem plans in). The table is Unicode CLDR's windowsZones mapping as the
 * `windows-iana` package ships it: maintained upstream with every CLDR release, so a zone Microsoft
 * adds (e.g. "Yukon Standard Time") arrives with a dependency update instead of a hand-kept table.
 * Pure data, no I/O, so the engine and both Exchange backends share this one module.
 */
import { findIana, findWindows } from 'windows-iana';

/** Names that mean UTC in either vocabulary, including Graph's `tzone://Microsoft/Utc`. */
const UTC_NAMES: ReadonlySet<string> = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Z', 'tzone://Microsoft/Utc']);

export function isUtcZoneName(name: string): boolean {
  return UTC_NAMES.has(name);
}

/**
 * The IANA zone of a Windows zone name: CLDR's "001" (golden) zone, e.g. Europe/Berlin for
 * "W. Europe Standard Time". UTC names give 'UTC'; a name CLDR does not know (a custom zone an old
 * client made up, or an IANA name) gives undefined, and the caller decides what that means.
 */
export function windowsZoneToIana(name: string | null | undefined): string | undefined {
  if (!name) return undefined;
  if (UTC_NAMES.has(name)) return 'UTC';
  return remembered(ianaOfWindows, name, () => findIana(name)[0]);
}

/**
 * Answers of the CLDR table, remembered per name. windows-iana scans its whole table (and then its
 * alias table once per match) on every call: 1.7 % of the worker's busy time in the 2026-12-03
 * sync bench profile, for a handful of distinct zones a tenant uses. Bounded like isIanaZone.
 */
const ianaOfWindows = new Map<string, string | undefined>();
const windowsOfIana = new Map<string, readonly string[]>();

function remembered<T>(cache: Map<string, T>, key: string, compute: () => T): T {
  if (cache.has(key)) return cache.get(key) as T;
  const value = compute();
  if (cache.size < 1000) cache.set(key, value);
  return value;
}

/**
 * The Windows zone names that carry an IANA zone's rules, best first ("Europe/Paris" → "Romance
 * Standard Time"). IANA aliases (US/Eastern, Asia/Calcutta) are resolved; an unknown zone gives [].
 */
export function ianaToWindowsZones(iana: string): string[] {
  if (UTC_NAMES.has(iana)) return ['UTC'];
  // A copy: callers may sort or extend the list they get.
  return [...remembered(windowsOfIana, iana, () => findWindows(iana) ?? [])];
}

/**
 * A zone name from Exchange as an IANA zone: Windows names are translated, IANA names pass as they
 * are (Graph accepts and returns both), empty or unknown-to-CLDR Windows-looking names become UTC.
 */
export function exchangeZoneToIana(name: unknown): string {
  if (typeof name !== 'string' || !name) return 'UTC';
  const fromWindows = windowsZoneToIana(name);
  if (fromWindows) return fromWindows;
  return isIanaZone(name) ? name : 'UTC';
}

const knownIana = new Map<string, boolean>();

/** Whether the runtime's Intl knows this IANA zone (remembered: Graph repeats a handful of zones). */
export function isIanaZone(name: string): boolean {
  let known = knownIana.get(name);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      known = true;
    } catch {
      known = false;
    }
    if (knownIana.size < 1000) knownIana.set(name, known);
  }
  return known;
}
