import { createRequire } from 'node:module';

/**
 * Three narrow fixes to ews-javascript-api (0.15), applied once when this backend loads.
 *
 * 1. Time zones by Id:
 * TimeZoneDefinition.ToTimeZoneInfo() calls Validate() — which demands Periods, TransitionsGroups
 * and Transitions — BEFORE it looks the zone up by its Id, although the lookup by Id is all it
 * then uses. The EWS schema makes those children optional (the library itself writes Id-only
 * StartTimeZone elements), so a server that answers with an Id-only definition made every
 * appointment's zone read as null. The patch resolves by Id first and keeps the original
 * behaviour (including its validation) for everything else.
 *
 * 2. No parse of the request just sent: SimpleServiceRequestBase.InternalExecute (the path of every
 * request Tandem makes) parses the SOAP body it has just written into a DOM and then a JS object,
 * only to hand that object to a debug log that is off. That parse was a tenth of the worker's CPU
 * per CreateItem. The replacement sends, reads and maps errors exactly as before, without it.
 *
 * 3. One parse per DateTime read: DateTimePropertyDefinition.LoadPropertyValueFromXmlJsObject
 * converts every DateTime of an answer twice (Start, End, LastModifiedTime, … each through
 * moment with its format detection) and keeps only the second result. moment was 5 % of the
 * worker's CPU in the sync bench; the replacement stores the one conversion.
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
  skipRequestParse();
  parseDateTimesOnce();
}

interface XhrResponse {
  status: number;
  responseText?: string;
  response?: string;
}

interface SimpleRequest {
  Service: unknown;
  BuildXHR(): unknown;
  ValidateAndEmitRequest(request: unknown): Promise<XhrResponse>;
  ReadResponsePrivate(response: XhrResponse, jsObject: unknown): unknown;
  ProcessWebException(response: unknown): unknown;
  __tandemPatched?: boolean;
}

function skipRequestParse(): void {
  const lib = (path: string) => require(`ews-javascript-api/js/${path}.js`) as Record<string, unknown>;
  const { SimpleServiceRequestBase } = lib('Core/Requests/SimpleServiceRequestBase') as {
    SimpleServiceRequestBase: { prototype: SimpleRequest & { InternalExecute(): Promise<unknown> } };
  };
  const { EwsServiceXmlReader } = lib('Core/EwsServiceXmlReader') as {
    EwsServiceXmlReader: new (xml: string | undefined, service: unknown) => { JsObject: unknown };
  };
  const { Exception } = lib('Exceptions/Exception') as { Exception: abstract new (...args: never[]) => unknown };
  const { SoapFaultDetails } = lib('Misc/SoapFaultDetails') as {
    SoapFaultDetails: new (message: string) => unknown;
  };
  const prototype = SimpleServiceRequestBase.prototype;
  if (prototype.__tandemPatched) return;
  prototype.InternalExecute = async function internalExecute(this: SimpleRequest): Promise<unknown> {
    let response: XhrResponse;
    try {
      response = await this.ValidateAndEmitRequest(this.BuildXHR());
    } catch (failure) {
      // A transport failure (no answer, or an answer the transport refused): the library's own mapping.
      throw this.ProcessWebException(failure) || failure;
    }
    if (response.status !== 200) throw this.ProcessWebException(response) || response;
    try {
      const reader = new EwsServiceXmlReader(response.responseText || response.response, this.Service);
      return this.ReadResponsePrivate(response, reader.JsObject) || response.responseText || response.response;
    } catch (error) {
      if (error instanceof Exception) throw error;
      throw new SoapFaultDetails((error as Error).message);
    }
  };
  prototype.__tandemPatched = true;
}

interface DateTimeDefinition {
  LoadPropertyValueFromXmlJsObject(jsObject: unknown, service: unknown, propertyBag: unknown): void;
  __tandemPatched?: boolean;
}

function parseDateTimesOnce(): void {
  const { DateTimePropertyDefinition } =
    require('ews-javascript-api/js/PropertyDefinitions/DateTimePropertyDefinition.js') as {
      DateTimePropertyDefinition: { prototype: DateTimeDefinition };
    };
  const prototype = DateTimePropertyDefinition.prototype;
  if (prototype.__tandemPatched) return;
  prototype.LoadPropertyValueFromXmlJsObject = function loadOnce(
    this: DateTimeDefinition,
    jsObject: unknown,
    service: { ConvertUniversalDateTimeStringToLocalDateTime(value: unknown): unknown },
    propertyBag: { _setItem(definition: unknown, value: unknown): void },
  ): void {
    // The library's test for an empty value (StringHelper.IsNullOrEmpty).
    if (jsObject === null || jsObject === undefined || jsObject === '') return;
    propertyBag._setItem(this, service.ConvertUniversalDateTimeStringToLocalDateTime(jsObject));
  } as DateTimeDefinition['LoadPropertyValueFromXmlJsObject'];
  prototype.__tandemPatched = true;
}
