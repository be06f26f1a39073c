/* eslint-disable @typescript-eslint/no-explicit-any -- ews-javascript-api's attachment classes are loosely typed. */
import { escapeXml as x } from './xml-escape.js';
import { TandemError } from '../../../errors/tandem-error.js';
import type { AttachmentContent, AttachmentInfo, MailboxAddress } from '../types.js';
import {
  BasePropertySet,
  ConflictResolutionMode,
  FileAttachment,
  Item,
  ItemId,
  ItemSchema,
  PropertySet,
} from './ews-lib.js';
import type { EwsContext } from './ews-context.js';

function info(attachment: any): AttachmentInfo {
  return {
    id: attachment.Id,
    name: attachment.Name ?? '',
    contentType: attachment.ContentType ?? 'application/octet-stream',
    size: Number(attachment.Size ?? 0),
  };
}

async function bindWithAttachments(service: any, itemId: string): Promise<any> {
  return Item.Bind(service, new ItemId(itemId), new PropertySet(BasePropertySet.IdOnly, [ItemSchema.Attachments]));
}

export async function listAttachments(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  itemId: string,
): Promise<AttachmentInfo[]> {
  return ctx.call(mailbox, { operation: 'GetItem', idempotent: true }, async (service) => {
    const item = await bindWithAttachments(service, itemId);
    return (item.Attachments.GetEnumerator() as any[]).filter((a) => a instanceof FileAttachment).map(info);
  });
}

export async function getAttachment(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  itemId: string,
  attachmentId: string,
): Promise<AttachmentContent> {
  return ctx.call(mailbox, { operation: 'GetAttachment', idempotent: true }, async (service) => {
    const item = await bindWithAttachments(service, itemId);
    const attachment = (item.Attachments.GetEnumerator() as any[]).find(
      (a) => a.Id === attachmentId && a instanceof FileAttachment,
    );
    if (!attachment)
      throw new TandemError('EXCHANGE_ITEM_NOT_FOUND', `Attachment ${attachmentId} not found on the item`);
    await attachment.Load();
    const content = Buffer.from(attachment.Base64Content ?? '', 'base64');
    return { ...info(attachment), size: content.length, content };
  });
}

export async function addAttachment(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  itemId: string,
  attachment: { name: string; contentType: string; content: Buffer },
): Promise<AttachmentInfo> {
  return ctx.call(mailbox, { operation: 'CreateAttachment', idempotent: false }, async (service) => {
    const item = await bindWithAttachments(service, itemId);
    const added = item.Attachments.AddFileAttachment(x(attachment.name), attachment.content.toString('base64'));
    added.ContentType = x(attachment.contentType);
    // Update() on an item whose only change is a new attachment sends just CreateAttachment.
    await item.Update(ConflictResolutionMode.AlwaysOverwrite);
    return {
      id: added.Id,
      name: attachment.name,
      contentType: attachment.contentType,
      size: attachment.content.length,
    };
  });
}
