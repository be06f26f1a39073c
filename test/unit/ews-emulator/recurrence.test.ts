import { describe, expect, it } from 'vitest';
import { expandSeries } from '../../../src/emulators/ews/calendar.js';
import { parseXml } from '../../../src/emulators/ews/xml.js';
import { EwsStore } from '../../../src/emulators/ews/store.js';
import { supportedWindowsZones, windowsToIana, toWallClock } from '../../../src/emulators/ews/timezones.js';
import { ruleOffsetAt, timeZoneDefinitionXml } from '../../../src/emulators/ews/timezone-definitions.js';

const T = 'xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"';

function series(start: string, end: string, recurrence: string, zone = 'UTC') {
  const node = parseXml(
    `<t:CalendarItem ${T}><t:Start>${start}</t:Start><t:End>${end}</t:End><t:Recurrence>${recurrence}</t:Recurrence><t:StartTimeZone Id="${zone}"/></t:CalendarItem>`,
  );
  const store = new EwsStore(1000);
  const mbx = store.ensureMailbox('unit@demo.example');
  const props = new Map(node.children.map((c) => [c.name, c]));
  return store.newItem(mbx, 'CalendarItem', 'f', props, new Map());
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);
const FAR = Date.UTC(2030, 0, 1);

describe('recurrence expansion', () => {
  it('Daily every 2 days with an EndDate range (inclusive)', () => {
    const item = series(
      '2026-01-01T10:00:00Z',
      '2026-01-01T11:00:00Z',
      '<t:DailyRecurrence><t:Interval>2</t:Interval></t:DailyRecurrence><t:EndDateRecurrence><t:StartDate>2026-01-01</t:StartDate><t:EndDate>2026-01-07</t:EndDate></t:EndDateRecurrence>',
    );
    expect(expandSeries(item, FAR).map((o) => iso(o.start))).toEqual([
      '2026-01-01T10:00',
      '2026-01-03T10:00',
      '2026-01-05T10:00',
      '2026-01-07T10:00',
    ]);
  });

  it('Weekly every 2 weeks on Monday and Thursday, numbered', () => {
    const item = series(
      '2026-01-05T08:00:00Z',
      '2026-01-05T09:00:00Z',
      '<t:WeeklyRecurrence><t:Interval>2</t:Interval><t:DaysOfWeek>Monday Thursday</t:DaysOfWeek><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence><t:NumberedRecurrence><t:StartDate>2026-01-05</t:StartDate><t:NumberOfOccurrences>5</t:NumberOfOccurrences></t:NumberedRecurrence>',
    );
    expect(expandSeries(item, FAR).map((o) => iso(o.start).slice(0, 10))).toEqual([
      '2026-01-05',
      '2026-01-08',
      '2026-01-19',
      '2026-01-22',
      '2026-02-02',
    ]);
  });

  it('AbsoluteMonthly on day 31 falls back to the last day of shorter months', () => {
    const item = series(
      '2026-01-31T12:00:00Z',
      '2026-01-31T13:00:00Z',
      '<t:AbsoluteMonthlyRecurrence><t:Interval>1</t:Interval><t:DayOfMonth>31</t:DayOfMonth></t:AbsoluteMonthlyRecurrence><t:NumberedRecurrence><t:StartDate>2026-01-31</t:StartDate><t:NumberOfOccurrences>4</t:NumberOfOccurrences></t:NumberedRecurrence>',
    );
    expect(expandSeries(item, FAR).map((o) => iso(o.start).slice(0, 10))).toEqual([
      '2026-01-31',
      '2026-02-28',
      '2026-03-31',
      '2026-04-30',
    ]);
  });

  it('RelativeMonthly: second Tuesday and last weekday', () => {
    const second = series(
      '2026-01-13T09:00:00Z',
      '2026-01-13T10:00:00Z',
      '<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Tuesday</t:DaysOfWeek><t:DayOfWeekIndex>Second</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence><t:NumberedRecurrence><t:StartDate>2026-01-01</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence>',
    );
    expect(expandSeries(second, FAR).map((o) => iso(o.start).slice(0, 10))).toEqual([
      '2026-01-13',
      '2026-02-10',
      '2026-03-10',
    ]);
    const lastWeekday = series(
      '2026-01-30T09:00:00Z',
      '2026-01-30T10:00:00Z',
      '<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek><t:DayOfWeekIndex>Last</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence><t:NumberedRecurrence><t:StartDate>2026-01-01</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence>',
    );
    expect(expandSeries(lastWeekday, FAR).map((o) => iso(o.start).slice(0, 10))).toEqual([
      '2026-01-30',
      '2026-02-27',
      '2026-03-31',
    ]);
  });

  it('AbsoluteYearly and RelativeYearly with NoEnd', () => {
    const abs = series(
      '2026-07-04T00:00:00Z',
      '2026-07-05T00:00:00Z',
      '<t:AbsoluteYearlyRecurrence><t:DayOfMonth>4</t:DayOfMonth><t:Month>July</t:Month></t:AbsoluteYearlyRecurrence><t:NoEndRecurrence><t:StartDate>2026-01-01</t:StartDate></t:NoEndRecurrence>',
    );
    expect(expandSeries(abs, Date.UTC(2029, 0, 1)).map((o) => iso(o.start).slice(0, 10))).toEqual([
      '2026-07-04',
      '2027-07-04',
      '2028-07-04',
    ]);
    // Last Sunday of October in Pacific time: wall clock 10:00 stays 10:00 local (PDT before, PST after the switch).
    const rel = series(
      '2026-10-25T17:00:00Z',
      '2026-10-25T18:00:00Z',
      '<t:RelativeYearlyRecurrence><t:DaysOfWeek>Sunday</t:DaysOfWeek><t:DayOfWeekIndex>Last</t:DayOfWeekIndex><t:Month>October</t:Month></t:RelativeYearlyRecurrence><t:NoEndRecurrence><t:StartDate>2026-10-01</t:StartDate></t:NoEndRecurrence>',
      'Pacific Standard Time',
    );
    const occ = expandSeries(rel, Date.UTC(2028, 11, 31));
    expect(occ.map((o) => iso(o.start))).toEqual(['2026-10-25T17:00', '2027-10-31T17:00', '2028-10-29T17:00']);
    expect(occ.map((o) => toWallClock(o.start, 'America/Los_Angeles').hour)).toEqual([10, 10, 10]);
  });

  it('keeps the wall-clock time across a DST change in the series time zone', () => {
    const item = series(
      '2026-03-23T08:00:00Z',
      '2026-03-23T09:00:00Z',
      '<t:DailyRecurrence><t:Interval>7</t:Interval></t:DailyRecurrence><t:NumberedRecurrence><t:StartDate>2026-03-23</t:StartDate><t:NumberOfOccurrences>2</t:NumberOfOccurrences></t:NumberedRecurrence>',
      'W. Europe Standard Time',
    );
    expect(expandSeries(item, FAR).map((o) => iso(o.start))).toEqual(['2026-03-23T08:00', '2026-03-30T07:00']);
  });

  it('skips deleted occurrences but keeps their instance index', () => {
    const item = series(
      '2026-01-01T10:00:00Z',
      '2026-01-01T11:00:00Z',
      '<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence><t:NumberedRecurrence><t:StartDate>2026-01-01</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence>',
    );
    item.deletedOccurrences.add(2);
    expect(expandSeries(item, FAR).map((o) => o.index)).toEqual([1, 3]);
  });
});

