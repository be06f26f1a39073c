import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { outboundPolicyOf, type Config } from '../config/config.js';
import { setOutboundPolicy } from '../security/outbound.js';
import { createApp } from '../http/app.js';
import { createTokenVerifier } from '../http/auth/authenticate.js';
import { s4EventRoutes } from '../http/s4-events/routes.js';
import { provisioningRoutes } from '../http/provisioning/routes.js';
import { adminRoutes } from '../http/admin/routes.js';
import { cockpitRoutes } from '../http/cockpit/routes.js';
import { SecretBox } from '../security/secret-box.js';
import { TenantRateLimit } from '../http/auth/tenant-rate-limit.js';
import { notificationRoutes } from '../http/notifications/routes.js';
import { InboxWriter } from '../inbox/inbox-writer.js';
import { NotificationSightings } from '../subscriptions/notification-sightings.js';
import { logger } from '../logging/logger.js';
import { createQueues } from '../queue/queues.js';
import { createProvisioningQueue } from '../tenants/provisioning-queue.js';
import { createProducerRedis, redisReady } from '../queue/redis.js';
import { CallbackCredentialVerifier } from '../security/callback-credentials.js';
import { createPool, type Pool } from '../store/pool.js';

export interface RunningWeb {
  url: string;
  port: number;
  server: Server;
  pool: Pool;
  redis: Redis;
  stop(): Promise<void>;
}

/** Starts `web`: ingestion, admin API, cockpit, provisioning, health. Stateless; scale out. */
export async function startWeb(
  config: Config,
  options: {
    port?: number;
    host?: string;
    cockpitDirs?: string[];
    /** false: the ingestion POSTs go through Express's router too (see createApp). */
    hotPosts?: boolean;
  } = {},
): Promise<RunningWeb> {
  logger.level = config.logLevel;
  setOutboundPolicy(outboundPolicyOf(config));
  const pool = createPool(config.databaseUrl);
  // Web only produces: its Redis commands fail fast while Redis is away instead of queueing in
  // memory (the inbox in Postgres is the queue of record; the worker's sweeper catches up).
  const redis = createProducerRedis(config.redis);
  const queues = createQueues(redis, config.queuePrefix, config.laneCaps);
  const provisioningQueue = createProvisioningQueue(redis, config.queuePrefix);
  const inbox = new InboxWriter(pool, queues.lanes, { queueReady: () => redisReady(redis) });
  const sightings = new NotificationSightings(pool);
  const verifyToken = createTokenVerifier(config);
  const secretBox = new SecretBox(config.secretKeys);
  const app = createApp({
    pool,
    redis,
    trustProxyHops: config.trustProxyHops,
    ...(options.hotPosts === false ? { hotPosts: false } : {}),
    routers: [
      s4EventRoutes({
        pool,
        inbox,
        credentials: new CallbackCredentialVerifier(pool),
        verifyToken,
        tenantLimit: new TenantRateLimit(config.tenantEventsPerSecond, config.tenantEventsPerSecond * 5),
      }),
      notificationRoutes({ pool, inbox, sightings }),
      provisioningRoutes({ pool, config, verifyToken, provisioningQueue }),
      adminRoutes({
        pool,
        redis,
        secretBox,
        inbox,
        queues,
        verifyToken,
        keyPrefix: config.queuePrefix,
      }),
      cockpitRoutes(options.cockpitDirs ? { dirs: options.cockpitDirs } : {}),
    ],
  });
  // Dev tokens are signed with a secret anyone can read: in dev mode only this machine may call.
  const host = options.host ?? (config.authMode === 'dev' ? '127.0.0.1' : '0.0.0.0');
  const server = app.listen(options.port ?? config.port, host);
  await once(server, 'listening');
  // Slightly longer than typical load-balancer idle timeouts, so they close first and never hit a closed socket.
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  logger.info({ port, host }, 'web listening');
  return {
    url,
    port,
    server,
    pool,
    redis,
    async stop() {
      await closeServer(server);
      await sightings.stop();
      await queues.close();
      await provisioningQueue.close();
      await redis.quit().catch(() => undefined);
      await pool.end();
    },
  };
}

/** How long requests in progress may take to finish when the web app stops. */
const STOP_GRACE_MS = 5_000;

/**
 * Stops taking requests and closes every connection within a bounded time. Keep-alive callers
 * (Exchange pushing notifications, S/4 posting events) reuse their connections, so closing only
 * the idle ones once could wait forever: idle ones are closed as they become idle, and whatever
 * is still open after the grace period is cut (callers retry elsewhere; nothing acknowledged is lost).
 */
async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const idle = setInterval(() => server.closeIdleConnections(), 100);
  const cut = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
  server.closeIdleConnections();
  await closed;
  clearInterval(idle);
  clearTimeout(cut);
}
