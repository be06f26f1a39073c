import { createRequire } from 'node:module';

/**
 * One narrow fix to ews-javascript-api (0.15), applied once when this backend loads.
 *
 * TimeZoneDefinition.ToTimeZoneInfo() calls Validate() — which demands Periods, TransitionsGroups
 * and Transitions — BEFORE it looks the zone up by its Id, although the lookup by Id is all it
 * then uses. The EWS schema makes those children optional (the library itself writes Id-only
 * StartTimeZone elements), so a server that answers with an Id-only definition made every
 * appointment's zone read as null. The patch resolves by Id first and keeps the original
 * behaviour (including its validation) for everything else.
 */
const require = createRequire(import.meta.url);

interface TimeZoneDefinitionPrototype {
  Id: string;
  ToTimeZoneInfo(service: unknown, parse?: boolean): unknown;
  __tandemPatched?: boolean;
}

export function applyLibraryPatches(): void {
  const { TimeZoneDefinition } = require('ews-javascript-api/js/ComplexProperties/TimeZones/TimeZoneDefinition.js') as {
    TimeZoneDefinition: { prototype: TimeZoneDefinitionPrototype };
  };
  const { TimeZoneInfo } = require('ews-javascript-api') as {
    TimeZoneInfo: { FindSystemTimeZoneById(id: string): unknown };
  };
  const prototype = TimeZoneDefinition.prototype;
  if (prototype.__tandemPatched) return;
  const original = prototype.ToTimeZoneInfo;
  prototype.ToTimeZoneInfo = function patchedToTimeZoneInfo(
    this: TimeZoneDefinitionPrototype,
    service: unknown,
    parse = false,
  ) {
    if (!parse && this.Id) {
      try {
        return TimeZoneInfo.FindSystemTimeZoneById(this.Id);
      } catch {
        // Unknown id: fall through to the library's own handling (custom zones from periods).
      }
    }
    return original.call(this, service, parse);
  };
  prototype.__tandemPatched = true;
}
