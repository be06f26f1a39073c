import { randomUUID } from 'node:crypto';
import {
  boundaryOf,
  formatHttpMessage,
  formatMultipart,
  parseHttpMessage,
  parseMultipart,
  type MimePart,
} from './multipart.js';
import { GatewayError, gatewayErrorBody, gatewayErrors } from './gateway-error.js';
import type { ODataResponse, ODataService } from './engine.js';
import type { S4Store } from './store.js';

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  428: 'Precondition Required',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Runs an OData v2 `$batch`: query parts one by one, each changeset as ONE store transaction.
 * As in SAP Gateway, a failing request inside a changeset rolls back the whole changeset and the
 * changeset's answer is that single error response instead of the per-request responses.
 */
export function handleBatch(
  service: ODataService,
  store: S4Store,
  contentType: string | undefined,
  body: string,
  serviceRoot: string,
  user: string,
): ODataResponse {
  const boundary = boundaryOf(contentType);
  if (!boundary || !/^multipart\/mixed/i.test(contentType ?? '')) {
    throw gatewayErrors.badRequest('Content-Type of a $batch request must be multipart/mixed with a boundary');
  }
  const responseBoundary = `batch_${randomUUID()}`;
  const out: MimePart[] = [];
  for (const part of parseMultipart(body, boundary)) {
    const partType = part.headers['content-type'] ?? '';
    const changesetBoundary = boundaryOf(partType);
    if (/^multipart\/mixed/i.test(partType) && changesetBoundary) {
      out.push(runChangeset(service, store, parseMultipart(part.body, changesetBoundary), serviceRoot, user));
    } else {
      const response = runOne(service, part, serviceRoot, user, false);
      out.push(httpPart(response));
    }
  }
  return {
    status: 202,
    headers: { 'content-type': `multipart/mixed; boundary=${responseBoundary}` },
    body: formatMultipart(out, responseBoundary),
  };
}

function runChangeset(service: ODataService, store: S4Store, parts: MimePart[], root: string, user: string): MimePart {
  const responses: ODataResponse[] = [];
  try {
    store.transaction(() => {
      for (const part of parts) {
        const response = runOne(service, part, root, user, true);
        if (response.status >= 400) throw new ChangesetFailed(response);
        responses.push(response);
      }
    });
  } catch (error) {
    if (error instanceof ChangesetFailed) return httpPart(error.response);
    throw error;
  }
  const boundary = `changeset_${randomUUID()}`;
  return {
    headers: { 'content-type': `multipart/mixed; boundary=${boundary}` },
    body: formatMultipart(responses.map(httpPart), boundary).replace(/\r\n$/, ''),
  };
}

class ChangesetFailed extends Error {
  constructor(readonly response: ODataResponse) {
    super('changeset failed');
  }
}

function runOne(
  service: ODataService,
  part: MimePart,
  root: string,
  user: string,
  inChangeset: boolean,
): ODataResponse {
  const message = parseHttpMessage(part.body);
  const [method = 'GET', target = ''] = message.startLine.split(/\s+/);
  if (!inChangeset && method.toUpperCase() !== 'GET') {
    return errorResponse(gatewayErrors.badRequest('Modifying requests must be inside a changeset'), service);
  }
  if (inChangeset && method.toUpperCase() === 'GET') {
    return errorResponse(gatewayErrors.badRequest('GET requests are not allowed inside a changeset'), service);
  }
  const [rawPath = '', query = ''] = target.split('?');
  // Parts address resources relative to the service root; accept an absolute service path too.
  const path = rawPath.replace(new RegExp(`^/?sap/opu/odata/sap/${service.service.name}/`, 'i'), '').replace(/^\//, '');
  const override = message.headers['x-http-method'];
  try {
    return service.handle(
      {
        method: override && method.toUpperCase() === 'POST' ? override : method,
        path,
        query,
        headers: message.headers,
        body: message.body,
      },
      root,
      user,
    );
  } catch (error) {
    if (error instanceof GatewayError) return errorResponse(error, service);
    throw error;
  }
}

function errorResponse(error: GatewayError, service: ODataService): ODataResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(gatewayErrorBody(error, service.service)),
  };
}

function httpPart(response: ODataResponse): MimePart {
  const headers: Record<string, string> = { ...response.headers };
  if (response.body !== undefined) headers['content-length'] = String(Buffer.byteLength(response.body));
  return {
    headers: { 'content-type': 'application/http', 'content-transfer-encoding': 'binary' },
    body: formatHttpMessage({
      startLine: `HTTP/1.1 ${response.status} ${STATUS_TEXT[response.status] ?? ''}`.trim(),
      headers,
      body: response.body ?? '',
    }),
  };
}
