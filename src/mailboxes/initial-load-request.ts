import { logger } from '../logging/logger.js';
import { inboxJob, type InboxEnqueuer } from '../queue/inbox-job.js';
import type { Tx } from '../store/transaction.js';
import { insertSystemEvent } from '../inbox/inbox-repository.js';
import { INBOX_EVENT_TYPES, subjects } from '../inbox/subjects.js';
import { setInitialLoad } from './mailbox-repository.js';

const INITIAL_LOAD = INBOX_EVENT_TYPES.initialLoad;
const initialLoadSubject = subjects.initialLoad;

/** An inbox row committed with the user change; enqueue it once the transaction has committed. */
export interface QueuedInitialLoad {
  id: number;
  tenantId: string;
  type: string;
  subject: string;
  correlationId: string;
}

/**
 * Queues a user's initial load in the caller's transaction: the progress shows `queued` and the
 * inbox row exists exactly when the user change that asked for it commits. So a crash between
 * commit and enqueue loses nothing — the inbox sweeper enqueues the row — and a failed add or
 * import row queues nothing. The load itself is safe to re-run (linked objects cost one comparison).
 */
export async function requestInitialLoad(
  tx: Tx,
  tenantId: string,
  mailboxId: string,
  cause: { by: string; reason: string },
): Promise<QueuedInitialLoad> {
  await setInitialLoad(tx, mailboxId, { state: 'queued', done: 0, total: null, startedAt: null, finishedAt: null });
  const eventId = `initial-load:${mailboxId}:${Date.now()}:${Math.random().toString(36).slice(2, 8)}`;
  const id = await insertSystemEvent(tx, tenantId, {
    eventId,
    type: INITIAL_LOAD,
    subject: initialLoadSubject(mailboxId),
    payload: { requestedBy: cause.by, reason: cause.reason },
  });
  return {
    id,
    tenantId,
    type: INITIAL_LOAD,
    subject: initialLoadSubject(mailboxId),
    correlationId: eventId,
  };
}

/** After commit: hand the rows to the queue. A failure here loses nothing (the sweeper re-enqueues committed rows). */
export async function enqueueInitialLoads(queue: InboxEnqueuer, loads: readonly QueuedInitialLoad[]): Promise<void> {
  if (loads.length === 0) return;
  await queue
    .addBulk(loads.map((load) => inboxJob(load)))
    .catch((error: unknown) =>
      logger.warn({ err: error, count: loads.length }, 'enqueue of initial loads failed; the sweeper will re-enqueue'),
    );
}

/**
 * Whether a user change should (re)start the initial load: a user that becomes enabled (added
 * enabled, or enabled again — a disabled user's mailbox missed everything meanwhile), or an enabled
 * user whose employee business partner changed (a different set of S/4 activities is theirs now).
 */
export function needsInitialLoad(
  before: { enabled: boolean; employeeBp: string | null } | undefined,
  after: { enabled: boolean; employeeBp: string | null },
): boolean {
  if (!after.enabled || !after.employeeBp) return false;
  if (!before) return true;
  return !before.enabled || before.employeeBp !== after.employeeBp;
}
