import { describe, expect, it } from 'vitest';
import { fromEwsRecurrence, toEwsRecurrence } from '../../../src/connectors/exchange/ews/recurrence-mapping.js';
import { ianaToWindows, windowsToIana } from '../../../src/connectors/exchange/ews/time-zones.js';
import { escapeXml } from '../../../src/connectors/exchange/ews/xml-escape.js';
import { scopeForEwsUrl } from '../../../src/connectors/exchange/ews/oauth-token-source.js';
import { toExchangeVersion } from '../../../src/connectors/exchange/ews/service-factory.js';
import type { Recurrence } from '../../../src/connectors/exchange/types.js';
import { isTandemError } from '../../../src/errors/tandem-error.js';

describe('recurrence mapping (Graph vocabulary ↔ EWS patterns)', () => {
  const cases: Recurrence[] = [
    { pattern: { type: 'daily', interval: 2 }, range: { type: 'noEnd', startDate: '2026-03-02' } },
    {
      pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'thursday'], firstDayOfWeek: 'monday' },
      range: { type: 'endDate', startDate: '2026-03-02', endDate: '2026-06-30' },
    },
    {
      pattern: { type: 'absoluteMonthly', interval: 3, dayOfMonth: 15 },
      range: { type: 'numbered', startDate: '2026-03-15', numberOfOccurrences: 4 },
    },
    {
      pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last' },
      range: { type: 'noEnd', startDate: '2026-03-27' },
    },
    {
      pattern: { type: 'absoluteYearly', interval: 1, month: 11, dayOfMonth: 22 },
      range: { type: 'noEnd', startDate: '2026-11-22' },
    },
    {
      pattern: { type: 'relativeYearly', interval: 1, month: 3, daysOfWeek: ['sunday'], index: 'last' },
      range: { type: 'numbered', startDate: '2026-03-29', numberOfOccurrences: 10 },
    },
  ];
  it.each(cases.map((c) => [c.pattern.type, c] as const))('%s round-trips', (_type, recurrence) => {
    expect(fromEwsRecurrence(toEwsRecurrence(recurrence))).toEqual(recurrence);
  });

  it('refuses what EWS cannot store', () => {
    const yearlyEvery2 = {
      pattern: { type: 'absoluteYearly', interval: 2, month: 1, dayOfMonth: 1 },
      range: { type: 'noEnd', startDate: '2026-01-01' },
    } as Recurrence;
    expect(() => toEwsRecurrence(yearlyEvery2)).toThrow(/interval must be 1/);
    const monthlyWithoutDay = {
      pattern: { type: 'absoluteMonthly', interval: 1 },
      range: { type: 'noEnd', startDate: '2026-01-01' },
    } as Recurrence;
    expect(() => toEwsRecurrence(monthlyWithoutDay)).toThrow(/dayOfMonth is required/);
  });
});

describe('time zones', () => {
  it('maps IANA to Windows ids and back', () => {
    expect(ianaToWindows('Europe/Berlin')).toBe('W. Europe Standard Time');
    expect(ianaToWindows('America/New_York')).toBe('Eastern Standard Time');
    expect(ianaToWindows('UTC')).toBe('UTC');
    expect(windowsToIana('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(windowsToIana('Tokyo Standard Time')).toBe('Asia/Tokyo');
    expect(windowsToIana('Customized Time Zone')).toBe('UTC');
    expect(windowsToIana(undefined)).toBe('UTC');
  });

  it('refuses an unknown IANA zone with a validation error', () => {
    try {
      ianaToWindows('Mars/Olympus_Mons');
      throw new Error('expected a failure');
    } catch (error) {
      expect(isTandemError(error, 'VALIDATION_FAILED')).toBe(true);
    }
  });
});

describe('small helpers', () => {
  it('escapes XML text and attribute values and drops characters XML cannot carry', () => {
    expect(escapeXml(`R&D <Q1> "x" 'y'\u0001`)).toBe('R&amp;D &lt;Q1&gt; &quot;x&quot; &apos;y&apos;');
  });

  it('derives the token scope from the EWS URL for Microsoft clouds only', () => {
    expect(scopeForEwsUrl('https://outlook.office365.com/EWS/Exchange.asmx')).toBe(
      'https://outlook.office365.com/.default',
    );
    expect(scopeForEwsUrl('https://outlook.office365.us/EWS/Exchange.asmx')).toBe(
      'https://outlook.office365.us/.default',
    );
    expect(scopeForEwsUrl('https://127.0.0.1:8090/EWS/Exchange.asmx')).toBe('https://outlook.office365.com/.default');
  });

  it('knows the Exchange server versions by name', () => {
    expect(toExchangeVersion('Exchange2016')).toBeTypeOf('number');
    expect(() => toExchangeVersion('Exchange2003')).toThrow(/Unknown Exchange server version/);
  });
});
