import { XMLParser } from 'fast-xml-parser';
import { TandemError } from '../../../errors/tandem-error.js';
import type { FolderChangeNotification } from '../types.js';

/**
 * Parses the SOAP `SendNotification` request Exchange POSTs to a push subscription's callback URL
 * (https://learn.microsoft.com/exchange/client-developer/web-service-reference/sendnotification),
 * and builds the `SendNotificationResult` answer. Exchange's push carries no authentication, so
 * the body is untrusted input: DTDs are refused before any parsing (no entity expansion, no XXE),
 * the size is capped, and namespace prefixes are ignored whatever the sender chose.
 */

/** A busy mailbox's notification rarely exceeds a few hundred KB; anything bigger is not Exchange. */
export const MAX_NOTIFICATION_BYTES = 1024 * 1024;

const ITEM_EVENTS = new Set([
  'CreatedEvent',
  'ModifiedEvent',
  'DeletedEvent',
  'MovedEvent',
  'CopiedEvent',
  'NewMailEvent',
  'FreeBusyChangedEvent',
]);
const ALL_EVENTS = new Set([...ITEM_EVENTS, 'StatusEvent']);

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

export function parseEwsNotification(xml: string, maxBytes = MAX_NOTIFICATION_BYTES): FolderChangeNotification {
  if (Buffer.byteLength(xml, 'utf8') > maxBytes) {
    throw new TandemError('PAYLOAD_TOO_LARGE', `EWS notification larger than ${maxBytes} bytes`);
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new TandemError('BAD_REQUEST', 'EWS notification contains a DTD or entity declaration; refused');
  }
  let document: OrderedNode[];
  try {
    document = parser.parse(xml) as OrderedNode[];
  } catch (error) {
    throw new TandemError('BAD_REQUEST', 'EWS notification is not well-formed XML', { cause: error });
  }
  const envelope = child(document, 'Envelope');
  const body = envelope && child(envelope, 'Body');
  const send = body && child(body, 'SendNotification');
  const responseMessages = send && child(send, 'ResponseMessages');
  const messages = responseMessages ? children(responseMessages, 'SendNotificationResponseMessage') : [];
  const notifications = messages
    .map((message) => child(message, 'Notification'))
    .filter((n): n is OrderedNode[] => !!n);
  if (notifications.length === 0) {
    throw new TandemError('BAD_REQUEST', 'Not an EWS SendNotification request (no Notification element)');
  }

  const result: FolderChangeNotification = {
    remoteSubscriptionId: '',
    heartbeat: true,
    moreEvents: false,
    itemIds: [],
  };
  const itemIds = new Set<string>();
  for (const notification of notifications) {
    const subscriptionId = text(notification, 'SubscriptionId');
    if (!subscriptionId) throw new TandemError('BAD_REQUEST', 'EWS notification without SubscriptionId');
    if (result.remoteSubscriptionId && result.remoteSubscriptionId !== subscriptionId) {
      throw new TandemError('BAD_REQUEST', 'EWS notification mixes subscriptions');
    }
    result.remoteSubscriptionId = subscriptionId;
    const previous = text(notification, 'PreviousWatermark');
    if (previous !== undefined && result.previousWatermark === undefined) result.previousWatermark = previous;
    if (text(notification, 'MoreEvents')?.toLowerCase() === 'true') result.moreEvents = true;
    for (const node of notification) {
      const name = nodeName(node);
      if (!name || !ALL_EVENTS.has(name)) continue;
      const event = node[name] as OrderedNode[];
      const watermark = text(event, 'Watermark');
      if (watermark !== undefined) result.lastWatermark = watermark;
      if (name === 'StatusEvent') continue;
      result.heartbeat = false;
      // Moved/copied items have a new ItemId and the OldItemId they had; both ids matter to the caller.
      for (const idElement of ['ItemId', 'OldItemId']) {
        const id = attribute(event, idElement, 'Id');
        if (id) itemIds.add(id);
      }
    }
  }
  result.itemIds = [...itemIds];
  return result;
}

/** The SOAP answer Exchange expects; `Unsubscribe` ends the subscription on Exchange's side. */
export function ewsNotificationResponse(status: 'OK' | 'Unsubscribe'): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">' +
    '<soap:Body>' +
    '<SendNotificationResult xmlns="http://schemas.microsoft.com/exchange/services/2006/messages">' +
    `<SubscriptionStatus>${status === 'Unsubscribe' ? 'Unsubscribe' : 'OK'}</SubscriptionStatus>` +
    '</SendNotificationResult>' +
    '</soap:Body>' +
    '</soap:Envelope>'
  );
}

function nodeName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && key !== '#text');
}

function children(nodes: OrderedNode[], name: string): OrderedNode[][] {
  return nodes.filter((node) => nodeName(node) === name).map((node) => node[name] as OrderedNode[]);
}

function child(nodes: OrderedNode[], name: string): OrderedNode[] | undefined {
  return children(nodes, name)[0];
}

function text(nodes: OrderedNode[], name: string): string | undefined {
  const element = child(nodes, name);
  if (!element) return undefined;
  const value = element
    .map((node) => node['#text'])
    .filter((v) => v !== undefined)
    .join('');
  return String(value);
}

function attribute(nodes: OrderedNode[], name: string, attributeName: string): string | undefined {
  const node = nodes.find((candidate) => nodeName(candidate) === name);
  return node?.[':@']?.[attributeName];
}
