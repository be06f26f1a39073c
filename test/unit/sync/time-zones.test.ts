import { describe, expect, it } from 'vitest';
import { exchangeZoneToIana, ianaToWindowsZones, windowsZoneToIana } from '../../../src/sync/time/windows-zones.js';
import {
  dateInZone,
  startOfDateInZone,
  wallTimeAt,
  wallTimeToInstant,
  zoneOffsetMs,
} from '../../../src/sync/time/zone.js';

const HOUR = 3_600_000;
const at = (zone: string, year: number, month: number, day: number, hour: number, minute = 0): string =>
  new Date(wallTimeToInstant({ year, month, day, hour, minute }, zone)).toISOString();

// The rules: EU summer time starts and ends at 01:00 UTC on the last Sunday of March and October
// (Directive 2000/84/EC); US daylight time starts at 02:00 local on the second Sunday of March and
// ends at 02:00 local on the first Sunday of November (Energy Policy Act of 2005).
describe('wall time ↔ instant at DST edges', () => {
  it('Europe/Berlin: the offset changes at 01:00 UTC on the last Sunday of March and October', () => {
    expect(zoneOffsetMs(Date.UTC(2026, 2, 29, 0, 59), 'Europe/Berlin')).toBe(HOUR);
    expect(zoneOffsetMs(Date.UTC(2026, 2, 29, 1, 0), 'Europe/Berlin')).toBe(2 * HOUR);
    expect(zoneOffsetMs(Date.UTC(2026, 9, 25, 0, 59), 'Europe/Berlin')).toBe(2 * HOUR);
    expect(zoneOffsetMs(Date.UTC(2026, 9, 25, 1, 0), 'Europe/Berlin')).toBe(HOUR);
  });

  it('Europe/Berlin: ordinary times on both sides of each change', () => {
    expect(at('Europe/Berlin', 2026, 3, 28, 9)).toBe('2026-03-28T08:00:00.000Z');
    expect(at('Europe/Berlin', 2026, 3, 29, 9)).toBe('2026-03-29T07:00:00.000Z');
    expect(at('Europe/Berlin', 2026, 3, 29, 1, 59)).toBe('2026-03-29T00:59:00.000Z');
    expect(at('Europe/Berlin', 2026, 3, 29, 3)).toBe('2026-03-29T01:00:00.000Z');
    expect(at('Europe/Berlin', 2026, 10, 24, 22)).toBe('2026-10-24T20:00:00.000Z');
    expect(at('Europe/Berlin', 2026, 10, 25, 10)).toBe('2026-10-25T09:00:00.000Z');
  });

  it('Europe/Berlin gap: 02:30 on the March Sunday does not exist and moves forward by the gap', () => {
    expect(at('Europe/Berlin', 2026, 3, 29, 2, 30)).toBe('2026-03-29T01:30:00.000Z');
    expect(wallTimeAt(Date.parse('2026-03-29T01:30:00Z'), 'Europe/Berlin')).toMatchObject({ hour: 3, minute: 30 });
  });

  it('Europe/Berlin overlap: 02:30 on the October Sunday happens twice and takes the first (summer) one', () => {
    expect(at('Europe/Berlin', 2026, 10, 25, 2, 30)).toBe('2026-10-25T00:30:00.000Z');
    // Both instants show 02:30 on the wall clock.
    expect(wallTimeAt(Date.parse('2026-10-25T00:30:00Z'), 'Europe/Berlin')).toMatchObject({ hour: 2, minute: 30 });
    expect(wallTimeAt(Date.parse('2026-10-25T01:30:00Z'), 'Europe/Berlin')).toMatchObject({ hour: 2, minute: 30 });
  });

  it('America/New_York gap: 02:30 on the second Sunday of March moves forward to 03:30 EDT', () => {
    expect(zoneOffsetMs(Date.UTC(2026, 2, 8, 6, 59), 'America/New_York')).toBe(-5 * HOUR);
    expect(zoneOffsetMs(Date.UTC(2026, 2, 8, 7, 0), 'America/New_York')).toBe(-4 * HOUR);
    expect(at('America/New_York', 2026, 3, 8, 2, 30)).toBe('2026-03-08T07:30:00.000Z');
    expect(at('America/New_York', 2026, 3, 8, 9)).toBe('2026-03-08T13:00:00.000Z');
  });

  it('America/New_York overlap: 01:30 on the first Sunday of November takes the first (EDT) one', () => {
    expect(at('America/New_York', 2026, 11, 1, 1, 30)).toBe('2026-11-01T05:30:00.000Z');
    expect(wallTimeAt(Date.parse('2026-11-01T06:30:00Z'), 'America/New_York')).toMatchObject({ hour: 1, minute: 30 });
    expect(at('America/New_York', 2026, 11, 1, 9)).toBe('2026-11-01T14:00:00.000Z');
  });

  it('dates and midnights in a zone', () => {
    expect(dateInZone('2026-03-09T23:30:00Z', 'Europe/Berlin')).toBe('2026-03-10');
    expect(dateInZone('2026-03-09T23:30:00Z', 'America/New_York')).toBe('2026-03-09');
    expect(startOfDateInZone('2026-03-29', 'Europe/Berlin')).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfDateInZone('2026-03-30', 'Europe/Berlin')).toBe('2026-03-29T22:00:00.000Z');
  });
});

