import { randomUUID } from 'node:crypto';
import { TandemError } from '../../errors/tandem-error.js';
import { fromHttpFailure } from './errors.js';
import type { S4Http } from './http.js';
import { boundaryOf, formatHttpMessage, formatMultipart, parseHttpMessage, parseMultipart } from './multipart.js';

/** One modifying request of a changeset; `path` is relative to the service root. */
export interface ChangesetOperation {
  method: 'POST' | 'PUT' | 'MERGE' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  ifMatch?: string;
}

export interface ChangesetResult {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON `d` for answers with a body. */
  d?: unknown;
}

/**
 * Sends operations as ONE OData v2 changeset in a `$batch`: S/4 applies all or none. A failing
 * operation rejects the whole changeset, and Gateway answers with that operation's error alone,
 * which is mapped like any other S/4 error (a 412 becomes S4_ETAG_MISMATCH).
 */
export async function executeChangeset(
  http: S4Http,
  serviceRoot: string,
  operations: ChangesetOperation[],
  operation: string,
): Promise<ChangesetResult[]> {
  if (operations.length === 0) return [];
  const batchBoundary = `batch_${randomUUID()}`;
  const changesetBoundary = `changeset_${randomUUID()}`;
  const requests = operations.map((op) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (op.body !== undefined) headers['content-type'] = 'application/json';
    if (op.ifMatch !== undefined) headers['if-match'] = op.ifMatch;
    const body = op.body === undefined ? '' : JSON.stringify(op.body);
    if (op.body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return {
      headers: { 'content-type': 'application/http', 'content-transfer-encoding': 'binary' },
      body: formatHttpMessage({ startLine: `${op.method} ${op.path} HTTP/1.1`, headers, body }),
    };
  });
  const changeset = formatMultipart(requests, changesetBoundary);
  const batchBody = formatMultipart(
    [{ headers: { 'content-type': `multipart/mixed; boundary=${changesetBoundary}` }, body: changeset }],
    batchBoundary,
  );
  const response = await http.request({
    method: 'POST',
    path: `${serviceRoot}/$batch`,
    body: batchBody,
    operation,
    headers: { 'content-type': `multipart/mixed; boundary=${batchBoundary}` },
  });
  const headers = response.headers as Record<string, string>;
  const boundary = boundaryOf(headers['content-type']);
  const text = String(response.data ?? '');
  if (!boundary)
    throw new TandemError('S4_BAD_REQUEST', `S/4 answered the $batch without a multipart body (${operation})`);
  const [first] = parseMultipart(text, boundary);
  if (!first) throw new TandemError('S4_BAD_REQUEST', `S/4 answered the $batch with no parts (${operation})`);
  const innerBoundary = boundaryOf(first.headers['content-type']);
  if (!innerBoundary) {
    // The changeset failed as a whole: this single part is the error of the operation that failed.
    const failed = toResult(first.body);
    throw fromHttpFailure(
      { status: failed.status, headers: failed.headers, data: failed.raw },
      { operation, path: `${serviceRoot}/$batch` },
    );
  }
  return parseMultipart(first.body, innerBoundary).map((part) => {
    const { raw, ...result } = toResult(part.body);
    void raw;
    return result;
  });
}

function toResult(httpText: string): ChangesetResult & { raw: string } {
  const message = parseHttpMessage(httpText);
  const status = Number(/^HTTP\/\d\.\d\s+(\d{3})/.exec(message.startLine)?.[1] ?? 500);
  let d: unknown;
  if (message.body.trim().startsWith('{')) {
    try {
      d = (JSON.parse(message.body) as { d?: unknown }).d;
    } catch {
      d = undefined;
    }
  }
  return { status, headers: message.headers, d, raw: message.body };
}
