import { refusalsOnUser } from '../mailboxes/mailbox-access.js';
import type { Pool } from '../store/pool.js';
import type { MailboxInfo, TenantContext } from './tenant-context.js';

/**
 * Work in one user's mailbox among several: a mailbox Exchange refuses (user status accessDenied)
 * is skipped, and a refusal met now marks that user — the other users' work goes on, and the event
 * is not retried for a refusal only an admin can lift. The access probe resumes the user with a
 * catch-up and an initial load (src/mailboxes/access-probe.ts).
 */
export async function inReachableMailbox(
  env: { pool: Pool; ctx: TenantContext; correlationId: string },
  mailbox: MailboxInfo,
  work: () => Promise<void>,
): Promise<void> {
  if (mailbox.accessDenied) return;
  await refusalsOnUser(
    { pool: env.pool, tenantId: env.ctx.tenantId, mailboxId: mailbox.id, correlationId: env.correlationId },
    work,
  );
}
