import { esc } from './xml.js';

/**
 * TimeZoneDefinition elements for the supported Windows zones, as Exchange returns them in
 * StartTimeZone/EndTimeZone ("TimeZoneDefinition", "Periods", "TransitionsGroups", "Transitions" in
 * the EWS reference). Bias follows the Windows convention: UTC = local time + bias. The rules are
 * the current ones; a unit test checks them against Intl (ICU) offsets.
 */
interface DstRule {
  month: number;
  /** 1..4 = nth, -1 = last, like EWS RecurringDayTransition/Occurrence. */
  occurrence: number;
  /** Local wall-clock time of the switch, minutes after midnight. */
  atMinutes: number;
}

export interface ZoneRule {
  standardOffsetMin: number;
  daylight?: { offsetMin: number; start: DstRule; end: DstRule };
}

const EU = (std: number): ZoneRule => ({
  standardOffsetMin: std,
  daylight: {
    offsetMin: std + 60,
    start: { month: 3, occurrence: -1, atMinutes: std === 0 ? 60 : 120 },
    end: { month: 10, occurrence: -1, atMinutes: std === 0 ? 120 : 180 },
  },
});
const US = (std: number): ZoneRule => ({
  standardOffsetMin: std,
  daylight: {
    offsetMin: std + 60,
    start: { month: 3, occurrence: 2, atMinutes: 120 },
    end: { month: 11, occurrence: 1, atMinutes: 120 },
  },
});

export const ZONE_RULES: Record<string, ZoneRule> = {
  UTC: { standardOffsetMin: 0 },
  'Coordinated Universal Time': { standardOffsetMin: 0 },
  'Greenwich Standard Time': { standardOffsetMin: 0 },
  'GMT Standard Time': EU(0),
  'W. Europe Standard Time': EU(60),
  'Central Europe Standard Time': EU(60),
  'Central European Standard Time': EU(60),
  'Romance Standard Time': EU(60),
  'Eastern Standard Time': US(-300),
  'Central Standard Time': US(-360),
  'Mountain Standard Time': US(-420),
  'Pacific Standard Time': US(-480),
  'Tokyo Standard Time': { standardOffsetMin: 540 },
  'India Standard Time': { standardOffsetMin: 330 },
  'AUS Eastern Standard Time': {
    standardOffsetMin: 600,
    daylight: {
      offsetMin: 660,
      start: { month: 10, occurrence: 1, atMinutes: 120 },
      end: { month: 4, occurrence: 1, atMinutes: 180 },
    },
  },
};

function duration(minutes: number): string {
  const sign = minutes < 0 ? '-' : '';
  const m = Math.abs(minutes);
  const h = Math.floor(m / 60);
  const rest = m % 60;
  return `${sign}PT${h ? `${h}H` : ''}${rest || !h ? `${rest}M` : ''}`;
}

function utcLabel(offsetMin: number): string {
  if (offsetMin === 0) return '(UTC)';
  const sign = offsetMin < 0 ? '-' : '+';
  const m = Math.abs(offsetMin);
  return `(UTC${sign}${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')})`;
}

/** The full definition, or undefined for zones the emulator does not know. */
export function timeZoneDefinitionXml(tag: string, id: string, name?: string): string | undefined {
  const rule = ZONE_RULES[id];
  if (!rule) return undefined;
  const display = name ?? `${utcLabel(rule.standardOffsetMin)} ${id}`;
  const open = `<t:${tag} Id="${esc(id)}" Name="${esc(display)}">`;
  if (!rule.daylight) {
    return (
      `${open}<t:Periods><t:Period Bias="${duration(-rule.standardOffsetMin)}" Name="Standard" Id="Std"/></t:Periods>` +
      '<t:TransitionsGroups><t:TransitionsGroup Id="0"><t:Transition><t:To Kind="Period">Std</t:To></t:Transition></t:TransitionsGroup></t:TransitionsGroups>' +
      `<t:Transitions><t:Transition><t:To Kind="Group">0</t:To></t:Transition></t:Transitions></t:${tag}>`
    );
  }
  const d = rule.daylight;
  const transition = (to: string, r: DstRule): string =>
    `<t:RecurringDayTransition><t:To Kind="Period">${to}</t:To><t:TimeOffset>${duration(r.atMinutes)}</t:TimeOffset><t:Month>${r.month}</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek><t:Occurrence>${r.occurrence}</t:Occurrence></t:RecurringDayTransition>`;
  return (
    `${open}<t:Periods><t:Period Bias="${duration(-rule.standardOffsetMin)}" Name="Standard" Id="Std"/><t:Period Bias="${duration(-d.offsetMin)}" Name="Daylight" Id="Dlt/1"/></t:Periods>` +
    `<t:TransitionsGroups><t:TransitionsGroup Id="0">${transition('Dlt/1', d.start)}${transition('Std', d.end)}</t:TransitionsGroup></t:TransitionsGroups>` +
    `<t:Transitions><t:Transition><t:To Kind="Group">0</t:To></t:Transition></t:Transitions></t:${tag}>`
  );
}

/** UTC offset (minutes) at a UTC instant according to the rule table (used to cross-check Intl). */
export function ruleOffsetAt(id: string, ms: number): number | undefined {
  const rule = ZONE_RULES[id];
  if (!rule) return undefined;
  if (!rule.daylight) return rule.standardOffsetMin;
  const d = rule.daylight;
  const year = new Date(ms).getUTCFullYear();
  const switchAt = (r: DstRule, offsetBefore: number): number => {
    const days: number[] = [];
    const dim = new Date(Date.UTC(year, r.month, 0)).getUTCDate();
    for (let day = 1; day <= dim; day++)
      if (new Date(Date.UTC(year, r.month - 1, day)).getUTCDay() === 0) days.push(day);
    const day = r.occurrence === -1 ? days[days.length - 1]! : days[r.occurrence - 1]!;
    return Date.UTC(year, r.month - 1, day) + r.atMinutes * 60_000 - offsetBefore * 60_000;
  };
  const start = switchAt(d.start, rule.standardOffsetMin);
  const end = switchAt(d.end, d.offsetMin);
  const inDst = start < end ? ms >= start && ms < end : ms >= start || ms < end;
  return inDst ? d.offsetMin : rule.standardOffsetMin;
}