describe('time zone map', () => {
  it('maps every supported Windows zone to an IANA zone that Intl knows', () => {
    for (const id of supportedWindowsZones()) {
      const iana = windowsToIana(id);
      expect(iana, id).toBeDefined();
      expect(() => new Intl.DateTimeFormat('en', { timeZone: iana })).not.toThrow();
    }
    for (const id of [
      'UTC',
      'W. Europe Standard Time',
      'GMT Standard Time',
      'Central Europe Standard Time',
      'Romance Standard Time',
      'Eastern Standard Time',
      'Central Standard Time',
      'Pacific Standard Time',
      'Tokyo Standard Time',
      'India Standard Time',
      'AUS Eastern Standard Time',
    ]) {
      expect(windowsToIana(id), id).toBeDefined();
    }
  });
});

describe('time zone definitions', () => {
  it('agree with Intl offsets through a whole year for every supported zone', () => {
    for (const id of supportedWindowsZones()) {
      const iana = windowsToIana(id)!;
      for (let day = 0; day < 366 * 2; day += 1) {
        for (const hour of [0, 6, 12, 18]) {
          const ms = Date.UTC(2026, 0, 1 + day, hour);
          const w = toWallClock(ms, iana);
          const intlOffset = Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - ms) / 60_000);
          expect(ruleOffsetAt(id, ms), `${id} at ${new Date(ms).toISOString()}`).toBe(intlOffset);
        }
      }
    }
  });

  it('renders Periods, TransitionsGroups and Transitions', () => {
    const xml = timeZoneDefinitionXml('StartTimeZone', 'W. Europe Standard Time')!;
    const node = parseXml(`<r ${T}>${xml}</r>`).children[0]!;
    expect(node.attrs.Id).toBe('W. Europe Standard Time');
    expect(node.children.map((c) => c.name)).toEqual(['Periods', 'TransitionsGroups', 'Transitions']);
    expect(node.children[0]!.children.map((p) => p.attrs.Bias)).toEqual(['-PT1H', '-PT2H']);
    expect(timeZoneDefinitionXml('StartTimeZone', 'Mars Standard Time')).toBeUndefined();
  });
});
