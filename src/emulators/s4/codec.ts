import {
  formatEdmDateTime,
  formatEdmDateTimeOffset,
  formatEdmTime,
  parseEdmDate,
  parseEdmTime,
} from './odata-values.js';
import { sapTimeZoneToIana, zoneOffsetMinutes } from './time-zones.js';
import type { PropertyDef } from './model.js';

/** A property value a client sent that cannot be stored; becomes a Gateway 400. */
export class ValueError extends Error {
  constructor(
    readonly property: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Internal value → OData v2 JSON. DateTimeOffset values carry the offset of the row's SAP time
 * zone at that instant (so a DST-crossing appointment shows +0060 at its start, +0120 at its end),
 * which is what Gateway does for activities stored with a time-zone code.
 */
export function toJson(prop: PropertyDef, value: unknown, sapTimeZone?: unknown): unknown {
  if (value === null || value === undefined) return prop.type === 'Edm.String' && !prop.nullable ? '' : null;
  switch (prop.type) {
    case 'Edm.DateTime':
      return formatEdmDateTime(value as number);
    case 'Edm.DateTimeOffset': {
      const zone = typeof sapTimeZone === 'string' && sapTimeZone !== '' ? sapTimeZoneToIana(sapTimeZone) : 'UTC';
      return formatEdmDateTimeOffset(value as number, zoneOffsetMinutes(zone, value as number));
    }
    case 'Edm.Time':
      return formatEdmTime(value as number);
    case 'Edm.Int64':
    case 'Edm.Decimal':
      return String(value);
    default:
      return value;
  }
}

/** OData v2 JSON (or the string form used in HTML forms) → internal value, validated. */
export function fromJson(prop: PropertyDef, value: unknown): unknown {
  if (value === null) {
    if (prop.nullable || prop.type === 'Edm.String') return prop.type === 'Edm.String' && !prop.nullable ? '' : null;
    throw new ValueError(prop.name, `Property '${prop.name}' must not be null`);
  }
  const fail = (): never => {
    throw new ValueError(prop.name, `Invalid value for property '${prop.name}' (${prop.type})`);
  };
  switch (prop.type) {
    case 'Edm.String': {
      if (typeof value !== 'string') fail();
      const text = value as string;
      if (prop.maxLength !== undefined && text.length > prop.maxLength) {
        throw new ValueError(prop.name, `Value of '${prop.name}' exceeds the maximum length of ${prop.maxLength}`);
      }
      return text;
    }
    case 'Edm.Guid':
      if (typeof value !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value))
        fail();
      return (value as string).toLowerCase();
    case 'Edm.Boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return fail();
    case 'Edm.Byte':
    case 'Edm.Int16':
    case 'Edm.Int32':
    case 'Edm.Int64':
    case 'Edm.Decimal': {
      const n =
        typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!Number.isFinite(n)) fail();
      if (prop.type !== 'Edm.Decimal' && !Number.isInteger(n)) fail();
      if (prop.type === 'Edm.Byte' && (n < 0 || n > 255)) fail();
      return n;
    }
    case 'Edm.DateTime':
    case 'Edm.DateTimeOffset': {
      const parsed = parseEdmDate(value);
      if (!parsed) fail();
      return (parsed as { ms: number }).ms;
    }
    case 'Edm.Time': {
      const seconds = parseEdmTime(value);
      if (seconds === undefined) fail();
      return seconds;
    }
  }
}

/** The initial value ABAP gives a field nobody set. */
export function initialValue(prop: PropertyDef): unknown {
  if (prop.nullable) return null;
  switch (prop.type) {
    case 'Edm.String':
      return '';
    case 'Edm.Boolean':
      return false;
    case 'Edm.Byte':
    case 'Edm.Int16':
    case 'Edm.Int32':
    case 'Edm.Int64':
    case 'Edm.Decimal':
      return 0;
    case 'Edm.Time':
      return 0;
    case 'Edm.Guid':
      return '00000000-0000-0000-0000-000000000000';
    default:
      return null;
  }
}

/** Formats a key value for a resource path: 'x', guid'…', datetime'…'. */
export function keyLiteral(prop: PropertyDef, value: unknown): string {
  switch (prop.type) {
    case 'Edm.Guid':
      return `guid'${String(value)}'`;
    case 'Edm.DateTime':
      return `datetime'${new Date(value as number).toISOString().slice(0, 19)}'`;
    case 'Edm.DateTimeOffset':
      return `datetimeoffset'${new Date(value as number).toISOString()}'`;
    case 'Edm.Int16':
    case 'Edm.Int32':
    case 'Edm.Byte':
      return String(value);
    default:
      return `'${encodeURIComponent(String(value).replace(/'/g, "''"))}'`;
  }
}
