/* eslint-disable @typescript-eslint/no-explicit-any -- ews-javascript-api's change collections are loosely typed. */
import { escapeXml as x } from './xml-escape.js';
import type { ChangePage, ItemKind, MailboxAddress, RemoteSubscription, SubscriptionRequest } from '../types.js';
import { BasePropertySet, ChangeType, EventType, PropertySet, SyncFolderItemsScope, Uri } from './ews-lib.js';
import type { EwsContext } from './ews-context.js';
import { isTandemError } from '../../../errors/tandem-error.js';
import { changePageFromXml, syncFolderItemsRequest } from './soap-sync.js';

/** SyncFolderItems maximum per call (MaxChangesReturned allows 1–512, "SyncFolderItems operation"). */
export const MAX_CHANGES_RETURNED = 512;
export const DEFAULT_STATUS_FREQUENCY_MINUTES = 1;

/**
 * One page of SyncFolderItems, IdOnly: ids only, the caller reads what it needs in batches. An
 * expired or foreign sync state comes back as ErrorInvalidSyncStateData → EXCHANGE_INVALID_SYNC_STATE.
 * Written and read by Tandem (soap-sync.ts) where the connector speaks its own SOAP, else by the library.
 */
export async function changesSince(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  kind: ItemKind,
  syncState: string | undefined,
): Promise<ChangePage> {
  if (ctx.ownSoap) {
    return ctx.withFolderRetry([kind], async () => {
      const request = syncFolderItemsRequest(await ctx.folderXml(mailbox, kind), syncState, MAX_CHANGES_RETURNED);
      return ctx.soap(mailbox, { operation: 'SyncFolderItems', idempotent: true }, request, changePageFromXml);
    });
  }
  return ctx.withFolderRetry([kind], async () =>
    changesIn(ctx, mailbox, await ctx.folderFor(mailbox, kind), syncState),
  );
}

async function changesIn(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  folder: unknown,
  syncState: string | undefined,
): Promise<ChangePage> {
  return ctx.call(mailbox, { operation: 'SyncFolderItems', idempotent: true }, async (service) => {
    const changes = await service.SyncFolderItems(
      folder as never,
      new PropertySet(BasePropertySet.IdOnly),
      null as never,
      MAX_CHANGES_RETURNED,
      SyncFolderItemsScope.NormalItems,
      syncState !== undefined ? x(syncState) : (null as never),
    );
    return pageFromLibrary(changes);
  });
}

/** The page of changes of the library's change collection. */
export function pageFromLibrary(changes: any): ChangePage {
  const page: ChangePage = {
    created: [],
    updated: [],
    deleted: [],
    changeKeys: {},
    syncState: changes.SyncState,
    moreAvailable: changes.MoreChangesAvailable,
  };
  for (const change of changes.GetEnumerator() as any[]) {
    const id = change.ItemId?.UniqueId ?? change.Id?.UniqueId;
    if (!id) continue;
    if (change.ChangeType === ChangeType.Delete) {
      page.deleted.push(id);
      continue;
    }
    const changeKey: string | undefined = (change.ItemId ?? change.Id)?.ChangeKey;
    if (changeKey) page.changeKeys![id] = changeKey;
    if (change.ChangeType === ChangeType.Create) page.created.push(id);
    // ReadFlagChange only concerns mail; for our folders it is a plain update.
    else page.updated.push(id);
  }
  return page;
}

/** Push subscriptions: one per mailbox covering the folders of the requested kinds. */
export async function subscribe(ctx: EwsContext, request: SubscriptionRequest): Promise<RemoteSubscription> {
  return ctx.withFolderRetry(request.kinds, () => subscribeOnce(ctx, request));
}

async function subscribeOnce(ctx: EwsContext, request: SubscriptionRequest): Promise<RemoteSubscription> {
  const folders = await Promise.all(request.kinds.map((kind) => ctx.folderFor(request.mailbox, kind)));
  const frequency = request.statusFrequencyMinutes ?? DEFAULT_STATUS_FREQUENCY_MINUTES;
  return ctx.call(request.mailbox, { operation: 'Subscribe', idempotent: false }, async (service) => {
    const subscription = await service.SubscribeToPushNotifications(
      folders,
      new Uri(x(request.callbackUrl)),
      frequency,
      request.watermark !== undefined ? x(request.watermark) : (null as never),
      EventType.Created,
      EventType.Modified,
      EventType.Deleted,
      EventType.Moved,
      EventType.Copied,
    );
    const result: RemoteSubscription = { remoteId: subscription.Id };
    if (subscription.Watermark) result.watermark = subscription.Watermark;
    return result;
  });
}

/**
 * EWS push subscriptions cannot be extended: renewing is subscribing again from the last
 * watermark (Exchange replays what happened since), then ending the old one.
 */
export async function renewSubscription(
  ctx: EwsContext,
  request: SubscriptionRequest,
  current: RemoteSubscription,
): Promise<RemoteSubscription> {
  const watermark = request.watermark ?? current.watermark;
  const renewed = await subscribe(ctx, { ...request, ...(watermark ? { watermark } : {}) });
  await unsubscribe(ctx, request.mailbox, current);
  return renewed;
}

/**
 * Exchange documents Unsubscribe for pull and streaming subscriptions; a push subscription
 * definitively ends when our endpoint answers SendNotificationResult=Unsubscribe. We still send
 * Unsubscribe (servers that know it end the subscription at once) and treat "unknown
 * subscription" as already done; the web endpoint answers Unsubscribe for ids it no longer knows.
 */
export async function unsubscribe(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  subscription: RemoteSubscription,
): Promise<void> {
  try {
    await ctx.call(mailbox, { operation: 'Unsubscribe', idempotent: true }, async (service) => {
      await (service as any).Unsubscribe(x(subscription.remoteId));
    });
  } catch (error) {
    if (isTandemError(error, 'EXCHANGE_SUBSCRIPTION_NOT_FOUND') || isTandemError(error, 'EXCHANGE_BAD_REQUEST')) return;
    throw error;
  }
}
