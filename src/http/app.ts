import express, { type Express, type Router } from 'express';
import type { Redis } from 'ioredis';
import { TandemError } from '../errors/tandem-error.js';
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

export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  // BTP's router and gorouter terminate TLS in front of us.
  app.set('trust proxy', true);
  app.use(requestContext);
  app.use(healthRoutes(deps));
  for (const router of deps.routers ?? []) app.use(router);
  app.use((req, _res, next) => next(new TandemError('NOT_FOUND', `No route for ${req.method} ${req.path}`)));
  app.use(problemHandler);
  return app;
}
