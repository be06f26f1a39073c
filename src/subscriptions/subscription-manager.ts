import type { Queue } from 'bullmq';
import { DEFAULT_STATUS_FREQUENCY_MINUTES } from '../connectors/exchange/ews/change-tracking.js';
import type { ItemKind, SubscriptionRequest } from '../connectors/exchange/types.js';
import { isTandemError } from '../errors/tandem-error.js';
import { writeJournal } from '../journal/journal.js';
import { markAccessDenied, mailboxRefusal } from '../mailboxes/mailbox-access.js';
import { markMailboxFailing, markMailboxInSync } from '../mailboxes/mailbox-repository.js';
import { logger } from '../logging/logger.js';
import type { InboxWriter } from '../inbox/inbox-writer.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import type { TenantContexts } from '../reconcile/tenant-context.js';
import { FOLDER_OF_KIND, INBOX_EVENT_TYPES, subjects } from '../inbox/subjects.js';
import {
  activateSubscription,
  createPendingSubscription,
  dueSubscriptions,
  extendSubscription,
  foldersWithoutSubscription,
  liveSubscriptions,
  retireSubscription,
  staleSubscriptions,
  type SubscriptionRow,
} from './subscription-repository.js';

export interface SubscriptionManagerDeps {
  pool: Pool;
  contexts: TenantContexts;
  inbox: InboxWriter;
  /** Public base URL of `web`, where Exchange and Graph post. */
  publicUrl: string;
  /**
   * EWS heartbeat interval asked for (StatusFrequency, minutes; default 1, the protocol's minimum).
   * It bounds how long a lost subscription goes unnoticed (SILENT_HEARTBEATS intervals), hence the
   * blind window after an Exchange restart: see docs/operations.md "Blind windows".
   */
  statusFrequencyMinutes?: number;
  /** Multiplies the silence threshold, matching an emulator run with --time-scale; 1 in production. */
  timeScale?: number;
  /** Mailboxes (de)subscribed per maintenance run: spreads 10,000 mailboxes over runs instead of one burst. */
  batchSize?: number;
}

/**
 * Keeps every enabled user's folders subscribed (missed notifications are
 * recovered): subscribes new users, renews or re-creates subscriptions that went silent or are
 * about to expire, unsubscribes disabled users — and after every gap queues a catch-up run, so
 * what happened meanwhile is replayed from the stored sync state.
 */
export class SubscriptionManager {
  constructor(private readonly deps: SubscriptionManagerDeps) {}

  private callbackFor(
    backend: 'ews' | 'graph',
    token: string,
  ): Pick<SubscriptionRequest, 'callbackUrl' | 'clientState' | 'lifecycleUrl'> {
    return backend === 'ews'
      ? { callbackUrl: `${this.deps.publicUrl}/ews/notifications/${token}` }
      : {
          callbackUrl: `${this.deps.publicUrl}/graph/notifications`,
          clientState: token,
          lifecycleUrl: `${this.deps.publicUrl}/graph/lifecycle`,
        };
  }

