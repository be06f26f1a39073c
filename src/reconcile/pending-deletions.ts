import type { ItemKind } from '../connectors/exchange/types.js';
import { writeJournal } from '../journal/journal.js';
import { logger } from '../logging/logger.js';
import { decidedPendingDeletions, markPendingDeletionDone } from '../pending-deletions/pending-deletion-repository.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import type { SyncAction } from '../sync/index.js';
import { ACTIVITY_OPS } from './activity-kinds.js';
import { deleteLink, detachLink, linkByS4Key } from './link-store.js';
import type { TenantContexts } from './tenant-context.js';

/**
 * Carries out the safety valve's decisions: confirmed deletions happen (with their follow-up
 * unlink), rejected ones leave the item where it is and keep a tombstone link so the same
 * deletion is not proposed again.
 */
export async function settlePendingDeletions(pool: Pool, contexts: TenantContexts, limit = 200): Promise<number> {
  const decided = await decidedPendingDeletions<ItemKind, SyncAction>(pool, limit);
  for (const row of decided) {
    try {
      const ctx = await contexts.get(row.tenant_id);
      const mailbox = row.mailbox_id ? ctx.byId(row.mailbox_id) : undefined;
      const link =
        mailbox && row.s4_key
          ? await withTenant(
              row.tenant_id,
              (tx) => linkByS4Key(tx, mailbox.id, mailbox.smtp, row.kind, row.s4_key!),
              pool,
            )
          : undefined;
      if (row.state === 'confirmed') {
        const action = row.action;
        if (action.type === 'deleteExchangeItem' && mailbox) {
          await (await ctx.connectorFor(mailbox)).deleteItem({ smtpAddress: mailbox.smtp }, row.kind, action.itemId);
        } else if ((action.type === 'deleteS4' || action.type === 'setS4Status') && row.kind !== 'contact') {
          const ops = ACTIVITY_OPS[row.kind];
          const current = await ops.get(ctx.s4, action.s4Key);
          if (current) {
            if (action.type === 'deleteS4') await ops.remove(ctx.s4, action.s4Key, current.etag);
            else await ops.setStatus(ctx.s4, action.s4Key, current.etag, action.status);
          }
        }
      }
      await withTenant(
        row.tenant_id,
        async (tx) => {
          if (link) {
            if (row.state === 'confirmed') await deleteLink(tx, link.id);
            else await detachLink(tx, link.id);
          }
          await markPendingDeletionDone(tx, row.id);
          await writeJournal(tx, row.tenant_id, [
            {
              ...(row.mailbox_id ? { mailboxId: row.mailbox_id } : {}),
              objectKind: row.kind,
              ...(row.s4_key ? { s4Key: row.s4_key } : {}),
              direction: 'none',
              outcome: row.state === 'confirmed' ? 'deleted' : 'skipped',
              reason: `safetyValve.${row.state}`,
              details: { decidedBy: row.decided_by, action: row.action.type },
            },
          ]);
        },
        pool,
      );
    } catch (error) {
      logger.warn(
        { err: error, tenantId: row.tenant_id, pendingDeletion: row.id },
        'settling a held deletion failed; will retry',
      );
    }
  }
  return decided.length;
}
