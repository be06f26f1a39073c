import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { logger, withLogContext } from '../logging/logger.js';
import { httpRequestDuration } from '../observability/metrics.js';

export const REQUEST_ID_HEADER = 'x-request-id';
/** Paths polled by monitoring: logged at debug so they don't drown the request log. */
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when it looks sane, else a new UUID),
 * returns it in the response header, and puts it on every log line written while handling it.
 * Records the request duration by route template (never the raw path: ids would explode the
 * metric's cardinality) and writes the access log line. The line is written here rather than by
 * pino-http: its two child loggers per request cost about 15% of the CPU of an ingestion request
 * (measured in `npm run bench`), and failures are logged with their cause by the problem handler.
 */
export const requestContext: RequestHandler = (req, res, next) => {
  const offered = req.get(REQUEST_ID_HEADER);
  const requestId = offered && ACCEPTABLE_REQUEST_ID.test(offered) ? offered : randomUUID();
  res.setHeader('X-Request-Id', requestId);
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const route = (req.route as { path?: string } | undefined)?.path;
    const template = route ? `${req.baseUrl}${route}` : 'unmatched';
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    httpRequestDuration.observe({ method: req.method, route: template, status: String(res.statusCode) }, seconds);
    const level = res.statusCode >= 500 ? 'error' : QUIET_PATHS.has(req.path) ? 'debug' : 'info';
    if (logger.isLevelEnabled(level)) {
      // The route template, not the raw path: paths carry secrets (the EWS notification token).
      logger[level](
        {
          requestId,
          req: { method: req.method, url: route ? template : req.path },
          res: { statusCode: res.statusCode },
          responseTime: Math.round(seconds * 1000),
        },
        'request completed',
      );
    }
  });
  withLogContext({ requestId, correlationId: requestId }, () => next());
};
