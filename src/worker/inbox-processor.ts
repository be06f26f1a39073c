import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { TandemError, coerceError } from '../errors/tandem-error.js';
import { logger, withLogContext } from '../logging/logger.js';
import { jobsProcessed } from '../observability/metrics.js';
import { subjectScope } from '../inbox/subjects.js';
import {
  claimSubject,
  claimSubjectAlone,
  completeRows,
  completionStatement,
  continueRows,
  failRows,
  poisonJournalEntries,
  touchRows,
} from '../inbox/inbox-repository.js';
import { writeJournal } from '../journal/journal.js';
import type { Lease, RedisSemaphore } from '../limits/redis-semaphore.js';
import { runFenced, type JobCompletion } from '../store/fence.js';
import { backoffDelay, type InboxJobData } from '../queue/inbox-job.js';
import type { Pool } from '../store/pool.js';
import { GroupCommit } from '../store/group-commit.js';
import { withTenant } from '../store/transaction.js';
import type { InboxHandlerRegistry } from '../inbox/inbox-handlers.js';
import { groupBy } from '../util/group-by.js';

/**
 * How long a job whose subject is busy steps aside before looking again: a quarter second, or the
 * job's own debounce when it has one (folder notifications: a busy folder's catch-up runs for
 * seconds under load, and polling it four times a second only costs Redis round trips).
 */
const SUBJECT_BUSY_DELAY_MS = 250;
const busyDelay = (job: Job) => Math.max(SUBJECT_BUSY_DELAY_MS, job.opts.delay ?? 0);

export interface InboxProcessorDeps {
  pool: Pool;
  locks: RedisSemaphore;
  handlers: InboxHandlerRegistry;
  /**
   * Length of the subject lock's lease (default 30 s). It is renewed every third of it while the
   * job runs, so a long job keeps its subject, and a worker killed while holding it blocks its
   * subject for at most this long. Should the lease run out anyway (a stalled process), the fencing
   * token makes the late holder's writes of sync state fail (SYNC_FENCED) instead of racing the next.
   */
  jobTimeoutMs?: number;
  /** Worker deaths while processing a row after which it becomes a dead letter (default MAX_WORKER_DEATHS). */
  maxWorkerDeaths?: number;
  /** How often a running job marks its rows alive for the sweeper (default 60 s; the sweeper's processing lease is longer). */
  rowHeartbeatMs?: number;
  /**
   * Called when a job steps aside because its subject is busy. The worker frees the job's tenant
   * slot then: jobs waiting for one busy object (a folder in a long catch-up) must not hold every
   * slot of their tenant while its other objects wait (docs/operations.md "Fairness between tenants").
   */
  onStepAside?: (job: Job<InboxJobData>) => void;
  /**
   * Frees a finished job's subject lease (done, coalesced, fenced; not a failure, a continuation or
   * a job handed back). The worker frees the job's tenant slot in the same round trip, before BullMQ
   * moves the job to completed, so the tenant's next job is already queued when BullMQ's completion
   * looks for the next job to hand this worker. Must not throw. Default: the lease alone.
   */
  onFinished?: (job: Job<InboxJobData>, lease: Lease) => Promise<void>;
}

function errorRecord(error: TandemError, attempt: number): Record<string, unknown> {
  return {
    code: error.code,
    message: error.message,
    retryable: error.retryable,
    attempt,
    at: new Date().toISOString(),
  };
}

/**
 * Processes one inbox job: under a lock on the row's subject, claim all open rows about that
 * subject, run the handler once for them, then mark them done. Failures put the rows back with a
 * backoff (BullMQ retries the job) or, when no retry can help or none is left, make them dead letters.
 */
