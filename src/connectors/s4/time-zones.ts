/**
 * SAP time-zone codes (table TTZZ, maintained in transaction STZBD) ↔ IANA zone names.
 *
 * SAP stores activity dates as UTC timestamps plus a time-zone code that says which wall clock
 * the user planned in; the DST rules behind a code live in TTZR/TTZDV. The codes below are the
 * SAP-delivered ones whose rules match the IANA zone they map to (e.g. 'CET' in SAP carries the
 * EU summer-time rule, like Europe/Berlin). Instants never depend on this map — only the zone
 * Tandem shows the item in does — so an unknown code degrades to UTC display, never to wrong times.
 */

/** SAP code → the IANA zone Tandem uses for it. */
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

/** IANA zones that share a SAP code's rules (same offsets and DST dates since 1996). */
const IANA_ALIASES: Readonly<Record<string, string>> = {
  'Etc/UTC': 'UTC',
  'Etc/GMT': 'UTC',
  GMT: 'UTC',
  'Europe/Dublin': 'GMTUK',
  'Atlantic/Canary': 'WET',
  'Europe/Amsterdam': 'CET',
  'Europe/Brussels': 'CET',
  'Europe/Paris': 'CET',
  'Europe/Vienna': 'CET',
  'Europe/Zurich': 'CET',
  'Europe/Rome': 'CET',
  'Europe/Madrid': 'CET',
  'Europe/Prague': 'CET',
  'Europe/Warsaw': 'CET',
  'Europe/Copenhagen': 'CET',
  'Europe/Stockholm': 'CET',
  'Europe/Oslo': 'CET',
  'Europe/Budapest': 'CET',
  'Europe/Luxembourg': 'CET',
  'Europe/Bratislava': 'CET',
  'Europe/Ljubljana': 'CET',
  'Europe/Athens': 'EET',
  'Europe/Bucharest': 'EET',
  'Europe/Sofia': 'EET',
  'Europe/Riga': 'EET',
  'Europe/Tallinn': 'EET',
  'Europe/Vilnius': 'EET',
  'Europe/Kiev': 'EET',
  'Europe/Kyiv': 'EET',
  'America/Detroit': 'EST',
  'America/Toronto': 'EST',
  'America/Winnipeg': 'CST',
  'America/Edmonton': 'MST',
  'America/Vancouver': 'PST',
  'Asia/Calcutta': 'INDIA',
  'Asia/Hong_Kong': 'CHINA',
  'Asia/Taipei': 'CHINA',
  'Australia/Melbourne': 'AUSNSW',
  'Australia/Canberra': 'AUSNSW',
};

const IANA_TO_SAP: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(SAP_TO_IANA).map(([sap, iana]) => [iana, sap])),
  ...IANA_ALIASES,
};

/** SAP code → IANA; unknown or empty codes become 'UTC' (instants stay exact, see above). */
export function sapTimeZoneToIana(code: string | null | undefined): string {
  return SAP_TO_IANA[(code ?? '').trim().toUpperCase()] ?? 'UTC';
}

/** IANA → SAP code; zones without a matching SAP code become 'UTC'. */
export function ianaToSapTimeZone(zone: string | null | undefined): string {
  return IANA_TO_SAP[(zone ?? '').trim()] ?? 'UTC';
}

/** Whether Tandem can represent this IANA zone in S/4 without falling back to UTC. */
export function isMappedIanaZone(zone: string): boolean {
  return IANA_TO_SAP[zone] !== undefined;
}
