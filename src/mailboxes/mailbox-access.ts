import { isTandemError } from '../errors/tandem-error.js';
import { writeJournal } from '../journal/journal.js';
import { logger } from '../logging/logger.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { retireMailboxSubscriptions } from '../subscriptions/subscription-repository.js';
import { markMailboxAccessDenied } from './mailbox-repository.js';

/** The user status of a mailbox Exchange refuses to Tandem while the environment itself works. */
export const ACCESS_DENIED_STATUS = 'accessDenied';

/**
 * What the admin must grant, per refusal Exchange gives for ONE mailbox (not for the environment):
 * - Graph `403 ErrorAccessDenied`: the mailbox is outside the application access policy
 *   ("Limiting application permissions to specific Exchange Online mailboxes",
 *   https://learn.microsoft.com/en-us/graph/auth-limit-mailbox-access) or outside the management scope
 *   of an RBAC for Applications role assignment
 *   (https://learn.microsoft.com/en-us/exchange/permissions-exo/application-rbac);
 * - EWS `ErrorImpersonateUserDenied`: outside the management scope of the ApplicationImpersonation
 *   role assignment ("Configure impersonation",
 *   https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-configure-impersonation);
 * - EWS `ErrorAccessDenied`: the account may not open the mailbox (no FullAccess for a delegate account,
 *   "Delegate access and EWS in Exchange").
 */
const HINTS: Record<string, string> = {
  graph:
    'Exchange Online refuses the application this mailbox: add it to the mail-enabled security group of the application access policy (New-ApplicationAccessPolicy / Test-ApplicationAccessPolicy) or to the management scope of the RBAC for Applications role assignment — https://learn.microsoft.com/en-us/graph/auth-limit-mailbox-access, https://learn.microsoft.com/en-us/exchange/permissions-exo/application-rbac. When every user of the environment shows this, the app lacks its application permissions instead: run the environment’s connection test.',
  ErrorImpersonateUserDenied:
    'The service account may not impersonate this mailbox: include it in the management scope of the ApplicationImpersonation role assignment (New-ManagementRoleAssignment -CustomRecipientWriteScope) — https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-configure-impersonation',
  ErrorAccessDenied:
    'The service account may not open this mailbox: grant it impersonation for the mailbox or FullAccess (Add-MailboxPermission -AccessRights FullAccess) — https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/delegate-access-and-ews-in-exchange',
};

export interface MailboxRefusal {
  /** Exchange's own error code (Graph error code or EWS response code). */
  remoteCode: string;
  code: string;
  message: string;
  hint: string;
}

/**
 * Whether an Exchange error refuses one mailbox rather than the environment. Only Exchange's
 * mailbox-level codes count: a refused token or a wrong password (EXCHANGE_UNAUTHORIZED, a token
 * endpoint's refusal) concerns every user and stays an environment failure.
 */
export function mailboxRefusal(error: unknown): MailboxRefusal | undefined {
  if (!isTandemError(error)) return undefined;
  const details = error.details ?? {};
  const graphCode = typeof details.graphCode === 'string' ? details.graphCode : undefined;
  const ewsCode = typeof details.ewsResponseCode === 'string' ? details.ewsResponseCode : undefined;
  if (error.code === 'EXCHANGE_FORBIDDEN' && graphCode === 'ErrorAccessDenied')
    return { remoteCode: graphCode, code: error.code, message: error.message, hint: HINTS.graph! };
  if (ewsCode === 'ErrorImpersonateUserDenied' || ewsCode === 'ErrorAccessDenied')
    return { remoteCode: ewsCode, code: error.code, message: error.message, hint: HINTS[ewsCode]! };
  return undefined;
}

/**
 * Marks the user `accessDenied` with the refusal and what to grant, retires its subscriptions (they
 * cannot be renewed; the ones at Exchange lapse) and journals `mailbox.accessDenied` — once, on the
 * change of status. The environment and the other users are untouched; the access probe
 * (access-probe.ts) notices the grant and resumes the user.
 */
export async function markAccessDenied(
  pool: Pool,
  tenantId: string,
  mailboxId: string,
  refusal: MailboxRefusal,
  correlationId?: string,
): Promise<void> {
  await withTenant(
    tenantId,
    async (tx) => {
      const changed = await markMailboxAccessDenied(tx, mailboxId, ACCESS_DENIED_STATUS, {
        code: refusal.code,
        remoteCode: refusal.remoteCode,
        message: refusal.message,
        hint: refusal.hint,
        at: new Date().toISOString(),
      });
      if (!changed) return;
      const retired = await retireMailboxSubscriptions(tx, mailboxId);
      await writeJournal(tx, tenantId, [
        {
          ...(correlationId ? { correlationId } : {}),
          mailboxId,
          objectKind: 'mailbox',
          outcome: 'failed',
          reason: 'mailbox.accessDenied',
          details: {
            code: refusal.remoteCode,
            message: refusal.message,
            hint: refusal.hint,
            subscriptionsRetired: retired,
          },
        },
      ]);
      logger.warn(
        { tenantId, mailboxId, code: refusal.remoteCode },
        'Exchange refuses this mailbox; user set to accessDenied',
      );
    },
    pool,
  );
}

/**
 * Runs work on one mailbox; a refusal of that mailbox marks the user instead of failing the work
 * (no retry, no dead letter: retrying cannot help until an admin grants access). Other errors pass.
 * Returns `undefined` when the mailbox was refused.
 */
export async function refusalsOnUser<T>(
  deps: { pool: Pool; tenantId: string; mailboxId: string; correlationId?: string },
  work: () => Promise<T>,
): Promise<{ value: T } | undefined> {
  try {
    return { value: await work() };
  } catch (error) {
    const refusal = mailboxRefusal(error);
    if (!refusal) throw error;
    await markAccessDenied(deps.pool, deps.tenantId, deps.mailboxId, refusal, deps.correlationId);
    return undefined;
  }
}
