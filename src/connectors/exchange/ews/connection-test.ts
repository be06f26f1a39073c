import type { TandemError } from '../../../errors/tandem-error.js';
import { UNREACHABLE_MESSAGE, logStepFailure } from '../connection-test-failure.js';
import type { ConnectionTestStep, MailboxAddress } from '../types.js';
import { BasePropertySet, Folder, PropertySet, WellKnownFolderName } from './ews-lib.js';
import type { EwsContext } from './ews-context.js';
import { normalizeEwsError } from './normalize-ews-error.js';
import type { TokenSource } from './oauth-token-source.js';

/**
 * The cockpit's Test button: authenticate → impersonate → read the calendar folder, each step a
 * real request, each failure phrased as what the Exchange administrator has to do. Never throws.
 */
export async function testConnection(
  ctx: EwsContext,
  mailbox: MailboxAddress,
  tokens: TokenSource | undefined,
): Promise<ConnectionTestStep[]> {
  const steps: ConnectionTestStep[] = [];
  const run = async (step: string, ok: string, fn: () => Promise<void>): Promise<boolean> => {
    const started = Date.now();
    try {
      await fn();
      steps.push({ step, ok: true, message: ok, durationMs: Date.now() - started });
      return true;
    } catch (error) {
      const failure = normalizeEwsError(error);
      logStepFailure(step, failure);
      steps.push({ step, ok: false, message: explain(step, failure, ctx, mailbox), durationMs: Date.now() - started });
      return false;
    }
  };
  const skip = (step: string, after: string) =>
    steps.push({ step, ok: false, message: `Skipped because "${after}" failed.`, durationMs: 0 });
  const online = ctx.env.kind === 'ews-online';

  // 1. Credentials. On-premises: a request as the service account itself; any EWS answer other than
  //    HTTP 401 proves the password (a service account without its own mailbox gets an EWS error, which is fine).
  const authenticated = await run(
    'authenticate',
    online ? 'The app obtained a token for Exchange Online.' : 'The service account signed in.',
    async () => {
      if (online) {
        await tokens!.token();
        return;
      }
      try {
        await ctx.call(
          mailbox,
          { operation: 'GetFolder', idempotent: true },
          (service) => Folder.Bind(service, WellKnownFolderName.MsgFolderRoot, new PropertySet(BasePropertySet.IdOnly)),
          { impersonate: false },
        );
      } catch (error) {
        const failure = normalizeEwsError(error);
        if (
          failure.code === 'EXCHANGE_UNAUTHORIZED' ||
          failure.code === 'EXCHANGE_UNAVAILABLE' ||
          failure.code === 'CONFIG_INVALID'
        )
          throw failure;
      }
    },
  );
  if (!authenticated) {
    skip('impersonate', 'authenticate');
    skip('read-folder', 'authenticate');
    return steps;
  }

  // 2. Impersonation of the target mailbox (or, without impersonation, delegate access to it).
  const impersonated = await run(
    'impersonate',
    ctx.impersonation
      ? `The service account may impersonate ${mailbox.smtpAddress}.`
      : 'Impersonation is off; the service account uses delegate access.',
    async () => {
      if (!ctx.impersonation) return;
      await ctx.call(mailbox, { operation: 'GetFolder', idempotent: true }, (service) =>
        Folder.Bind(service, WellKnownFolderName.MsgFolderRoot, new PropertySet(BasePropertySet.IdOnly)),
      );
    },
  );
  if (!impersonated) {
    skip('read-folder', 'impersonate');
    return steps;
  }

  // 3. The calendar folder, which every sync reads.
  await run('read-folder', `The calendar of ${mailbox.smtpAddress} can be read.`, async () => {
    await ctx.call(mailbox, { operation: 'GetFolder', idempotent: true }, (service) =>
      Folder.Bind(
        service,
        ctx.wellKnownFolder(mailbox, WellKnownFolderName.Calendar),
        new PropertySet(BasePropertySet.IdOnly),
      ),
    );
  });
  return steps;
}

function explain(step: string, failure: TandemError, ctx: EwsContext, mailbox: MailboxAddress): string {
  const online = ctx.env.kind === 'ews-online';
  switch (failure.code) {
    case 'EXCHANGE_UNAUTHORIZED':
      return online
        ? `Entra ID or Exchange Online rejected the app's credentials (client id, secret or certificate): ${failure.message}`
        : "The service account's password was rejected (HTTP 401). Check the user name (UPN or DOMAIN\\user) and password.";
    case 'EXCHANGE_IMPERSONATION_DENIED':
      return (
        'Impersonation refused: grant the ApplicationImpersonation role (on-premises) or full_access_as_app ' +
        `(Exchange Online) to the service account, with a management scope that includes ${mailbox.smtpAddress}.`
      );
    case 'EXCHANGE_MAILBOX_NOT_FOUND':
      return `Mailbox ${mailbox.smtpAddress} does not exist (or is not hosted on this Exchange organisation).`;
    case 'EXCHANGE_FORBIDDEN':
      return step === 'read-folder' && !ctx.impersonation
        ? `Access denied to the calendar of ${mailbox.smtpAddress}: give the service account full access to the mailbox, or turn on impersonation.`
        : "Exchange denied access: check the service account's rights.";
    case 'EXCHANGE_THROTTLED':
      return 'Exchange is throttling the service account right now; try again in a minute, and check its throttling policy.';
    case 'CONFIG_INVALID':
      // Only our own checks (NTLM with an extra CA, a missing credential), not TLS failures of the target.
      if (failure.details?.systemCode === undefined && !failure.cause)
        return `The configuration is not usable: ${failure.message}`;
      return UNREACHABLE_MESSAGE;
    default:
      // Unreachable, refused, timed out, TLS, or an answer that is not EWS: one message (see UNREACHABLE_MESSAGE).
      return UNREACHABLE_MESSAGE;
  }
}