// The names: Unicode CLDR's windowsZones.xml (supplemental data, "Zone – Tzid" mapping), which
// Microsoft's "Default Time Zones" list for Windows uses as its key.
describe('Windows ↔ IANA zone names', () => {
  it('maps Windows names to the CLDR golden IANA zone', () => {
    expect(windowsZoneToIana('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(windowsZoneToIana('Romance Standard Time')).toBe('Europe/Paris');
    expect(windowsZoneToIana('Eastern Standard Time')).toBe('America/New_York');
    expect(windowsZoneToIana('Tokyo Standard Time')).toBe('Asia/Tokyo');
    expect(windowsZoneToIana('Yukon Standard Time')).toBe('America/Whitehorse');
    expect(windowsZoneToIana('UTC')).toBe('UTC');
    expect(windowsZoneToIana('tzone://Microsoft/Utc')).toBe('UTC');
    expect(windowsZoneToIana('Customized Time Zone')).toBeUndefined();
    expect(windowsZoneToIana(undefined)).toBeUndefined();
  });

  it('maps IANA zones, aliases included, to Windows names', () => {
    expect(ianaToWindowsZones('Europe/Berlin')).toEqual(['W. Europe Standard Time']);
    expect(ianaToWindowsZones('America/New_York')).toEqual(['Eastern Standard Time']);
    expect(ianaToWindowsZones('US/Eastern')).toEqual(['Eastern Standard Time']);
    expect(ianaToWindowsZones('Asia/Calcutta')).toEqual(['India Standard Time']);
    expect(ianaToWindowsZones('Etc/UTC')).toEqual(['UTC']);
    expect(ianaToWindowsZones('Mars/Olympus_Mons')).toEqual([]);
  });

  it('reads an Exchange zone name as IANA: Windows names translate, IANA names pass, the rest is UTC', () => {
    expect(exchangeZoneToIana('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(exchangeZoneToIana('Europe/Lisbon')).toBe('Europe/Lisbon');
    expect(exchangeZoneToIana('Customized Time Zone')).toBe('UTC');
    expect(exchangeZoneToIana('')).toBe('UTC');
    expect(exchangeZoneToIana(undefined)).toBe('UTC');
  });

  it('a Windows name round-trips through its golden IANA zone', () => {
    for (const windows of ['W. Europe Standard Time', 'Eastern Standard Time']) {
      const iana = windowsZoneToIana(windows)!;
      expect(ianaToWindowsZones(iana)[0]).toBe(windows);
    }
  });
});
