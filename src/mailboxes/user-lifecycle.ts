import type { Tx } from '../store/transaction.js';
import { resetForEnvironmentMove } from './environment-move.js';
import type { EmployeeIdentity, EmployeeResolver } from './employee-directory.js';
import { needsInitialLoad, requestInitialLoad, type QueuedInitialLoad } from './initial-load-request.js';
import { createMailbox, getMailbox, updateMailbox } from './mailbox-repository.js';
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
  /** Adds a user; `identity` is what EmployeeDirectory.resolve made of the input's S/4 user and employee BP. */
  async add(
    tx: Tx,
    tenantId: string,
    input: MailboxInput,
    identity: EmployeeIdentity,
    by: string,
  ): Promise<UserChange> {
    const user = await createMailbox(tx, tenantId, {
      ...input,
      employeeBp: identity.employeeBp,
      s4User: identity.s4User,
    });
    return withInitialLoad(tx, tenantId, undefined, user, by, 'user.added');
  },

  /** Changes a user; a changed S/4 user or employee BP is checked by `employees` first. */
  async change(
    tx: Tx,
    tenantId: string,
    id: string,
    patch: MailboxPatch,
    employees: EmployeeResolver,
    by: string,
  ): Promise<UserChange> {
    const before = await getMailbox(tx, id);
    const identityChanged =
      (patch.employeeBp !== undefined && patch.employeeBp !== before.employeeBp) ||
      (patch.s4User !== undefined && patch.s4User.toUpperCase() !== before.s4User?.toUpperCase());
    if (identityChanged) {
      // A new S/4 user alone names a new person: resolve it rather than keep the old BP.
      const identity = await employees.resolve(
        patch.employeeBp !== undefined
          ? { employeeBp: patch.employeeBp, s4User: patch.s4User }
          : { s4User: patch.s4User },
      );
      patch = { ...patch, employeeBp: identity.employeeBp, ...(identity.s4User ? { s4User: identity.s4User } : {}) };
    }
    const { user, movedFrom } = await updateMailbox(tx, id, patch);
    if (movedFrom !== undefined) await resetForEnvironmentMove(tx, tenantId, id, movedFrom, user.environmentId);
    return withInitialLoad(tx, tenantId, before, user, by, before.enabled ? 'user.employeeChanged' : 'user.enabled');
  },
};

async function withInitialLoad(
  tx: Tx,
  tenantId: string,
  before: MailboxView | undefined,
  user: MailboxView,
  by: string,
  reason: string,
): Promise<UserChange> {
  if (!needsInitialLoad(before, user)) return { user, initialLoad: undefined };
  const initialLoad = await requestInitialLoad(tx, tenantId, user.id, { by, reason });
  return { user: await getMailbox(tx, user.id), initialLoad };
}
