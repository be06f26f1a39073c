import { logger } from '../logging/logger.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { TandemError } from '../errors/tandem-error.js';
import {
  findSubscriptionByToken,
  findSubscriptionsByTokens,
  recordSubscriptionSightings,
  type SubscriptionRow,
} from './subscription-repository.js';
import { groupBy } from '../util/group-by.js';

/** How long a token's subscription is reused before it is read again (a retired one then answers Unsubscribe). */
const LOOKUP_CACHE_MS = 5_000;
/** How often what was seen is written to the subscription rows. */
const FLUSH_EVERY_MS = 1_000;
/** Bound on remembered subscriptions per process (watermarks and cached lookups). */
const MAX_REMEMBERED = 100_000;
/**
 * Unknown tokens are remembered briefly too, in a map of their own: anyone can send made-up
 * clientStates, and those must neither reach the database each time nor push real
 * subscriptions out of the cache. A subscription row exists before its token is handed to
 * Exchange or Graph, so a token unknown now does not become known within seconds.
 */
const MISS_CACHE_MS = 5_000;
const MAX_REMEMBERED_MISSES = 20_000;
/** Cold lookups (cache misses) in flight per process, and how many may wait: the pool belongs to every tenant. */
const COLD_LOOKUPS_IN_FLIGHT = 2;
const COLD_LOOKUPS_WAITING = 64;

interface Sighting {
  tenantId: string;
  seenAt: Date;
  watermark: string | undefined;
  gapAt: Date | undefined;
}

/**
 * What the notification endpoints learn about subscriptions, without a database write per push:
 * the subscription behind a token (cached for seconds), the watermark chain (a push whose
 * PreviousWatermark is not the last one seen means events were missed), and the last-seen time
 * that subscription maintenance watches. Sightings are written to the rows once a second in one
 * statement per tenant, so a busy mailbox's pushes no longer queue on its row's lock.
 *
 * Losing a second of sightings in a crash costs nothing durable: the triggers themselves are in
 * the inbox before the push is answered; a lost last-seen time is renewed by the next heartbeat; a
 * lost watermark makes a renewal replay a few events that change tracking recognises.
 */
export class NotificationSightings {
  private readonly lookups = new Map<string, { subscription: SubscriptionRow | undefined; until: number }>();
  private readonly misses = new Map<string, number>();
  private coldInFlight = 0;
  private readonly coldWaiting: Array<() => void> = [];
  private readonly watermarks = new Map<string, string>();
  private pending = new Map<string, Sighting>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: Pool,
    flushEveryMs = FLUSH_EVERY_MS,
  ) {
    this.timer = setInterval(() => void this.flush(), flushEveryMs);
    this.timer.unref();
  }

  /**
   * The subscription of a token looked up within the cache time, without waiting (undefined when it
   * must be read: subscriptionOf). A push answered from here may be up to LOOKUP_CACHE_MS late to
   * see its subscription retired or re-targeted by another process.
   */
  cachedSubscriptionOf(token: string): SubscriptionRow | undefined {
    const cached = this.lookups.get(token);
    return cached && cached.until > Date.now() ? cached.subscription : undefined;
  }

  /** The subscription a push's token belongs to (cached briefly; unknown tokens are not cached). */
  async subscriptionOf(token: string): Promise<SubscriptionRow | undefined> {
    const cached = this.cachedSubscriptionOf(token);
    if (cached) return cached;
    const subscription = await findSubscriptionByToken(this.pool, token);
    if (subscription) remember(this.lookups, token, { subscription, until: Date.now() + LOOKUP_CACHE_MS });
    return subscription;
  }

  /**
   * The subscriptions of many tokens (one Graph request carries up to 100 notifications): cached
   * ones from memory, the rest in one statement, with at most COLD_LOOKUPS_IN_FLIGHT such
   * statements per process at a time. When too many wait, 503 (Graph retries deliveries).
   */
  async subscriptionsOf(tokens: string[]): Promise<Map<string, SubscriptionRow>> {
    const now = Date.now();
    const found = new Map<string, SubscriptionRow>();
    const cold = new Set<string>();
    for (const token of tokens) {
      const cached = this.lookups.get(token);
      if (cached && cached.until > now) {
        if (cached.subscription) found.set(token, cached.subscription);
      } else if ((this.misses.get(token) ?? 0) <= now) {
        cold.add(token);
      }
    }
    if (cold.size === 0) return found;
    await this.coldSlot();
    try {
      const rows = await findSubscriptionsByTokens(this.pool, [...cold]);
      const until = Date.now();
      for (const token of cold) {
        const subscription = rows.get(token);
        if (subscription) {
          found.set(token, subscription);
          remember(this.lookups, token, { subscription, until: until + LOOKUP_CACHE_MS });
        } else {
          remember(this.misses, token, until + MISS_CACHE_MS, MAX_REMEMBERED_MISSES);
        }
      }
    } finally {
      this.releaseColdSlot();
    }
    return found;
  }

  private async coldSlot(): Promise<void> {
    if (this.coldInFlight < COLD_LOOKUPS_IN_FLIGHT) {
      this.coldInFlight++;
      return;
    }
    if (this.coldWaiting.length >= COLD_LOOKUPS_WAITING) {
      throw new TandemError('UNAVAILABLE', 'Too many notifications to check right now; retry later', {
        retryAfterMs: 1_000,
      });
    }
    await new Promise<void>((resolve) => this.coldWaiting.push(resolve));
  }

  private releaseColdSlot(): void {
    const next = this.coldWaiting.shift();
    if (next) next();
    else this.coldInFlight--;
  }

  /** Drops a cached lookup (the subscription was just retired in this process). */
  forget(token: string): void {
    this.lookups.delete(token);
  }

  /** Records a push; `gap` says its PreviousWatermark does not continue the chain seen so far. */
  record(subscription: SubscriptionRow, previousWatermark?: string, lastWatermark?: string): { gap: boolean } {
    const known = this.watermarks.get(subscription.id) ?? subscription.watermark ?? undefined;
    const gap = previousWatermark !== undefined && known !== undefined && known !== previousWatermark;
    if (lastWatermark !== undefined) remember(this.watermarks, subscription.id, lastWatermark);
    const now = new Date();
    const earlier = this.pending.get(subscription.id);
    this.pending.set(subscription.id, {
      tenantId: subscription.tenantId,
      seenAt: now,
      watermark: lastWatermark ?? earlier?.watermark,
      gapAt: gap ? now : earlier?.gapAt,
    });
    return { gap };
  }

  /** Writes what was seen since the last flush; failed writes are kept for the next one. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.write())
      .catch((error: unknown) => logger.warn({ err: error }, 'recording subscription sightings failed; will retry'));
    return this.flushing;
  }

  /** Stops the timer and writes what is left. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    for (const [tenantId, entries] of groupBy(batch, ([, sighting]) => sighting.tenantId)) {
      try {
        await withTenant(
          tenantId,
          (tx) =>
            recordSubscriptionSightings(
              tx,
              entries.map(([id, s]) => ({
                id,
                seenAt: s.seenAt,
                watermark: s.watermark ?? null,
                gapAt: s.gapAt ?? null,
              })),
            ),
          this.pool,
        );
      } catch (error) {
        // Keep them, unless newer sightings of the same subscription arrived meanwhile.
        for (const [id, sighting] of entries) if (!this.pending.has(id)) this.pending.set(id, sighting);
        throw error;
      }
    }
  }
}

/** Map insert that forgets the oldest entry beyond the bound (Maps iterate in insertion order). */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max = MAX_REMEMBERED): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}
