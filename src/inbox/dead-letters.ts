import { TandemError } from '../errors/tandem-error.js';
import { type Queues } from '../queue/queues.js';
import { inboxJob, inboxJobId } from '../queue/inbox-job.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { reviveDeadLetter } from './inbox-repository.js';
import type { InboxRow } from './inbox-event.js';

/**
 * An admin's "retry" on a dead letter: reopen the row with fresh attempts and enqueue it again.
 * The enqueue happens inside the row's transaction, so when Redis is away (QUEUE_UNAVAILABLE, 503)
 * the row stays a dead letter and the admin's click visibly did nothing, rather than answering
 * with an error while the row was in fact reopened.
 */
export async function retryDeadLetter(
  pool: Pool,
  queues: Pick<Queues, 'inbox' | 'lanes'>,
  tenantId: string,
  inboxId: number,
): Promise<InboxRow> {
  return withTenant(
    tenantId,
    async (tx) => {
      const row = await reviveDeadLetter(tx, inboxId);
      if (!row) throw new TandemError('NOT_FOUND', `Inbox entry ${inboxId} is not a dead letter of this tenant`);
      // BullMQ keeps failed jobs for inspection; the old one would make the new add a no-op.
      await (await queues.inbox.getJob(inboxJobId(inboxId)))?.remove();
      await queues.lanes.addBulk([inboxJob(row)]);
      return row;
    },
    pool,
  );
}
