import type { InboxWriter } from '../inbox/inbox-writer.js';
import { FOLDER_OF_KIND, INBOX_EVENT_TYPES, subjects } from '../inbox/subjects.js';
import { writeJournal } from '../journal/journal.js';
import { logger } from '../logging/logger.js';
import type { TenantContexts } from '../reconcile/tenant-context.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { enqueueInitialLoads, requestInitialLoad } from './initial-load-request.js';
import type { InboxEnqueuer } from '../queue/inbox-job.js';
import { ACCESS_DENIED_STATUS, mailboxRefusal } from './mailbox-access.js';
import { claimMailboxesForAccessProbe, restoreMailboxAccess } from './mailbox-repository.js';

/** An S/4 key no activity has: the probe's stamp search reads the calendar and finds nothing. */
const PROBE_KEY = 'tandem-access-probe';

export interface AccessProbeDeps {
  pool: Pool;
  contexts: TenantContexts;
  inbox: InboxWriter;
  queue: InboxEnqueuer;
}

export interface AccessProbeResult {
  probed: number;
  restored: number;
}

/**
 * Asks Exchange again, every `intervalSeconds` per user, whether a user marked `accessDenied` may be
 * read now (an admin added the mailbox to the application access policy's group, the RBAC for
 * Applications scope or the impersonation scope). The probe is one request: a stamp search in the
 * calendar (Graph: one filtered GET on the events; EWS: one FindItem), which Exchange refuses exactly
 * as it refuses every other call on that mailbox.
 *
 * On success the user resumes: status `new` (the next subscription maintenance subscribes its
 * folders and sets `in-sync`), `mailbox.accessRestored` in the journal, a catch-up of every synced
 * folder from its stored sync state (Outlook changes made meanwhile reach S/4) and an initial load
 * (S/4 changes whose events were skipped meanwhile reach Outlook; linked objects cost one comparison).
 * Users are claimed with SKIP LOCKED, so two workers never probe the same user at once.
 */
export async function probeDeniedMailboxes(
  deps: AccessProbeDeps,
  intervalSeconds: number,
  limit = 100,
  now = new Date(),
): Promise<AccessProbeResult> {
  const due = await claimMailboxesForAccessProbe(deps.pool, {
    now,
    intervalSeconds,
    limit,
    deniedStatus: ACCESS_DENIED_STATUS,
  });
  let restored = 0;
  for (const row of due) {
    try {
      if (await probeOne(deps, row.tenant_id, row.id)) restored++;
    } catch (error) {
      logger.warn({ err: error, tenantId: row.tenant_id, mailboxId: row.id }, 'access probe failed; will retry');
    }
  }
  return { probed: due.length, restored };
}

async function probeOne(deps: AccessProbeDeps, tenantId: string, mailboxId: string): Promise<boolean> {
  deps.contexts.invalidate(tenantId);
  const ctx = await deps.contexts.get(tenantId);
  const mailbox = ctx.byId(mailboxId);
  if (!mailbox) return false;
  const connector = await ctx.connectorFor(mailbox);
  try {
    await connector.findByStamp({ smtpAddress: mailbox.smtp }, 'appointment', PROBE_KEY);
  } catch (error) {
    // Still refused: stays accessDenied (probed again after the interval). Anything else (Exchange
    // down, throttled) says nothing about the grant: also try again later.
    if (!mailboxRefusal(error)) logger.info({ err: error, tenantId, mailboxId }, 'access probe inconclusive');
    return false;
  }
  const load = await withTenant(
    tenantId,
    async (tx) => {
      if (!(await restoreMailboxAccess(tx, mailboxId, ACCESS_DENIED_STATUS))) return undefined;
      await writeJournal(tx, tenantId, [
        {
          mailboxId,
          objectKind: 'mailbox',
          outcome: 'info',
          reason: 'mailbox.accessRestored',
          details: { backend: connector.backend, folders: mailbox.kinds },
        },
      ]);
      return requestInitialLoad(tx, tenantId, mailboxId, { by: 'system', reason: 'mailbox.accessRestored' });
    },
    deps.pool,
  );
  if (!load) return false;
  deps.contexts.invalidate(tenantId);
  await deps.inbox.write(
    mailbox.kinds.map((kind) => {
      const folder = FOLDER_OF_KIND[kind];
      const eventId = `access-restored:${mailboxId}:${folder}:${Date.now()}`;
      return {
        tenantId,
        source: 'system' as const,
        eventId,
        type: INBOX_EVENT_TYPES.folderChanged,
        subject: subjects.folder(mailboxId, folder),
        payload: { reason: 'mailbox.accessRestored' },
        correlationId: eventId,
      };
    }),
  );
  await enqueueInitialLoads(deps.queue, [load]);
  return true;
}
