import { TandemError } from '../errors/tandem-error.js';
import { logger } from '../logging/logger.js';
import { type Queues } from '../queue/queues.js';
import { inboxJob, inboxJobId } from '../queue/inbox-job.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { reviveDeadLetter } from './inbox-repository.js';
import type { InboxRow } from './inbox-event.js';

/**
 * An admin's "retry" on a dead letter: reopen the row with fresh attempts and enqueue it again.
 *
 * The job is added only once the reopened row is committed. Added inside the row's transaction, a
 * worker could take it before the commit, find nothing to claim (the committed row was still dead),
 * and finish it — leaving the row pending until the sweeper's grace had passed (30 s).
 *
 * The row's transaction still talks to Redis: it removes the failed job BullMQ keeps for
 * inspection (it would make the new add a no-op), which is also the check that Redis answers. So
 * when Redis is away (QUEUE_UNAVAILABLE, 503) the row stays a dead letter and the admin's click
 * visibly did nothing. Should Redis go away in the moment between that check and the add, the row
 * is pending and the sweeper offers it again once Redis is back: nothing is lost.
 */
export async function retryDeadLetter(
  pool: Pool,
  queues: Pick<Queues, 'inbox' | 'lanes'>,
  tenantId: string,
  inboxId: number,
): Promise<InboxRow> {
  const row = await withTenant(
    tenantId,
    async (tx) => {
      const revived = await reviveDeadLetter(tx, inboxId);
      if (!revived) throw new TandemError('NOT_FOUND', `Inbox entry ${inboxId} is not a dead letter of this tenant`);
      await (await queues.inbox.getJob(inboxJobId(inboxId)))?.remove();
      return revived;
    },
    pool,
  );
  await queues.lanes.addBulk([inboxJob(row)]).catch((error: unknown) => {
    logger.warn({ err: error, inboxId }, 'a retried dead letter could not be enqueued; the sweeper offers it again');
  });
  return row;
}