  /** Subscribes one folder of a user; the row exists before Exchange can call back. */
  async subscribe(tenantId: string, mailboxId: string, kind: ItemKind, replacing?: SubscriptionRow): Promise<void> {
    const ctx = await this.deps.contexts.get(tenantId);
    const mailbox = ctx.byId(mailboxId);
    if (!mailbox) return;
    const connector = await ctx.connectorFor(mailbox);
    const folder = FOLDER_OF_KIND[kind];
    if (replacing) await withTenant(tenantId, (tx) => retireSubscription(tx, replacing.id), this.deps.pool);
    const pending = await withTenant(
      tenantId,
      (tx) => createPendingSubscription(tx, { tenantId, mailboxId, folder, backend: connector.backend }),
      this.deps.pool,
    );
    const request: SubscriptionRequest = {
      mailbox: { smtpAddress: mailbox.smtp },
      kinds: [kind],
      statusFrequencyMinutes: this.deps.statusFrequencyMinutes ?? DEFAULT_STATUS_FREQUENCY_MINUTES,
      ...this.callbackFor(connector.backend, pending.token),
      ...(replacing?.watermark && connector.backend === 'ews' ? { watermark: replacing.watermark } : {}),
    };
    try {
      const remote = await connector.subscribe(request).catch((error: unknown) => {
        // Exchange no longer knows the watermark (older than its retention, or the server was
        // rebuilt): subscribe from now. Nothing is lost — the catch-up below replays the folder
        // from Tandem's own sync state, which does not depend on the watermark.
        if (!request.watermark || !isTandemError(error, 'EXCHANGE_INVALID_WATERMARK')) throw error;
        const { watermark: _expired, ...fromNow } = request;
        return connector.subscribe(fromNow);
      });
      await withTenant(
        tenantId,
        async (tx) => {
          await activateSubscription(
            tx,
            pending.id,
            remote,
            connector.backend === 'ews' ? request.statusFrequencyMinutes : undefined,
          );
          await markMailboxInSync(tx, mailboxId);
        },
        this.deps.pool,
      );
    } catch (error) {
      const refusal = mailboxRefusal(error);
      if (refusal) {
        // Exchange refuses this one mailbox (access policy, RBAC scope, impersonation scope): the user
        // shows it and waits for the access probe instead of failing and being retried every run.
        await withTenant(tenantId, (tx) => retireSubscription(tx, pending.id), this.deps.pool);
        await markAccessDenied(this.deps.pool, tenantId, mailboxId, refusal);
        throw error;
      }
      await withTenant(
        tenantId,
        async (tx) => {
          await retireSubscription(tx, pending.id);
          await markMailboxFailing(tx, mailboxId, {
            code: (error as { code?: string }).code ?? 'INTERNAL',
            message: (error as Error).message,
            at: new Date().toISOString(),
          });
        },
        this.deps.pool,
      );
      throw error;
    }
    if (replacing) await this.queueCatchUp(tenantId, mailboxId, kind, 'subscription.renewed');
  }

  /** Queues a catch-up run for a folder (a gap, a renewal, a lifecycle event). */
  async queueCatchUp(tenantId: string, mailboxId: string, kind: ItemKind, reason: string): Promise<void> {
    const eventId = `catchup:${mailboxId}:${FOLDER_OF_KIND[kind]}:${Date.now()}`;
    await this.deps.inbox.write([
      {
        tenantId,
        source: 'system',
        eventId,
        type: INBOX_EVENT_TYPES.folderChanged,
        subject: subjects.folder(mailboxId, FOLDER_OF_KIND[kind]),
        payload: { reason },
        correlationId: eventId,
      },
    ]);
  }

  /** One maintenance pass over all tenants; returns what it did (for logs and tests). */
  async maintain(): Promise<{ subscribed: number; renewed: number; unsubscribed: number; failed: number }> {
    const counts = { subscribed: 0, renewed: 0, unsubscribed: 0, failed: 0 };
    const limit = this.deps.batchSize ?? 200;
    const missing = await foldersWithoutSubscription(this.deps.pool, limit);
    for (const row of missing) {
      try {
        await this.subscribe(row.tenant_id, row.mailbox_id, row.kind);
        counts.subscribed++;
      } catch (error) {
        counts.failed++;
        logger.warn({ err: error, tenantId: row.tenant_id, mailboxId: row.mailbox_id }, 'subscribe failed; will retry');
      }
    }
    for (const due of await dueSubscriptions(this.deps.pool, {
      expiryMarginMinutes: 60,
      pendingAfterMinutes: 5,
      limit,
      timeScale: this.deps.timeScale ?? 1,
    })) {
      try {
        await this.renew(due);
        counts.renewed++;
      } catch (error) {
        counts.failed++;
        const refusal = mailboxRefusal(error);
        if (refusal) await markAccessDenied(this.deps.pool, due.tenantId, due.mailboxId, refusal);
        logger.warn({ err: error, tenantId: due.tenantId, subscriptionId: due.id }, 'renewal failed; will retry');
      }
    }
    const stale = await staleSubscriptions(this.deps.pool, limit);
    for (const row of stale) {
      // Ended at Exchange first where it can be: a Graph subscription of a disabled user would otherwise
      // keep posting until it expires (days). EWS push ends with the next notification answered
      // `Unsubscribe`, which retiring arranges; its Unsubscribe call is a courtesy.
      const ended = await this.endRemote(row.tenant_id, row.mailbox_id, row.id);
      if (!ended) {
        counts.failed++;
        continue;
      }
      await withTenant(row.tenant_id, (tx) => retireSubscription(tx, row.id), this.deps.pool);
      counts.unsubscribed++;
    }
    return counts;
  }

