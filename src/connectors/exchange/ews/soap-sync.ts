import { TandemError } from '../../../errors/tandem-error.js';
import type { ChangePage } from '../types.js';
import { responseMessageError } from './normalize-ews-error.js';
import type { SoapRequest } from './soap-appointments.js';
import { attribute, childText, node, nodes, responseMessages, type XmlNode } from './soap-xml.js';
import { escapeXml } from './xml-escape.js';

/**
 * SyncFolderItems as SOAP Tandem writes and reads itself: the call of every change-tracking run,
 * and a run follows every Exchange notification of a mailbox folder (our own writes included), so
 * it is the most frequent EWS call after the sync operation's own create and read. Through
 * ews-javascript-api each run built a DOM and the library's object model for what is a list of ids.
 * What is sent and read is what the library's path sends and reads (compared in
 * test/integration/exchange-ews/soap-sync.test.ts).
 *
 * Element order is the schema's, as listed on the EWS reference page "SyncFolderItems operation":
 * ItemShape, SyncFolderId, SyncState, Ignore, MaxChangesReturned, SyncScope. Ids only (IdOnly): the
 * caller reads what it needs in batches.
 */
export function syncFolderItemsRequest(folderXml: string, syncState: string | undefined, max: number): SoapRequest {
  return {
    body:
      '<m:SyncFolderItems>' +
      '<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>' +
      `<m:SyncFolderId>${folderXml}</m:SyncFolderId>` +
      (syncState !== undefined ? `<m:SyncState>${escapeXml(syncState)}</m:SyncState>` : '') +
      `<m:MaxChangesReturned>${max}</m:MaxChangesReturned>` +
      '<m:SyncScope>NormalItems</m:SyncScope>' +
      '</m:SyncFolderItems>',
  };
}

/**
 * The page of changes of a SyncFolderItems answer, as the library's path builds it from the
 * library's change collection: Create → created, Delete → deleted, Update and ReadFlagChange →
 * updated (a read flag only concerns mail; a page mixing both lists its updates first), each with
 * its ChangeKey where the item carries one.
 * An Error response message is the TandemError the library's exception becomes
 * (ErrorInvalidSyncStateData → EXCHANGE_INVALID_SYNC_STATE).
 */
export function changePageFromXml(body: XmlNode): ChangePage {
  const [message] = responseMessages(body, 'SyncFolderItems');
  if (!message) throw new TandemError('EXCHANGE_UNAVAILABLE', 'EWS SyncFolderItems answer carries no response message');
  if (!message.success) throw responseMessageError(message.code, message.messageText, message.messageXml);
  const page: ChangePage = {
    created: [],
    updated: [],
    deleted: [],
    changeKeys: {},
    syncState: childText(message.element, 'SyncState') ?? '',
    // IncludesLastItemInRange: "true" once the last change of the folder is in this page.
    moreAvailable: childText(message.element, 'IncludesLastItemInRange') !== 'true',
  };
  const changes = node(message.element, 'Changes');
  for (const change of nodes(changes, 'Create')) addItem(page, page.created, itemIdOf(change));
  for (const change of nodes(changes, 'Update')) addItem(page, page.updated, itemIdOf(change));
  for (const change of nodes(changes, 'ReadFlagChange')) addItem(page, page.updated, node(change, 'ItemId'));
  for (const change of nodes(changes, 'Delete')) {
    const id = attribute(node(change, 'ItemId'), 'Id');
    if (id) page.deleted.push(id);
  }
  return page;
}

/** The ItemId of the one item element (Item, Message, CalendarItem, Task, Contact, …) of a Create or Update. */
function itemIdOf(change: XmlNode): XmlNode | undefined {
  for (const [name, value] of Object.entries(change)) {
    if (name.startsWith('@') || name.startsWith('#')) continue;
    const itemId = node(node(change, name) ?? value, 'ItemId');
    if (itemId) return itemId;
  }
  return undefined;
}

function addItem(page: ChangePage, list: string[], itemId: XmlNode | undefined): void {
  const id = attribute(itemId, 'Id');
  if (!id) return;
  list.push(id);
  const changeKey = attribute(itemId, 'ChangeKey');
  if (changeKey) page.changeKeys![id] = changeKey;
}
