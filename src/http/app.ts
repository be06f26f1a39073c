import express, { type Express, type Router } from 'express';
import type { Redis } from 'ioredis';
import { TandemError } from '../errors/tandem-error.js';
import type { Pool } from '../store/pool.js';
import { healthRoutes } from './health/routes.js';
import { dispatchHotPosts, hotPostsOf } from './hot-routes.js';
import { problemHandler } from './problem.js';
import { requestContext } from './request-context.js';
import { securityHeaders } from './security-headers.js';

export interface AppDependencies {
  pool: Pool;
  redis: Redis;
  /** Feature routers mounted at the root, each owning its paths (s4-events, notifications, admin, …). */
  routers?: Router[];
  /** Proxies in front that append to X-Forwarded-For (TRUST_PROXY_HOPS); 0 = believe none. */
  trustProxyHops?: number;
  /**
   * Dispatch the routers' hot posts (the ingestion POSTs) directly rather than through Express's
   * router walk (src/http/hot-routes.ts); on unless false, which the comparison test uses.
   */
  hotPosts?: boolean;
}

export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  // Exactly the platform's hops (the gorouter on Cloud Foundry): req.ip is the address the last
  // trusted proxy saw, never an entry the caller wrote into X-Forwarded-For (rate limits key on it).
  app.set('trust proxy', deps.trustProxyHops ?? 0);
  // Every request's leading middleware, one list for Express and for the hot posts below, so a
  // middleware added here cannot be skipped by the fast dispatch.
  const leading = [requestContext, securityHeaders];
  for (const middleware of leading) app.use(middleware);
  app.use(healthRoutes(deps));
  for (const router of deps.routers ?? []) app.use(router);
  app.use((req, _res, next) => next(new TandemError('NOT_FOUND', `No route for ${req.method} ${req.path}`)));
  app.use(problemHandler);
  // The health routes before them answer GET only, so a hot post is the first match for its path.
  if (deps.hotPosts !== false)
    dispatchHotPosts(app, {
      before: leading,
      posts: hotPostsOf(deps.routers ?? []),
      onError: problemHandler,
    });
  return app;
}
