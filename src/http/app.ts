import express, { type Express, type Router } from 'express';
import type { Redis } from 'ioredis';
import { pinoHttp } from 'pino-http';
import { TandemError } from '../errors/tandem-error.js';
import { logger } from '../logging/logger.js';
import type { Pool } from '../store/pool.js';
import { healthRoutes } from './health/routes.js';
import { problemHandler } from './problem.js';
import { requestContext } from './request-context.js';

export interface AppDependencies {
  pool: Pool;
  redis: Redis;
  /** Feature routers mounted at the root, each owning its paths (s4-events, notifications, admin, …). */
  routers?: Router[];
}

/** Paths polled by monitoring: logged at debug so they don't drown the request log. */
const QUIET_PATHS = new Set(['/health', '/ready', '/metrics']);

export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  // BTP's router and gorouter terminate TLS in front of us.
  app.set('trust proxy', true);
  app.use(requestContext);
  app.use(pinoHttp({
    logger,
    genReqId: (_req, res) => String(res.getHeader('X-Request-Id')),
    customLogLevel: (req, res, error) => (error || res.statusCode >= 500 ? 'error' : QUIET_PATHS.has(req.url ?? '') ? 'debug' : 'info'),
    // The request-context middleware already puts requestId on every line.
    quietReqLogger: true,
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url.split('?')[0] }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  }));
  app.use(healthRoutes(deps));
  for (const router of deps.routers ?? []) app.use(router);
  app.use((req, _res, next) => next(new TandemError('NOT_FOUND', `No route for ${req.method} ${req.path}`)));
  app.use(problemHandler);
  return app;
}
