import type { Response } from 'express';

/**
 * A response body prepared once and sent many times. The ingestion routes answer every request
 * with one of a handful of bodies (the EWS acknowledgement, `{"accepted":1,"duplicates":0}`), and
 * Express would redo per request what never changes: look up the media type, rewrite its charset,
 * convert the string and hash it for the entity tag. This sends the same status, headers and
 * bytes as `res.status(s).type(t).send(body)` or `res.status(s).json(value)` (Content-Type,
 * Content-Length, and the ETag of the app's `etag` setting, computed once per body), for answers
 * to POST only: Express's freshness check (304) applies to GET and HEAD.
 */
export class PreparedBody {
  private readonly bytes: Buffer;
  /** The entity tag per etag function (an app may configure its own; Express's default is weak). */
  private tag: { fn: unknown; value: string | undefined } | undefined;

  constructor(
    private readonly contentType: string,
    body: string,
  ) {
    this.bytes = Buffer.from(body, 'utf8');
  }

  send(res: Response, status: number): void {
    res.status(status);
    res.setHeader('Content-Type', this.contentType);
    res.setHeader('Content-Length', String(this.bytes.length));
    const tag = this.entityTag(res.app.get('etag fn'));
    if (tag !== undefined && !res.getHeader('ETag')) res.setHeader('ETag', tag);
    res.end(this.bytes);
  }

  private entityTag(fn: unknown): string | undefined {
    if (typeof fn !== 'function') return undefined;
    if (this.tag?.fn !== fn) {
      this.tag = { fn, value: (fn as (body: Buffer) => string | undefined)(this.bytes) || undefined };
    }
    return this.tag.value;
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';
/** Bodies seen recently; small, because the answers of the ingestion routes take few values. */
const MAX_PREPARED_JSON = 256;
const preparedJson = new Map<string, PreparedBody>();

/** `res.status(status).json(value)` for an app without JSON settings, with the body prepared once per value. */
export function sendJson(res: Response, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  let prepared = preparedJson.get(body);
  if (!prepared) {
    if (preparedJson.size >= MAX_PREPARED_JSON) preparedJson.clear();
    prepared = new PreparedBody(JSON_TYPE, body);
    preparedJson.set(body, prepared);
  }
  prepared.send(res, status);
}
