import { randomUUID } from 'node:crypto';
import express, { Router } from 'express';
import { TandemError } from '../../errors/tandem-error.js';
import { ewsNotificationResponse, parseEwsNotification } from '../../connectors/exchange/ews/notification-parser.js';
import { parseGraphNotifications } from '../../connectors/exchange/graph/notification-parser.js';
import type { InboxWriter } from '../../inbox/inbox-writer.js';
import { collapsingTrigger, type NewInboxEvent } from '../../inbox/inbox-event.js';
import { logger } from '../../logging/logger.js';
import { INBOX_EVENT_TYPES, subjects } from '../../inbox/subjects.js';
import type { Pool } from '../../store/pool.js';
import { withTenant } from '../../store/transaction.js';
import type { NotificationSightings } from '../../subscriptions/notification-sightings.js';
import type { SubscriptionRow } from '../../subscriptions/subscription-repository.js';
import { expireSubscriptionNow, retireSubscription } from '../../subscriptions/subscription-repository.js';
import { groupBy } from '../../util/group-by.js';
import { hotPost } from '../hot-routes.js';
import { PreparedBody } from '../prepared-response.js';

/**
 * Notifications for one folder arriving within the same second collapse into one catch-up run,
 * one to two seconds later (Microsoft advises batching; see collapsingTrigger).
 */
export const NOTIFICATION_WINDOW_MS = 1_000;
const XML_LIMIT = '1mb';
/** 100 notifications are some 40 kB; a larger body is refused before it is parsed. */
const GRAPH_BODY_LIMIT = '256kb';
/** Graph's validation tokens are short opaque strings; the echo is bounded. */
const MAX_VALIDATION_TOKEN_LENGTH = 1_024;

/** The two answers Exchange gets, prepared once (see PreparedBody). */
const EWS_ANSWERS = {
  OK: new PreparedBody('text/xml; charset=utf-8', ewsNotificationResponse('OK')),
  Unsubscribe: new PreparedBody('text/xml; charset=utf-8', ewsNotificationResponse('Unsubscribe')),
};

function sendEws(res: express.Response, status: 'OK' | 'Unsubscribe'): void {
  EWS_ANSWERS[status].send(res, 200);
}

/**
 * Where Exchange and Graph post change notifications. Both answer within milliseconds: they only
 * authenticate the call (the unguessable token in the EWS path; Graph's clientState), store a
 * "folder changed" trigger durably, and let the worker run change tracking. What the pushes say
 * about their subscriptions (last seen, watermark) is recorded in batches by `sightings`.
 */
