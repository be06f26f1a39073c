import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The fencing token of the subject a job works on (see migrations/009_subject_fences.sql). The
 * worker sets it around a handler; writes of sync state made inside (withSyncWrite) check it.
 */
export interface Fence {
  tenantId: string;
  subject: string;
  token: number;
  /** Marks the job's claimed inbox rows done; the handler's last write may commit it (see JobCompletion). */
  completion?: JobCompletion | undefined;
}

/**
 * A job's completion, offered to the handler's last write of sync state: withSyncWrite with
 * `completesJob` runs `statement` in the same round trip as its COMMIT, after the fence check of
 * the same transaction. A sync operation then commits its result and its completion at once — one
 * synchronous commit fewer (docs/benchmarks.md, 2026-12-03 pg-fold) — and a stale holder's result
 * and completion are refused together. The worker completes the rows itself when no write took it.
 */
export interface JobCompletion {
  /** SQL (literals only) that marks the claimed rows done; built by the inbox repository. */
  statement: string;
  /** Set once a transaction carrying the statement has committed. */
  committed: boolean;
}

const current = new AsyncLocalStorage<Fence>();

export function runFenced<T>(fence: Fence, fn: () => Promise<T>): Promise<T> {
  return current.run(fence, fn);
}

export function currentFence(): Fence | undefined {
  return current.getStore();
}
