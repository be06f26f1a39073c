import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The fencing token of the subject a job works on (see migrations/009_subject_fences.sql). The
 * worker sets it around a handler; writes of sync state made inside (withSyncWrite) check it.
 */
export interface Fence {
  tenantId: string;
  subject: string;
  token: number;
}

const current = new AsyncLocalStorage<Fence>();

export function runFenced<T>(fence: Fence, fn: () => Promise<T>): Promise<T> {
  return current.run(fence, fn);
}

export function currentFence(): Fence | undefined {
  return current.getStore();
}
