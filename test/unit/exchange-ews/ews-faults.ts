/**
 * EWS failure answers as Exchange sends them, for tests that feed them to the real library through
 * a tiny HTTP server: a SOAP fault (HTTP 500) and the MessageXml of ErrorServerBusy's back-off.
 */
export const fault = (code: string, message: string, messageXml = '') => `<?xml version="1.0" encoding="utf-8"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>
<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:${code}</faultcode>
<faultstring xml:lang="en-US">${message}</faultstring>
<detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">${code}</e:ResponseCode>
<e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">${message}</e:Message>
${messageXml}</detail></s:Fault></s:Body></s:Envelope>`;

export const backOff = (
  ms: number,
) => `<m:MessageXml xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages">
<t:Value xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types" Name="BackOffMilliseconds">${ms}</t:Value></m:MessageXml>`;
