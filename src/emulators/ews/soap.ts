import { esc, NS } from './xml.js';

/**
 * Envelope and fault writers. The ServerVersionInfo header mirrors what Exchange Online sends
 * ("ServerVersionInfo", EWS reference); ews-javascript-api reads it into ExchangeService.ServerInfo.
 */
export const SERVER_VERSION = {
  MajorVersion: '15',
  MinorVersion: '20',
  MajorBuildNumber: '8000',
  MinorBuildNumber: '1',
  Version: 'V2018_01_08',
};

export function envelope(bodyXml: string): string {
  const v = SERVER_VERSION;
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<s:Envelope xmlns:s="${NS.soap}">` +
    `<s:Header><h:ServerVersionInfo MajorVersion="${v.MajorVersion}" MinorVersion="${v.MinorVersion}" MajorBuildNumber="${v.MajorBuildNumber}" MinorBuildNumber="${v.MinorBuildNumber}" Version="${v.Version}" xmlns:h="${NS.types}" xmlns="${NS.types}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="${NS.xsi}"/></s:Header>` +
    `<s:Body xmlns:xsi="${NS.xsi}" xmlns:xsd="http://www.w3.org/2001/XMLSchema">${bodyXml}</s:Body></s:Envelope>`
  );
}

/** `<m:XResponse><m:ResponseMessages>…` wrapper with the m: and t: namespaces declared. */
export function operationResponse(operation: string, messagesXml: string): string {
  return `<m:${operation}Response xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><m:ResponseMessages>${messagesXml}</m:ResponseMessages></m:${operation}Response>`;
}

export interface ResponseError {
  code: string;
  message: string;
  /** Name/value pairs for MessageXml (e.g. BackOffMilliseconds). */
  messageXml?: Record<string, string>;
}

/** One `<m:XResponseMessage>`; success when error is undefined. */
export function responseMessage(
  operation: string,
  error: ResponseError | undefined,
  contentXml = '',
  attrs = '',
): string {
  const tag = `m:${operation}ResponseMessage`;
  if (!error)
    return `<${tag} ResponseClass="Success"${attrs}><m:ResponseCode>NoError</m:ResponseCode>${contentXml}</${tag}>`;
  const mx = error.messageXml
    ? `<m:MessageXml>${Object.entries(error.messageXml)
        .map(([k, v]) => `<t:Value Name="${esc(k)}">${esc(v)}</t:Value>`)
        .join('')}</m:MessageXml>`
    : '';
  return `<${tag} ResponseClass="Error"${attrs}><m:MessageText>${esc(error.message)}</m:MessageText><m:ResponseCode>${esc(error.code)}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>${mx}${contentXml}</${tag}>`;
}

/**
 * A SOAP 1.1 fault the way Exchange writes it: faultcode qualified in the types namespace, detail
 * with e:ResponseCode/e:Message and optional t:MessageXml values. Sent with HTTP 500, which is what
 * ews-javascript-api (ServiceRequestBase.ProcessWebException) parses into SoapFaultDetails.
 */
export function faultEnvelope(code: string, message: string, messageXml?: Record<string, string>): string {
  const mx = messageXml
    ? `<t:MessageXml xmlns:t="${NS.types}">${Object.entries(messageXml)
        .map(([k, v]) => `<t:Value Name="${esc(k)}">${esc(v)}</t:Value>`)
        .join('')}</t:MessageXml>`
    : '';
  const faultCode = code === 'ErrorSchemaValidation' ? `a:${code}` : `a:${code}`;
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<s:Envelope xmlns:s="${NS.soap}"><s:Body><s:Fault>` +
    `<faultcode xmlns:a="${NS.types}">${faultCode}</faultcode>` +
    `<faultstring xml:lang="en-US">${esc(message)}</faultstring>` +
    `<detail><e:ResponseCode xmlns:e="${NS.errors}">${esc(code)}</e:ResponseCode><e:Message xmlns:e="${NS.errors}">${esc(message)}</e:Message>${mx}</detail>` +
    '</s:Fault></s:Body></s:Envelope>'
  );
}

/** Thrown by operations for request-level failures that Exchange reports as a SOAP fault. */
export class SoapFault extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 500,
    readonly messageXml?: Record<string, string>,
  ) {
    super(message);
  }
}

/** Thrown inside per-item processing; becomes an Error response message for that item. */
export class ItemError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly messageXml?: Record<string, string>,
  ) {
    super(message);
  }
}
