import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics (prom-client: the maintained standard for Node; hand-written exposition would
 * be one more thing to get subtly wrong). One registry per process; labels never carry tenant data
 * beyond the tenant id, and never item ids (unbounded cardinality).
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'tandem_' });

export const httpRequestDuration = new Histogram({
  name: 'tandem_http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const inboxAccepted = new Counter({
  name: 'tandem_inbox_accepted_total',
  help: 'Events stored durably in the inbox, by source',
  labelNames: ['source'] as const,
  registers: [registry],
});

export const inboxDuplicates = new Counter({
  name: 'tandem_inbox_duplicates_total',
  help: 'Re-delivered events recognised by their id and not stored again',
  labelNames: ['source'] as const,
  registers: [registry],
});

export const inboxEnqueueSkipped = new Counter({
  name: 'tandem_inbox_enqueue_skipped_total',
  help: 'Stored events not enqueued because Redis was down or slow (the sweeper enqueues them later)',
  registers: [registry],
});

export const jobsProcessed = new Counter({
  name: 'tandem_jobs_processed_total',
  help: 'Worker jobs by queue and outcome',
  labelNames: ['queue', 'outcome'] as const,
  registers: [registry],
});

export const syncOutcomes = new Counter({
  name: 'tandem_sync_outcomes_total',
  help: 'Sync decisions by object kind and outcome',
  labelNames: ['kind', 'outcome'] as const,
  registers: [registry],
});
