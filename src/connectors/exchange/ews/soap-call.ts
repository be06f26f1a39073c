import { createRequire } from 'node:module';
import { ExchangeVersion, ServiceRequestException, type ExchangeService } from './ews-lib.js';
import type { SoapReadError } from './soap-xml.js';

/**
 * What a SOAP call Tandem writes itself (ews-context.ts `soap`) takes from ews-javascript-api, so
 * that it cannot differ from the library's calls in what reaches Exchange or what a failure becomes.
 */

/** The transport's request entry point (node-xhr.ts), as the library calls it. */
export interface SoapTransport {
  xhr(request: { url: string; type: string; headers: Record<string, string>; data: string }): Promise<{
    responseText: string;
  }>;
}

export interface RequestTemplate {
  url: string;
  /** Content type, Accept, gzip, X-AnchorMailbox and the credentials' Authorization, as the library sets them. */
  headers: Record<string, string>;
  /** RequestServerVersion, an ExchangeVersion name. */
  version: string;
}

interface PreparingService {
  Url: unknown;
  RequestedServerVersion: number;
  PrepareHttpWebRequestForUrl(
    url: unknown,
    acceptGzip: boolean,
    allowRedirect: boolean,
  ): {
    url: string;
    headers: Record<string, string>;
  };
}

/**
 * The URL and headers the library would send for this service (its PrepareHttpWebRequestForUrl,
 * which every library request goes through), computed once per service object: a service belongs
 * to one mailbox and its headers and credentials do not change (a bearer token is added by the
 * transport per request).
 */
const templates = new WeakMap<ExchangeService, RequestTemplate>();
export function requestTemplate(service: ExchangeService): RequestTemplate {
  let template = templates.get(service);
  if (!template) {
    const preparing = service as unknown as PreparingService;
    const prepared = preparing.PrepareHttpWebRequestForUrl(preparing.Url, true, true);
    const versions = ExchangeVersion as unknown as Record<number, string>;
    template = { url: prepared.url, headers: prepared.headers, version: versions[preparing.RequestedServerVersion]! };
    templates.set(service, template);
  }
  return template;
}

const require = createRequire(import.meta.url);
const { GetItemRequest } = require('ews-javascript-api/js/Core/Requests/GetItemRequest.js') as {
  GetItemRequest: new (
    service: ExchangeService,
    errorHandling: number,
  ) => { ProcessWebException(failure: unknown): unknown };
};

/**
 * A failure without a readable EWS answer — HTTP status other than 200 (the transport rejects
 * with the answer), or no answer at all (rejects with an Error) — as the library's request turns
 * it into a SoapFaultDetails (ServiceRequestBase.ProcessWebException: a SOAP fault of a 500 with
 * its ResponseCode and MessageXml, the HTTP status otherwise), which normalizeEwsError classifies.
 * Any request object does it the same way; the failure paths are rare, so one is made per failure.
 */
export function libraryFault(service: ExchangeService, failure: unknown): unknown {
  const throwOnError = 1; // ServiceErrorHandling.ThrowOnError; ProcessWebException does not read it
  return new GetItemRequest(service, throwOnError).ProcessWebException(failure) || failure;
}

/**
 * A 200 answer that is not the operation's SOAP answer (a proxy's page, a cut-off body), as the
 * library's request rejects it: its lenient DOM reader takes even a cut-off body, and
 * ReadResponsePrivate then fails with a ServiceRequestException around the plain Error it caught.
 */
export function unreadableAnswer(error: SoapReadError): unknown {
  return new ServiceRequestException(`The request failed. ${error.message}`, new Error(error.message) as never);
}
