import type { MailboxConnector } from '../connectors/exchange/mailbox-connector.js';
import type { AttachmentInfo } from '../connectors/exchange/types.js';
import type { S4Attachment } from '../connectors/s4/index.js';
import { skippedAttachmentKeys, writeJournal, type JournalEntry } from '../journal/journal.js';
import { syncOutcomes } from '../observability/metrics.js';
import { withTenant } from '../store/transaction.js';
import { selectAttachments } from '../sync/index.js';
import type { StoredLink } from './link-store.js';
import type { ReconcileEnv } from './reconcile-env.js';
import type { MailboxInfo } from './tenant-context.js';

/**
 * Attachments of a linked appointment, both ways (setting `appointments.attachments`): a file on
 * one side that the other side lacks (by file name, case-insensitive) is copied — S/4 through
 * API_CV_ATTACHMENT_SRV (business object BUS2000126), Outlook through the connector — within the
 * size limit; executables never. Each copy and each skip is journalled with the file's name and
 * size. Attachments are only ever added: removing one on either side removes nothing on the other
 * (a file deleted by mistake is not lost twice).
 *
 * Outlook → S/4 only from the owner's mailbox and only when Exchange → S/4 is on, as for every
 * field; attendee copies receive S/4's files. Occurrences of a series are not covered.
 */
export async function syncAttachments(
  env: ReconcileEnv,
  mailbox: MailboxInfo,
  connector: MailboxConnector,
  link: StoredLink,
): Promise<void> {
  const { ctx } = env;
  const settings = ctx.settings.appointments;
  if (
    !settings.attachments.enabled ||
    link.kind !== 'appointment' ||
    link.state !== 'linked' ||
    !link.s4Key ||
    !link.exchangeId ||
    link.occurrenceKey
  )
    return;
  const linked = link as StoredLink & { s4Key: string; exchangeId: string };
  const release = await ctx.lockAttachments(mailbox.id, linked.s4Key);
  try {
    await copyMissing(env, mailbox, connector, linked);
  } finally {
    await release();
  }
}

async function copyMissing(
  env: ReconcileEnv,
  mailbox: MailboxInfo,
  connector: MailboxConnector,
  link: StoredLink & { s4Key: string; exchangeId: string },
): Promise<void> {
  const { ctx } = env;
  const settings = ctx.settings.appointments;
  const address = { smtpAddress: mailbox.smtp };
  const [inS4, inOutlook] = await Promise.all([
    ctx.s4.listAttachments('BUS2000126', link.s4Key),
    connector.listAttachments(address, 'appointment', link.exchangeId),
  ]);
  const names = (list: Array<{ name: string }>) => new Set(list.map((a) => a.name.trim().toLowerCase()));
  const outlookNames = names(inOutlook);
  const s4Names = names(inS4);
  const journal: JournalEntry[] = [];
  const entry = (
    outcome: 'synced' | 'skipped',
    reason: string,
    direction: 's4-to-exchange' | 'exchange-to-s4',
    a: { name: string; size: number; contentType: string },
  ): JournalEntry => ({
    correlationId: env.correlationId,
    mailboxId: mailbox.id,
    objectKind: 'appointment',
    s4Key: link.s4Key!,
    exchangeItemId: link.exchangeId!,
    direction,
    outcome,
    reason,
    details: {
      attachment: a.name,
      size: a.size,
      contentType: a.contentType,
      maxSizeKb: settings.attachments.maxSizeKb,
    },
  });

  const toOutlook = selectAttachments(
    inS4.filter((a) => !outlookNames.has(a.name.trim().toLowerCase())).map(asInfo),
    settings.attachments,
  );
  for (const info of toOutlook.sync) {
    const source = inS4.find((a) => a.key === info.id)!;
    const content = await ctx.s4.getAttachmentContent(source);
    await connector.addAttachment(address, 'appointment', link.exchangeId, {
      name: source.name,
      contentType: source.contentType,
      content,
    });
    journal.push(entry('synced', 'attachment.synced', 's4-to-exchange', info));
  }
  for (const skipped of toOutlook.skipped)
    journal.push(entry('skipped', skipped.reason, 's4-to-exchange', skipped.attachment));

  if (link.role === 'owner' && settings.exchangeToS4 !== 'off') {
    const toS4 = selectAttachments(
      inOutlook.filter((a) => !s4Names.has(a.name.trim().toLowerCase())),
      settings.attachments,
    );
    for (const info of toS4.sync) {
      const file = await connector.getAttachment(address, 'appointment', link.exchangeId, info.id);
      await ctx.s4.addAttachment('BUS2000126', link.s4Key, {
        name: file.name,
        contentType: file.contentType,
        content: file.content,
      });
      journal.push(entry('synced', 'attachment.synced', 'exchange-to-s4', info));
    }
    for (const skipped of toS4.skipped)
      journal.push(entry('skipped', skipped.reason, 'exchange-to-s4', skipped.attachment));
  }
  if (journal.length === 0) return;
  await withTenant(
    ctx.tenantId,
    async (tx) => {
      // A file skipped once is journalled once per link, not again at every later change of the appointment.
      const known = await skippedAttachmentKeys(tx, link.s4Key, mailbox.id);
      const fresh = journal.filter(
        (e) => e.outcome !== 'skipped' || !known.has(`${e.reason}|${e.direction}|${String(e.details?.attachment)}`),
      );
      await writeJournal(tx, ctx.tenantId, fresh);
    },
    env.pool,
  );
  for (const e of journal) syncOutcomes.inc({ kind: 'appointment', outcome: e.outcome });
}

function asInfo(a: S4Attachment): AttachmentInfo {
  return { id: a.key, name: a.name, contentType: a.contentType, size: a.size };
}