export function createInboxProcessor(deps: InboxProcessorDeps) {
  const leaseMs = deps.jobTimeoutMs ?? 30_000;
  const rowHeartbeatMs = deps.rowHeartbeatMs ?? 60_000;
  // Marking rows done is the last write of every job: concurrent jobs share one transaction.
  const completions = new GroupCommit<{ tenantId: string; ids: number[] }>(async (batch) => {
    await Promise.all(
      [...groupBy(batch, (entry) => entry.tenantId)].map(([tenantId, entries]) =>
        completeRows(
          deps.pool,
          tenantId,
          entries.flatMap((entry) => entry.ids),
        ),
      ),
    );
    return batch.map(() => undefined);
  });
  // Jobs past their claim, so a stopping worker can hand them back (handBack) instead of leaving
  // their rows `processing` for the stalled-job check — which would count a worker death.
  const active = new Map<Job<InboxJobData>, ActiveJob>();
  const handBack = async (): Promise<number> => {
    const entries = [...active.values()].filter((entry) => !entry.handedBack);
    await Promise.all(
      entries.map(async (entry) => {
        entry.handedBack = true;
        await withTenant(entry.tenantId, (tx) => continueRows(tx, entry.ids), deps.pool).catch((error: unknown) =>
          logger.warn({ err: error }, 'could not hand inbox rows back; the sweeper will'),
        );
        await entry.job
          .moveToDelayed(Date.now(), entry.token)
          .catch((error: unknown) =>
            logger.warn({ err: error }, 'could not hand a job back; the stalled-job check will'),
          );
        await entry.lease.release().catch(() => undefined);
      }),
    );
    if (entries.length) logger.info({ count: entries.length }, 'handed unfinished jobs back to the queue');
    return entries.length;
  };
  const processJob = async (job: Job<InboxJobData>, jobToken?: string): Promise<string> => {
    const { tenantId, inboxId, subject, correlationId } = job.data;
    return withLogContext({ tenantId, correlationId, jobId: job.id ?? '' }, async () => {
      const handler = deps.handlers.resolve(job.name);
      if (!handler) {
        const error = new TandemError('BAD_REQUEST', `No handler for inbox event type ${job.name}`);
        await withTenant(tenantId, (tx) => failRows(tx, [inboxId], errorRecord(error, 1), undefined), deps.pool);
        throw new UnrecoverableError(error.message);
      }

      const lease = await deps.locks.tryLease(`subject:${tenantId}:${subject}`, { limit: 1, leaseMs });
      if (!lease) {
        // Another job is working on this subject and will claim this row too if it is due. Waiting
        // here would hold a worker slot idle (a busy mailbox folder could block them all), so the
        // job steps aside and looks again shortly, without spending an attempt — and without
        // touching the database, so many notifications for one busy folder cost almost nothing.
        jobsProcessed.inc({ queue: 'inbox', outcome: 'deferred' });
        const delay = busyDelay(job);
        await job.moveToDelayed(Date.now() + delay + Math.round(Math.random() * delay), jobToken);
        deps.onStepAside?.(job);
        throw new DelayedError();
      }
      let claimedIds: number[] = [];
      let finished = false;
      const keepAlive = startKeepAlive(
        lease,
        leaseMs,
        rowHeartbeatMs,
        () => claimedIds,
        (ids) => withTenant(tenantId, (tx) => touchRows(tx, ids), deps.pool),
      );
      try {
        // Claiming is also the check that the row still needs work: a done or dead row is not
        // claimed, and an empty claim means another job already covered everything due. One
        // statement as a rule; a claim that makes dead letters commits with their journal entries.
        const claim =
          (await claimSubjectAlone(deps.pool, tenantId, subject, inboxId, deps.maxWorkerDeaths)) ??
          (await withTenant(
            tenantId,
            async (tx) => {
              const fenced = await claimSubject(tx, tenantId, subject, inboxId, deps.maxWorkerDeaths);
              // Rows whose workers kept dying are not handed to this one: dead letters, with the cause.
              await writeJournal(tx, tenantId, poisonJournalEntries(fenced.poisoned));
              return fenced;
            },
            deps.pool,
          ));
        if (claim.poisoned.length)
          logger.error(
            { ids: claim.poisoned.map((row) => row.id) },
            'inbox rows whose workers kept dying became dead letters (WORKER_DIED)',
          );
        const { rows: claimed, token } = claim;
        if (claimed.length === 0) {
          jobsProcessed.inc({ queue: 'inbox', outcome: 'coalesced' });
          finished = true;
          return 'coalesced';
        }
        claimedIds = claimed.map((r) => r.id);
        active.set(job, { job, token: jobToken, tenantId, ids: claimedIds, lease, handedBack: false });
        const trigger = claimed.find((r) => r.id === inboxId) ?? claimed[0]!;
        // The handler's last write of sync state may commit the completion with its result.
        const completion: JobCompletion = { statement: completionStatement(tenantId, claimedIds), committed: false };
        const result = await runFenced({ tenantId, subject, token, completion }, () =>
          handler({ tenantId, subject, rows: claimed, correlationId: trigger.correlationId }),
        );
        if (active.get(job)?.handedBack) throw new DelayedError();
        if (result?.continue) {
          // A write that completes the job promises that nothing follows it. Were a continuation's rows
          // left done, the rest would be lost: failing the job reopens them (failRows) for a retry.
          if (completion.committed)
            throw new TandemError('INTERNAL', 'A handler that has more to do completed its job', { retryable: true });
          // One chunk done and checkpointed: hand the rows back and line this job up again at once.
          await withTenant(tenantId, (tx) => continueRows(tx, claimedIds), deps.pool);
          jobsProcessed.inc({ queue: 'inbox', outcome: 'continued' });
          await job.moveToDelayed(Date.now() + 1, jobToken);
          throw new DelayedError();
        }
        if (!completion.committed) await completions.add({ tenantId, ids: claimedIds });
        jobsProcessed.inc({ queue: 'inbox', outcome: 'done' });
        finished = true;
        return `done:${claimedIds.length}`;
      } catch (thrown) {
        if (thrown instanceof DelayedError || active.get(job)?.handedBack) throw new DelayedError();
        const error = coerceError(thrown);
        if (error.code === 'SYNC_FENCED') {
          // Another job claimed the subject after this one's lease ran out; its rows are that job's now.
          jobsProcessed.inc({ queue: 'inbox', outcome: 'fenced' });
          logger.warn({ err: error }, 'subject taken over by another job; this job stops without touching its rows');
          finished = true;
          return 'fenced';
        }
        const attempt = job.attemptsMade + 1;
        const lastAttempt = attempt >= (job.opts.attempts ?? 1) || !error.retryable;
        const retryAt = lastAttempt
          ? undefined
          : new Date(Date.now() + Math.max(error.retryAfterMs ?? 0, backoffDelay(attempt)));
        if (claimedIds.length > 0) {
          await withTenant(
            tenantId,
            async (tx) => {
              await failRows(tx, claimedIds, errorRecord(error, attempt), retryAt);
              // Support sees the failure where it looks for the object: typed error and what happens next.
              await writeJournal(tx, tenantId, [
                {
                  correlationId,
                  ...subjectScope(subject),
                  outcome: 'failed',
                  reason: error.code,
                  details: {
                    message: error.message,
                    attempt,
                    ...(retryAt ? { nextAttemptAt: retryAt.toISOString() } : { deadLetter: true }),
                  },
                },
              ]);
            },
            deps.pool,
          ).catch((markError: unknown) =>
            logger.error({ err: markError }, 'could not record the failure; the sweeper will retry the rows'),
          );
        }
        jobsProcessed.inc({ queue: 'inbox', outcome: lastAttempt ? 'dead' : 'retry' });
        logger.warn({ err: error, code: error.code, attempt, deadLetter: lastAttempt }, 'inbox job failed');
        if (lastAttempt) throw new UnrecoverableError(`${error.code}: ${error.message}`);
        throw error;
      } finally {
        keepAlive.stop();
        active.delete(job);
        if (finished && deps.onFinished) await deps.onFinished(job, lease);
        else await lease.release();
      }
    });
  };
  return Object.assign(processJob, { handBack });
}

