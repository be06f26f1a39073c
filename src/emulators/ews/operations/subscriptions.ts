import { child, childText, children, esc } from '../xml.js';
import { decodeWatermark, encodeWatermark } from '../store.js';
import { ItemError, operationResponse } from '../soap.js';
import { folderIdsIn, mayAccessMailbox, resolveFolder, type OpContext } from '../context.js';
import { perItem } from './items.js';

const EVENT_TYPES = new Set([
  'CopiedEvent',
  'CreatedEvent',
  'DeletedEvent',
  'ModifiedEvent',
  'MovedEvent',
  'NewMailEvent',
  'FreeBusyChangedEvent',
]);

/**
 * Subscribe ("Subscribe operation"): push subscriptions only. A Watermark resumes after that
 * event; one outside the retention window or not issued by this mailbox is ErrorInvalidWatermark.
 */
export function subscribe(ctx: OpContext): string {
  const op = ctx.op;
  return operationResponse(
    'Subscribe',
    perItem('Subscribe', () => {
      const req = child(op, 'PushSubscriptionRequest');
      if (!req) {
        const kind = child(op, 'PullSubscriptionRequest')
          ? 'Pull'
          : child(op, 'StreamingSubscriptionRequest')
            ? 'Streaming'
            : 'This';
        throw new ItemError(
          'ErrorInvalidSubscriptionRequest',
          `${kind} subscriptions are not supported by the Tandem EWS emulator; use push subscriptions.`,
        );
      }
      const url = childText(req, 'URL');
      if (!url || !/^https?:\/\//.test(url))
        throw new ItemError('ErrorInvalidPushSubscriptionUrl', 'The push subscription URL is invalid.');
      const freqText = childText(req, 'StatusFrequency');
      const freq = freqText === undefined ? 30 : Number(freqText);
      if (!Number.isInteger(freq) || freq < 1 || freq > 1440)
        throw new ItemError('ErrorInvalidArgument', 'StatusFrequency must be 1..1440 minutes.');
      const eventTypes = new Set(children(child(req, 'EventTypes'), 'EventType').map((e) => e.text.trim()));
      if (eventTypes.size === 0 || [...eventTypes].some((t) => !EVENT_TYPES.has(t)))
        throw new ItemError('ErrorInvalidArgument', 'EventTypes must name at least one valid event type.');
      const all = req.attrs.SubscribeToAllFolders === 'true';
      const fids = folderIdsIn(child(req, 'FolderIds'));
      let mbx = ctx.caller.mailbox;
      const folders = new Set<string>();
      for (const fid of fids) {
        const r = resolveFolder(ctx, fid);
        mbx = r.mbx;
        folders.add(r.folder.id);
      }
      if (!all && folders.size === 0)
        throw new ItemError(
          'ErrorInvalidSubscriptionRequest',
          'A subscription needs FolderIds or SubscribeToAllFolders.',
        );
      const wmText = childText(req, 'Watermark');
      let cursor = mbx.seq;
      if (wmText) {
        const seq = decodeWatermark(mbx, wmText);
        if (seq === undefined || !ctx.store.watermarkRetained(mbx, seq))
          throw new ItemError(
            'ErrorInvalidWatermark',
            'The watermark used for creating this subscription was not recognized.',
          );
        cursor = seq;
      }
      const sub = ctx.push.subscribe(mbx, all ? 'all' : folders, eventTypes, url, freq, cursor);
      return `<m:SubscriptionId>${esc(sub.id)}</m:SubscriptionId><m:Watermark>${encodeWatermark(mbx, cursor)}</m:Watermark>`;
    }),
  );
}

export function unsubscribe(ctx: OpContext): string {
  return operationResponse(
    'Unsubscribe',
    perItem('Unsubscribe', () => {
      const id = childText(ctx.op, 'SubscriptionId') ?? '';
      const sub = ctx.push.subscriptions.get(id);
      if (!sub) throw new ItemError('ErrorSubscriptionNotFound', 'The specified subscription was not found.');
      if (!mayAccessMailbox(ctx.caller, sub.mailbox)) throw new ItemError('ErrorAccessDenied', 'Access is denied.');
      ctx.push.unsubscribe(id);
      return '';
    }),
  );
}
