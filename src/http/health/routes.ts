import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Pool } from '../../store/pool.js';
import { databaseReadiness } from '../../store/readiness.js';
import { registry } from '../../observability/metrics.js';
import { logger } from '../../logging/logger.js';

/** How long /ready waits for each dependency before calling it down. */
const READY_CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, label: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(
        () => reject(new Error(`${label} did not answer within ${READY_CHECK_TIMEOUT_MS} ms`)),
        READY_CHECK_TIMEOUT_MS,
      ).unref(),
    ),
  ]);
}

/** A failed check: anonymous callers read only that it is down; the cause (host, port, user) goes to the log. */
function down(dependency: string, error: Error): { ok: false; message: string } {
  logger.warn({ err: error, dependency }, 'readiness check failed');
  return { ok: false, message: /did not answer within/.test(error.message) ? 'timed out' : 'unreachable' };
}

/**
 * Liveness, readiness and metrics. None of them needs auth, so none of them may reveal tenant data:
 * /ready names failing dependencies, never connection strings.
 */
export function healthRoutes(deps: { pool: Pool; redis: Redis }): Router {
  const router = Router();

  // Liveness: no I/O, so a slow database never gets healthy instances restarted.
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/ready', async (_req, res) => {
    const checks: Record<string, { ok: boolean; message?: string }> = {};
    await Promise.all([
      withTimeout(
        (async () => {
          checks.migrations = (await databaseReadiness(deps.pool)).migrationsUpToDate
            ? { ok: true }
            : { ok: false, message: 'pending migrations; run `tandem migrate`' };
        })(),
        'postgres',
      ).then(
        () => {
          checks.postgres = { ok: true };
        },
        (error: Error) => {
          checks.postgres = down('postgres', error);
        },
      ),
      withTimeout(deps.redis.ping(), 'redis').then(
        () => {
          checks.redis = { ok: true };
        },
        (error: Error) => {
          checks.redis = down('redis', error);
        },
      ),
    ]);
    checks.migrations ??= { ok: false, message: 'not checked: postgres unreachable' };
    const ready = Object.values(checks).every((check) => check.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });

  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  return router;
}
