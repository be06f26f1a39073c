import { EventEmitter } from 'node:events';
import { createApp } from '../http/app.js';
import { createTokenVerifier } from '../http/auth/authenticate.js';
import { TenantRateLimit } from '../http/auth/tenant-rate-limit.js';
import { notificationRoutes } from '../http/notifications/routes.js';
import { s4EventRoutes } from '../http/s4-events/routes.js';
import type { InboxWriter } from '../inbox/inbox-writer.js';
import type { NewInboxEvent } from '../inbox/inbox-event.js';
import { CallbackCredentialVerifier, hashSecret } from '../security/callback-credentials.js';
import type { Pool } from '../store/pool.js';
import type { NotificationSightings } from '../subscriptions/notification-sightings.js';
import type { SubscriptionRow } from '../subscriptions/subscription-repository.js';

/**
 * Tandem's ingestion edge without storage, for `tandem bench --only edge`: the real app, routes,
 * authentication, validation and XML parse, with the inbox and the subscription lookups answered
 * from memory. What it costs per request minus the bare server's cost is the edge's own work,
 * measured without Postgres, Redis and the group commit (which `--only ingestion` includes).
 * BENCH_ONLY: the stand-ins below store nothing and must never serve real traffic.
 */
export const EDGE_USER = 'BENCH_EDGE';
export const EDGE_PASSWORD = 'bench-edge-password';
export const EDGE_SUBSCRIPTION = 'BENCH-SUB-EDGE';

/** Starts the server on PORT; run-bench starts it as a child process. */
export async function serveEdge(port: number): Promise<void> {
  const secretHash = await hashSecret(EDGE_PASSWORD);
  /** Answers the credential lookup (the only statement the edge runs on the first request) from memory. */
  const client = Object.assign(new EventEmitter(), {
    query: async () => ({ rows: [{ tenant_id: 'bench', secret_hash: secretHash }] }),
    release: () => undefined,
  });
  const pool = { connect: async () => client, query: client.query } as unknown as Pool;
  const inbox = {
    write: async (events: NewInboxEvent[]) => ({ accepted: events.length, duplicates: 0 }),
  } as unknown as InboxWriter;
  const subscription: SubscriptionRow = {
    id: 'sub',
    tenantId: 'bench',
    mailboxId: 'mailbox',
    folder: 'calendar',
    backend: 'ews',
    remoteId: EDGE_SUBSCRIPTION,
    watermark: null,
    statusFrequencyMinutes: 5,
    lastNotificationAt: null,
    expiresAt: null,
    state: 'active',
  };
  const sightings = {
    // As a busy subscription's lookups are: cached after the first.
    cachedSubscriptionOf: () => subscription,
    subscriptionOf: async () => subscription,
    record: () => ({ gap: false }),
  } as unknown as NotificationSightings;

  const app = createApp({
    pool,
    redis: {} as never,
    routers: [
      s4EventRoutes({
        pool,
        inbox,
        credentials: new CallbackCredentialVerifier(pool),
        verifyToken: createTokenVerifier({ authMode: 'dev', devTokenSecret: 'bench', services: {} } as never),
        tenantLimit: new TenantRateLimit(1_000_000, 5_000_000),
      }),
      notificationRoutes({ pool, inbox, sightings }),
    ],
  });
  app.listen(port, '127.0.0.1');
}

if (process.argv[1]?.endsWith('edge-server.ts')) {
  // Exit (rather than die of the signal) so that --cpu-prof writes its profile.
  process.on('SIGTERM', () => process.exit(0));
  await serveEdge(Number(process.env.PORT ?? 0));
}