  private async renew(subscription: SubscriptionRow): Promise<void> {
    const kind = ({ calendar: 'appointment', tasks: 'task', contacts: 'contact' } as const)[subscription.folder];
    const ctx = await this.deps.contexts.get(subscription.tenantId);
    const mailbox = ctx.byId(subscription.mailboxId);
    if (!mailbox) return;
    const connector = await ctx.connectorFor(mailbox);
    if (connector.backend === 'graph' && subscription.state === 'active' && subscription.remoteId) {
      // Graph subscriptions are extended in place; the callback secret stays the same.
      const remote = await connector.renewSubscription(
        {
          mailbox: { smtpAddress: mailbox.smtp },
          kinds: [kind],
          callbackUrl: `${this.deps.publicUrl}/graph/notifications`,
        },
        {
          remoteId: subscription.remoteId,
          ...(subscription.expiresAt ? { expiresAt: subscription.expiresAt.toISOString() } : {}),
        },
      );
      await withTenant(
        subscription.tenantId,
        (tx) => extendSubscription(tx, subscription.id, remote.expiresAt ?? null),
        this.deps.pool,
      );
      return;
    }
    // EWS push subscriptions cannot be extended: subscribe again from the last watermark (Exchange replays since then).
    await withTenant(
      subscription.tenantId,
      (tx) =>
        writeJournal(tx, subscription.tenantId, [
          {
            mailboxId: subscription.mailboxId,
            objectKind: 'mailbox',
            outcome: 'info',
            reason: 'subscription.resubscribed',
            details: { folder: subscription.folder, lastNotificationAt: subscription.lastNotificationAt },
          },
        ]),
      this.deps.pool,
    );
    await this.subscribe(subscription.tenantId, subscription.mailboxId, kind, subscription);
  }

  /** Ends a user's subscriptions (user removed or disabled); items stay in the mailbox. */
  async unsubscribeMailbox(tenantId: string, mailboxId: string): Promise<void> {
    const live = await withTenant(tenantId, (tx) => liveSubscriptions(tx, mailboxId), this.deps.pool);
    for (const subscription of live) {
      if (await this.endRemote(tenantId, mailboxId, subscription.id))
        await withTenant(tenantId, (tx) => retireSubscription(tx, subscription.id), this.deps.pool);
    }
  }

  /**
   * Deletes one subscription at Exchange through the user's current environment. True when it is
   * gone (or never was remote, or belongs to the other backend after a move — then it lapses: Graph
   * notifications with a retired clientState are dropped, EWS ones answered `Unsubscribe`).
   */
  private async endRemote(tenantId: string, mailboxId: string, subscriptionId: string): Promise<boolean> {
    const row = (await withTenant(tenantId, (tx) => liveSubscriptions(tx, mailboxId), this.deps.pool)).find(
      (s) => s.id === subscriptionId,
    );
    if (!row?.remoteId) return true;
    try {
      const ctx = await this.deps.contexts.get(tenantId);
      const mailbox = ctx.byId(mailboxId);
      if (!mailbox) return true;
      const connector = await ctx.connectorFor(mailbox);
      if (connector.backend !== row.backend) return true;
      await connector.unsubscribe({ smtpAddress: mailbox.smtp }, { remoteId: row.remoteId });
      return true;
    } catch (error) {
      // EWS push needs no call to end; Graph is retried at the next run rather than left posting.
      if (row.backend === 'ews') return true;
      logger.warn({ err: error, tenantId, mailboxId, subscriptionId }, 'unsubscribe failed; will retry');
      return false;
    }
  }
}

export const SUBSCRIPTION_MAINTENANCE_SCHEDULER = 'subscription-maintenance';

/** Schedules maintenance with a BullMQ job scheduler: one run every `everyMs` across all workers. */
export async function scheduleSubscriptionMaintenance(queue: Queue, everyMs: number): Promise<void> {
  await queue.upsertJobScheduler(
    SUBSCRIPTION_MAINTENANCE_SCHEDULER,
    { every: everyMs },
    { name: 'maintain-subscriptions', opts: { removeOnComplete: true, removeOnFail: 100 } },
  );
}
