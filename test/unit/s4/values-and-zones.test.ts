import { describe, expect, it } from 'vitest';
import {
  formatEdmDateTimeOffset,
  formatEdmTime,
  parseEdmDate,
  parseEdmTime,
  toIsoInstant,
} from '../../../src/connectors/s4/odata-values.js';
import { ianaToSapTimeZone, sapTimeZoneToIana, SAP_TO_IANA } from '../../../src/connectors/s4/time-zones.js';
import { fromHttpFailure, parseRetryAfter, toS4Error } from '../../../src/connectors/s4/errors.js';
import { nextEuropeanDstChange } from '../../../src/emulators/s4/seed.js';
import { SAP_TO_IANA as EMULATOR_ZONES, zoneOffsetMinutes } from '../../../src/emulators/s4/time-zones.js';

describe('OData v2 JSON values', () => {
  it('reads /Date(ms)/, /Date(ms+offset)/ and ISO strings as UTC instants', () => {
    expect(parseEdmDate('/Date(1800000000000)/')).toEqual({ ms: 1800000000000, offsetMinutes: 0 });
    // The ticks of a DateTimeOffset are UTC already; the offset is informational.
    expect(parseEdmDate('/Date(1800000000000+0120)/')).toEqual({ ms: 1800000000000, offsetMinutes: 120 });
    expect(parseEdmDate('/Date(-1000-0300)/')).toEqual({ ms: -1000, offsetMinutes: -300 });
    expect(parseEdmDate('2027-03-28T03:00:00+02:00')?.ms).toBe(Date.UTC(2027, 2, 28, 1));
    expect(parseEdmDate('2027-03-28T01:00:00')?.ms).toBe(Date.UTC(2027, 2, 28, 1));
    expect(parseEdmDate('2027-03-28T01:00:00.1234567Z')?.ms).toBe(Date.UTC(2027, 2, 28, 1, 0, 0, 123));
    expect(parseEdmDate('yesterday')).toBeUndefined();
    expect(parseEdmDate(42)).toBeUndefined();
    expect(formatEdmDateTimeOffset(5, 60)).toBe('/Date(5+0060)/');
    expect(formatEdmDateTimeOffset(5, -300)).toBe('/Date(5-0300)/');
    expect(toIsoInstant(Date.UTC(2027, 0, 1, 9))).toBe('2027-01-01T09:00:00Z');
  });

  it('reads and writes Edm.Time durations', () => {
    expect(formatEdmTime(10 * 3600 + 5 * 60 + 7)).toBe('PT10H05M07S');
    expect(parseEdmTime('PT10H05M07S')).toBe(36307);
    expect(parseEdmTime('PT0S')).toBe(0);
    expect(parseEdmTime('PT')).toBeUndefined();
    expect(parseEdmTime('10:00')).toBeUndefined();
  });
});

describe('SAP time-zone codes', () => {
  it('maps both ways and degrades unknown zones to UTC', () => {
    expect(sapTimeZoneToIana('CET')).toBe('Europe/Berlin');
    expect(sapTimeZoneToIana(' est ')).toBe('America/New_York');
    expect(sapTimeZoneToIana('ZZZ')).toBe('UTC');
    expect(ianaToSapTimeZone('Europe/Berlin')).toBe('CET');
    expect(ianaToSapTimeZone('Europe/Paris')).toBe('CET');
    expect(ianaToSapTimeZone('Mars/Olympus')).toBe('UTC');
    for (const [code, zone] of Object.entries(SAP_TO_IANA)) expect(ianaToSapTimeZone(zone)).toBe(code);
  });

  it("the S/4 emulator's offsets (cached per day) agree with ICU's for every zone, hour by hour and minute by minute around each change", () => {
    // The reference asks ICU for the offset itself ('longOffset', e.g. GMT+05:30), not for wall-clock fields.
    const formatters = new Map<string, Intl.DateTimeFormat>();
    const reference = (zone: string, ms: number): number => {
      if (!formatters.has(zone))
        formatters.set(zone, new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }));
      const name = formatters
        .get(zone)!
        .formatToParts(new Date(ms))
        .find((p) => p.type === 'timeZoneName')!.value;
      const m = /^GMT(?:([+-])(\d\d):(\d\d))?$/.exec(name)!;
      return m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
    };
    const from = Date.UTC(2026, 0, 1);
    const wrong: string[] = [];
    const check = (zone: string, ms: number, expected: number): void => {
      if (zoneOffsetMinutes(zone, ms) !== expected) wrong.push(`${zone} ${new Date(ms).toISOString()}`);
    };
    let changes = 0;
    for (const zone of new Set(Object.values(EMULATOR_ZONES))) {
      let previous = reference(zone, from);
      for (let ms = from; ms < from + 365 * 86_400_000; ms += 3_600_000) {
        const now = reference(zone, ms);
        if (now !== previous) {
          changes++;
          for (let m = ms - 3_600_000; m <= ms; m += 60_000) check(zone, m, reference(zone, m));
        }
        check(zone, ms + 1_234, now);
        previous = now;
      }
    }
    expect(wrong).toEqual([]);
    // EU, North American, Sydney and Auckland rules change twice a year (São Paulo no longer does).
    expect(changes).toBeGreaterThanOrEqual(20);
  });

  it("the S/4 emulator's seed knows the next European DST change", () => {
    expect(nextEuropeanDstChange(Date.UTC(2026, 10, 22))).toBe(Date.UTC(2027, 2, 28, 1));
    expect(nextEuropeanDstChange(Date.UTC(2027, 2, 28, 2))).toBe(Date.UTC(2027, 9, 31, 1));
  });
});

