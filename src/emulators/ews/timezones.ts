import { toWallClock, wallClockUtcMs, type WallClock } from '../common/zone-clock.js';

export { toWallClock, type WallClock };

/**
 * Windows time zone ids (what EWS carries in StartTimeZone/@Id and MeetingTimeZone/@TimeZoneName)
 * mapped to IANA zones, following the CLDR windowsZones.xml "001" (territory-neutral) entries.
 * Offsets come from Intl, so DST rules are the platform's (ICU), not a copy of the Windows registry.
 */
const WINDOWS_TO_IANA: Record<string, string> = {
  UTC: 'UTC',
  'Coordinated Universal Time': 'UTC',
  'W. Europe Standard Time': 'Europe/Berlin',
  'GMT Standard Time': 'Europe/London',
  'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw',
  'Romance Standard Time': 'Europe/Paris',
  'Eastern Standard Time': 'America/New_York',
  'Central Standard Time': 'America/Chicago',
  'Mountain Standard Time': 'America/Denver',
  'Pacific Standard Time': 'America/Los_Angeles',
  'Tokyo Standard Time': 'Asia/Tokyo',
  'India Standard Time': 'Asia/Kolkata',
  'AUS Eastern Standard Time': 'Australia/Sydney',
  'Greenwich Standard Time': 'Atlantic/Reykjavik',
};

export function windowsToIana(windowsId: string | undefined): string | undefined {
  if (!windowsId) return undefined;
  return WINDOWS_TO_IANA[windowsId];
}

export function ianaToWindows(iana: string): string | undefined {
  return Object.entries(WINDOWS_TO_IANA).find(([, v]) => v === iana)?.[0];
}

export function supportedWindowsZones(): string[] {
  return Object.keys(WINDOWS_TO_IANA);
}

function offsetAt(ms: number, zone: string): number {
  return wallClockUtcMs(toWallClock(ms, zone)) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant at which `zone` shows the wall clock `w`. Two passes settle DST edges; a wall time
 * inside a spring-forward gap resolves to the later offset (as Outlook does, it shifts forward).
 */
export function fromWallClock(w: WallClock, zone: string): number {
  const naive = wallClockUtcMs(w);
  let guess = naive - offsetAt(naive, zone);
  guess = naive - offsetAt(guess, zone);
  return guess;
}
