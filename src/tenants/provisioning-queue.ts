import { createHash } from 'node:crypto';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { logger } from '../logging/logger.js';
import type { Pool } from '../store/pool.js';
import type { StatusReporter, SubscriptionOutcome } from './registry-status.js';
import { deprovisionTenant, provisionTenant } from './tenant-lifecycle.js';

/**
 * Asynchronous (un)subscriptions as durable jobs. Web answers the SaaS registry 202 only after the
 * job is stored in Redis; the worker does the work and reports the outcome to the registry's
 * status callback, retrying with backoff. A restart of web or worker in between loses nothing: the
 * job waits in Redis for the next worker (before, the work and the report ran in web's memory).
 * Onboarding and offboarding are idempotent, so a retried job may repeat them.
 */
export const PROVISIONING_QUEUE = 'provisioning';

export interface ProvisioningJobData {
  version: 1;
  operation: 'subscribe' | 'unsubscribe';
  tenantId: string;
  subdomain?: string;
  /** Path from the STATUS_CALLBACK header, relative to the registry's URL. */
  statusPath: string;
  subscriptionUrl?: string;
}

/** Ten attempts, 2 s doubling: the last report goes out about 17 minutes after the first. */
export const PROVISIONING_ATTEMPTS = 10;
const BACKOFF_MS = 2_000;

export function createProvisioningQueue(connection: Redis, prefix: string): Queue<ProvisioningJobData> {
  const queue = new Queue<ProvisioningJobData>(PROVISIONING_QUEUE, { connection, prefix });
  queue.on('error', () => undefined);
  return queue;
}

export async function enqueueProvisioning(
  queue: Queue<ProvisioningJobData>,
  data: Omit<ProvisioningJobData, 'version'>,
): Promise<void> {
  // One job per registry request: the registry repeating the same call (same status path) is a no-op.
  const jobId = `${data.operation}-${data.tenantId}-${createHash('sha256').update(data.statusPath).digest('hex').slice(0, 16)}`;
  await queue.add(
    data.operation,
    { version: 1, ...data },
    {
      jobId,
      attempts: PROVISIONING_ATTEMPTS,
      backoff: { type: 'exponential', delay: BACKOFF_MS },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  );
}

export interface ProvisioningWorkerDeps {
  pool: Pool;
  connection: Redis;
  prefix: string;
  report: StatusReporter;
}

/**
 * Runs provisioning jobs. A failure of the work is retried; on the last attempt the registry is
 * told FAILED. A failed report is retried too (the work, idempotent, runs again first).
 */
export function startProvisioningWorker(deps: ProvisioningWorkerDeps): Worker<ProvisioningJobData> {
  const worker = new Worker<ProvisioningJobData>(PROVISIONING_QUEUE, (job) => runProvisioningJob(deps, job), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: 4,
  });
  worker.on('error', (error) => logger.warn({ err: error }, 'provisioning worker error'));
  worker.on('failed', (job, error) =>
    logger.error(
      { err: error, tenantId: job?.data.tenantId, operation: job?.data.operation, attempt: job?.attemptsMade },
      'provisioning job failed',
    ),
  );
  return worker;
}

async function runProvisioningJob(deps: ProvisioningWorkerDeps, job: Job<ProvisioningJobData>): Promise<void> {
  const { operation, tenantId, subdomain, statusPath, subscriptionUrl } = job.data;
  let outcome: SubscriptionOutcome;
  try {
    if (operation === 'subscribe') {
      await provisionTenant(deps.pool, { tenantId, ...(subdomain ? { subdomain } : {}) });
      outcome = { status: 'SUCCEEDED', message: 'Tandem is ready', ...(subscriptionUrl ? { subscriptionUrl } : {}) };
    } else {
      await deprovisionTenant(deps.pool, tenantId);
      outcome = { status: 'SUCCEEDED', message: 'Tenant data deleted' };
    }
  } catch (error) {
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    logger.error({ err: error, tenantId, operation, attempt: job.attemptsMade + 1, last }, `${operation} failed`);
    if (!last) throw error;
    outcome = {
      status: 'FAILED',
      message:
        operation === 'subscribe'
          ? 'Tandem could not set up the tenant; see the service log'
          : 'Offboarding failed; see the service log',
    };
  }
  await deps.report(statusPath, outcome);
  logger.info({ tenantId, operation, status: outcome.status }, 'subscription status reported to the SaaS registry');
}