describe('S/4 error mapping', () => {
  const gateway = (value: string, code = '/IWBEP/CM_MGW_RT/022') => ({
    error: { code, message: { lang: 'en', value }, innererror: { errordetails: [] } },
  });
  it('maps statuses to S4_* codes and keeps the Gateway message', () => {
    const cases: [number, Record<string, string>, string][] = [
      [401, {}, 'S4_UNAUTHORIZED'],
      [403, { 'x-csrf-token': 'Required' }, 'S4_CSRF_FAILED'],
      [403, {}, 'S4_FORBIDDEN'],
      [404, {}, 'S4_NOT_FOUND'],
      [412, {}, 'S4_ETAG_MISMATCH'],
      [400, {}, 'S4_BAD_REQUEST'],
      [428, {}, 'S4_BAD_REQUEST'],
      [429, {}, 'S4_THROTTLED'],
      [503, { 'Retry-After': '5' }, 'S4_THROTTLED'],
      [503, {}, 'S4_UNAVAILABLE'],
      [500, {}, 'S4_UNAVAILABLE'],
    ];
    for (const [status, headers, code] of cases) {
      const error = fromHttpFailure({ status, headers, data: gateway('Something') }, { operation: 'op' });
      expect([status, error.code]).toEqual([status, code]);
      expect(error.message).toContain('Something');
    }
    expect(
      fromHttpFailure({ status: 503, headers: { 'retry-after': '5' }, data: '' }, { operation: 'op' }).retryAfterMs,
    ).toBe(5000);
    expect(
      fromHttpFailure({ status: 412, headers: {}, data: JSON.stringify(gateway('stale')) }, { operation: 'op' }).details
        ?.sapCode,
    ).toBe('/IWBEP/CM_MGW_RT/022');
  });

  it('finds the HTTP response inside wrapped SDK errors and classifies transport failures', () => {
    const axiosLike = Object.assign(new Error('Request failed with status code 412'), {
      response: { status: 412, headers: {}, data: gateway('x') },
    });
    const wrapped = new Error('Request failed with status code 412', { cause: axiosLike });
    expect(toS4Error(wrapped, { operation: 'op' }).code).toBe('S4_ETAG_MISMATCH');
    expect(
      toS4Error(
        new Error('Failed to load destination.', { cause: new Error('Could not find a destination with name "X"') }),
        { operation: 'op' },
      ).code,
    ).toBe('S4_DESTINATION_NOT_FOUND');
    expect(
      toS4Error(Object.assign(new Error('Breaker is open'), { code: 'EOPENBREAKER' }), { operation: 'op' }).code,
    ).toBe('S4_UNAVAILABLE');
    expect(
      toS4Error(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), { operation: 'op' }).code,
    ).toBe('S4_UNAVAILABLE');
    expect(parseRetryAfter('x')).toBeUndefined();
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(50_000);
  });
});
