import { randomUUID } from 'node:crypto';
import { child, childText, children, esc } from '../xml.js';
import { decodeId, makeId, type Mailbox, type StoredItem } from '../store.js';
import { ItemError, operationResponse } from '../soap.js';
import { formatDateTime } from '../calendar.js';
import { accessMailbox, resolveItem, type OpContext } from '../context.js';
import { perItem } from './items.js';

/** FileAttachment only ("CreateAttachment operation"); item attachments are refused. */
export function createAttachment(ctx: OpContext): string {
  const parentNode = child(ctx.op, 'ParentItemId');
  const messages = children(child(ctx.op, 'Attachments')).map((node) =>
    perItem('CreateAttachment', () => {
      if (!parentNode) throw new ItemError('ErrorInvalidIdEmpty', 'ParentItemId is required.');
      const r = resolveItem(ctx, { ...parentNode, name: 'ItemId' });
      if (r.occurrenceIndex !== undefined)
        throw new ItemError(
          'ErrorInvalidOperation',
          'Attachments on single occurrences are not supported by the emulator.',
        );
      if (node.name !== 'FileAttachment')
        throw new ItemError(
          'ErrorInvalidItemForOperationCreateItemAttachment',
          'Only FileAttachment is supported by the emulator.',
        );
      const name = childText(node, 'Name');
      const content = childText(node, 'Content');
      if (!name || content === undefined) throw new ItemError('ErrorMissingArgument', 'Name and Content are required.');
      if (!/^[A-Za-z0-9+/=\s]*$/.test(content))
        throw new ItemError('ErrorInvalidValueForProperty', 'Content must be base64.');
      const att = {
        id: makeId(r.mbx.key, 'a', `${r.item.id}#${randomUUID()}`),
        name,
        contentType: childText(node, 'ContentType') ?? 'application/octet-stream',
        isInline: childText(node, 'IsInline') === 'true',
        content: Buffer.from(content, 'base64'),
        lastModified: Date.now(),
        ...(childText(node, 'ContentId') ? { contentId: childText(node, 'ContentId') as string } : {}),
      };
      r.item.attachments.push(att);
      ctx.store.touch(r.mbx, r.item);
      return `<m:Attachments><t:FileAttachment><t:AttachmentId Id="${att.id}" RootItemId="${r.item.id}" RootItemChangeKey="${r.item.changeKey}"/></t:FileAttachment></m:Attachments>`;
    }),
  );
  return operationResponse('CreateAttachment', messages.join(''));
}

function findAttachment(ctx: OpContext, id: string): { mbx: Mailbox; item: StoredItem; index: number } {
  const d = decodeId(id);
  if (!d || d.kind !== 'a') throw new ItemError('ErrorInvalidAttachmentId', 'The attachment id is malformed.');
  for (const mbx of ctx.store.mailboxes.values()) {
    if (mbx.key !== d.mailboxKey) continue;
    for (const item of mbx.items.values()) {
      const index = item.attachments.findIndex((a) => a.id === id);
      if (index >= 0) return { mbx: accessMailbox(ctx, mbx), item, index };
    }
  }
  throw new ItemError('ErrorInvalidAttachmentId', 'The attachment could not be found.');
}

export function getAttachment(ctx: OpContext): string {
  const messages = children(child(ctx.op, 'AttachmentIds'), 'AttachmentId').map((n) =>
    perItem('GetAttachment', () => {
      const { item, index } = findAttachment(ctx, n.attrs.Id ?? '');
      const a = item.attachments[index]!;
      return (
        `<m:Attachments><t:FileAttachment><t:AttachmentId Id="${a.id}"/><t:Name>${esc(a.name)}</t:Name><t:ContentType>${esc(a.contentType)}</t:ContentType>` +
        (a.contentId ? `<t:ContentId>${esc(a.contentId)}</t:ContentId>` : '') +
        `<t:Size>${a.content.length}</t:Size><t:LastModifiedTime>${formatDateTime(a.lastModified).slice(0, 19)}</t:LastModifiedTime><t:IsInline>${a.isInline}</t:IsInline><t:IsContactPhoto>false</t:IsContactPhoto><t:Content>${a.content.toString('base64')}</t:Content></t:FileAttachment></m:Attachments>`
      );
    }),
  );
  return operationResponse('GetAttachment', messages.join(''));
}

export function deleteAttachment(ctx: OpContext): string {
  const messages = children(child(ctx.op, 'AttachmentIds'), 'AttachmentId').map((n) =>
    perItem('DeleteAttachment', () => {
      const { mbx, item, index } = findAttachment(ctx, n.attrs.Id ?? '');
      item.attachments.splice(index, 1);
      ctx.store.touch(mbx, item);
      return `<m:RootItemId RootItemId="${item.id}" RootItemChangeKey="${item.changeKey}"/>`;
    }),
  );
  return operationResponse('DeleteAttachment', messages.join(''));
}
