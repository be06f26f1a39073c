/**
 * What happened to an object, as the journal records it and support reads it: the one list of
 * journal outcomes. The engine decides the first nine; the service adds `retried` (an admin retried
 * a dead letter), `info` (facts worth knowing that are no sync decision: a user moved to another
 * environment, a subscription renewed, a tenant subscribed) and `drift` (the drift check found an
 * S/4 change whose event never arrived).
 *
 * src/contract/ holds the vocabulary the service shares with its clients: it imports nothing, the
 * admin API publishes it as OpenAPI enums, and the cockpit imports it directly.
 */
export const SYNC_OUTCOMES = [
  'synced',
  'skipped',
  'echo',
  'merged',
  'conflict',
  'deleted',
  'pending',
  'ambiguous',
  'failed',
] as const;
export type SyncOutcome = (typeof SYNC_OUTCOMES)[number];

export const JOURNAL_OUTCOMES = [...SYNC_OUTCOMES, 'retried', 'info', 'drift'] as const;
export type JournalOutcome = (typeof JOURNAL_OUTCOMES)[number];