interface ActiveJob {
  job: Job<InboxJobData>;
  token: string | undefined;
  tenantId: string;
  ids: number[];
  lease: Lease;
  handedBack: boolean;
}

/**
 * Keeps a running job's subject: renews the lease every third of its length, and every
 * `rowHeartbeatMs` marks the claimed rows alive so the sweeper does not hand them to another worker.
 * A lost lease is logged; the fencing token then guards the writes.
 */
function startKeepAlive(
  lease: Lease,
  leaseMs: number,
  rowHeartbeatMs: number,
  rows: () => number[],
  touch: (ids: number[]) => Promise<void>,
) {
  let lastTouch = Date.now();
  const timer = setInterval(
    () => {
      lease.renew().then(
        (held) => {
          if (!held)
            logger.warn(
              'subject lease ran out while the job was running; later writes of sync state will be fenced if another job takes the subject',
            );
        },
        (error: unknown) => logger.warn({ err: error }, 'could not renew the subject lease'),
      );
      const ids = rows();
      if (ids.length > 0 && Date.now() - lastTouch >= rowHeartbeatMs) {
        lastTouch = Date.now();
        touch(ids).catch((error: unknown) => logger.warn({ err: error }, 'could not mark running inbox rows alive'));
      }
    },
    Math.max(50, Math.floor(leaseMs / 3)),
  );
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** BullMQ backoff strategy named 'tandem': the remote's Retry-After when given, else jittered exponential. */
export function inboxBackoffStrategy(attemptsMade: number, _type?: string, error?: Error): number {
  const retryAfter = error instanceof TandemError ? (error.retryAfterMs ?? 0) : 0;
  return Math.max(retryAfter, backoffDelay(attemptsMade));
}