export function notificationRoutes(deps: { pool: Pool; inbox: InboxWriter; sightings: NotificationSightings }): Router {
  const router = Router();

  /** Answers a push of `subscription` (undefined: unknown token); a promise only when it writes. */
  function acceptEws(
    subscription: SubscriptionRow | undefined,
    body: unknown,
    res: express.Response,
  ): void | Promise<void> {
    // Unknown or retired: tell Exchange to stop calling (EWS push has no other way to end).
    if (!subscription || subscription.state === 'retired') return sendEws(res, 'Unsubscribe');
    const notification = parseEwsNotification(typeof body === 'string' ? body : '');
    if (subscription.remoteId && notification.remoteSubscriptionId !== subscription.remoteId) {
      return sendEws(res, 'Unsubscribe');
    }
    const { gap } = deps.sightings.record(subscription, notification.previousWatermark, notification.lastWatermark);
    if (notification.heartbeat && !gap) return sendEws(res, 'OK');
    const subject = subjects.folder(subscription.mailboxId, subscription.folder);
    const eventId = `${notification.remoteSubscriptionId}:${notification.lastWatermark ?? randomUUID()}`;
    return deps.inbox
      .write([
        {
          tenantId: subscription.tenantId,
          source: 'ews',
          eventId,
          type: INBOX_EVENT_TYPES.folderChanged,
          subject,
          payload: {
            items: notification.itemIds.slice(0, 50),
            previousWatermark: notification.previousWatermark,
            lastWatermark: notification.lastWatermark,
            gap,
          },
          correlationId: eventId,
          ...collapsingTrigger(subject, NOTIFICATION_WINDOW_MS),
        },
      ])
      .then(() => sendEws(res, 'OK'));
  }

  // A plain function that returns a promise only when it waits (a subscription read, an inbox
  // write): a thrown error or a rejected promise reaches the problem handler alike.
  hotPost(router, '/ews/notifications/:token', express.text({ type: () => true, limit: XML_LIMIT }), (req, res) => {
    const token = String(req.params.token);
    const cached = deps.sightings.cachedSubscriptionOf(token);
    if (cached) return acceptEws(cached, req.body, res);
    return deps.sightings.subscriptionOf(token).then((subscription) => acceptEws(subscription, req.body, res));
  });

  // Graph validation handshake: echo the token as text/plain within 10 s, on both endpoints
  // (learn.microsoft.com/graph/change-notifications-delivery-webhooks, "Notification endpoint validation").
  // Anyone can call this, so the echo is bounded and can never be read as HTML or script.
  const handshake: express.RequestHandler = (req, res, next) => {
    const token = req.query.validationToken;
    if (typeof token === 'string') {
      if (token.length > MAX_VALIDATION_TOKEN_LENGTH)
        throw new TandemError('BAD_REQUEST', `validationToken longer than ${MAX_VALIDATION_TOKEN_LENGTH} characters`);
      res.status(200).set('X-Content-Type-Options', 'nosniff').type('text/plain; charset=utf-8').send(token);
      return;
    }
    next();
  };

  async function acceptGraph(body: unknown, lifecycle: boolean): Promise<void> {
    const events: NewInboxEvent[] = [];
    const notifications = parseGraphNotifications(body);
    // Every clientState of the request in one lookup (cached hits and misses need none).
    const subscriptions = await deps.sightings.subscriptionsOf([
      ...new Set(notifications.flatMap((n) => (n.clientState ? [n.clientState] : []))),
    ]);
    for (const notification of notifications) {
      const subscription = notification.clientState ? subscriptions.get(notification.clientState) : undefined;
      // A wrong clientState is not from our subscription: drop it, never process it.
      if (!subscription || !subscription.remoteId?.split(',').includes(notification.subscriptionId)) {
        logger.warn(
          { subscriptionId: notification.subscriptionId },
          'graph notification with unknown subscription or clientState dropped',
        );
        continue;
      }
      if (lifecycle && notification.lifecycleEvent === 'subscriptionRemoved') {
        // The maintenance run re-creates retired subscriptions of enabled users, then catches up.
        await withTenant(subscription.tenantId, (tx) => retireSubscription(tx, subscription.id), deps.pool);
        deps.sightings.forget(notification.clientState!);
      } else if (lifecycle && notification.lifecycleEvent === 'reauthorizationRequired') {
        await withTenant(subscription.tenantId, (tx) => expireSubscriptionNow(tx, subscription.id), deps.pool);
      } else {
        deps.sightings.record(subscription);
      }
      const eventId = `${notification.subscriptionId}:${notification.lifecycleEvent ?? notification.changeType ?? 'change'}:${notification.resourceId ?? randomUUID()}:${Date.now()}`;
      const subject = subjects.folder(subscription.mailboxId, subscription.folder);
      events.push({
        tenantId: subscription.tenantId,
        source: 'graph',
        eventId,
        type: INBOX_EVENT_TYPES.folderChanged,
        subject,
        payload: { lifecycleEvent: notification.lifecycleEvent ?? null, resourceId: notification.resourceId ?? null },
        correlationId: eventId,
        ...collapsingTrigger(subject, NOTIFICATION_WINDOW_MS),
      });
    }
    // One write per tenant: the writer groups by the first event's tenant.
    await Promise.all([...groupBy(events, (event) => event.tenantId).values()].map((batch) => deps.inbox.write(batch)));
  }

  router.post('/graph/notifications', handshake, express.json({ limit: GRAPH_BODY_LIMIT }), async (req, res) => {
    await acceptGraph(req.body, false);
    res.status(202).end();
  });
  router.post('/graph/lifecycle', handshake, express.json({ limit: GRAPH_BODY_LIMIT }), async (req, res) => {
    await acceptGraph(req.body, true);
    res.status(202).end();
  });
  return router;
}
