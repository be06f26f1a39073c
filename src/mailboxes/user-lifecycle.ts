import type { Tx } from '../store/transaction.js';
import { needsInitialLoad, requestInitialLoad, type QueuedInitialLoad } from './initial-load-request.js';
import { mailboxRepository } from './mailbox-repository.js';
import type { MailboxInput, MailboxPatch, MailboxView } from './mailbox-schema.js';

/** A user change and the initial load it queued (enqueue after commit with enqueueInitialLoads). */
export interface UserChange {
  user: MailboxView;
  initialLoad: QueuedInitialLoad | undefined;
}

/**
 * Adding, changing and importing users, with what follows from it in the same transaction: a
 * user who becomes enabled starts empty, so their initial load is queued at once (no separate call).
 */
export const userLifecycle = {
  async add(tx: Tx, tenantId: string, input: MailboxInput, by: string): Promise<UserChange> {
    const user = await mailboxRepository.create(tx, tenantId, input);
    return withInitialLoad(tx, tenantId, undefined, user, by, 'user.added');
  },

  async change(tx: Tx, tenantId: string, id: string, patch: MailboxPatch, by: string): Promise<UserChange> {
    const before = await mailboxRepository.get(tx, id);
    const user = await mailboxRepository.update(tx, id, patch);
    return withInitialLoad(tx, tenantId, before, user, by, before.enabled ? 'user.employeeChanged' : 'user.enabled');
  },
};

async function withInitialLoad(tx: Tx, tenantId: string, before: MailboxView | undefined, user: MailboxView, by: string, reason: string): Promise<UserChange> {
  if (!needsInitialLoad(before, user)) return { user, initialLoad: undefined };
  const initialLoad = await requestInitialLoad(tx, tenantId, user.id, { by, reason });
  return { user: await mailboxRepository.get(tx, user.id), initialLoad };
}
