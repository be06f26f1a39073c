import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { withLogContext } from '../logging/logger.js';
import { httpRequestDuration } from '../observability/metrics.js';

export const REQUEST_ID_HEADER = 'x-request-id';
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when it looks sane, else a new UUID),
 * returns it in the response header, and puts it on every log line written while handling it.
 * Also records the request duration by route template (never the raw path: ids would explode
 * the metric's cardinality).
 */
export const requestContext: RequestHandler = (req, res, next) => {
  const offered = req.get(REQUEST_ID_HEADER);
  const requestId = offered && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : randomUUID();
  res.setHeader('X-Request-Id', requestId);
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const route = (req.route as { path?: string } | undefined)?.path;
    const template = route ? `${req.baseUrl}${route}` : 'unmatched';
    httpRequestDuration.observe({ method: req.method, route: template, status: String(res.statusCode) },
      Number(process.hrtime.bigint() - started) / 1e9);
  });
  withLogContext({ requestId, correlationId: requestId }, () => next());
};
