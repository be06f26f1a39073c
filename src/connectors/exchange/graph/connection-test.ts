import { coerceError, isTandemError } from '../../../errors/tandem-error.js';
import { UNREACHABLE_MESSAGE, logStepFailure } from '../connection-test-failure.js';
import type { ConnectionTestStep } from '../types.js';

/**
 * The cockpit's Test button for a Graph environment: token, then one read per permission Tandem
 * needs, each with a sentence an admin can act on. Never throws.
 */
export async function testGraphConnection(deps: {
  token: () => Promise<string>;
  call: (path: string) => Promise<void>;
}): Promise<ConnectionTestStep[]> {
  const steps: ConnectionTestStep[] = [];
  const run = async (
    step: string,
    okMessage: string,
    fn: () => Promise<unknown>,
    explain: (message: string, status?: number) => string,
  ): Promise<boolean> => {
    const started = Date.now();
    try {
      await fn();
      steps.push({ step, ok: true, message: okMessage, durationMs: Date.now() - started });
      return true;
    } catch (error) {
      const e = coerceError(error);
      logStepFailure(step, e);
      const status = isTandemError(e) ? (e.details?.status as number | undefined) : undefined;
      steps.push({ step, ok: false, message: explain(e.message, status), durationMs: Date.now() - started });
      return false;
    }
  };
  const forbidden =
    (permission: string) =>
    (message: string, status?: number): string => {
      if (/AccessPolicy|RBAC|application access policy/i.test(message)) {
        return `An application access policy / RBAC for Applications scope denies this mailbox: add the mailbox to the app's scope (${message})`;
      }
      if (status === 403 || /ErrorAccessDenied|Access is denied/i.test(message)) {
        return `Consent missing for ${permission} — grant admin consent for the app's ${permission} application permission in Entra ID.`;
      }
      if (/ErrorInvalidUser|MailboxNotEnabledForRESTAPI/i.test(message))
        return `The test mailbox does not exist in Exchange Online or has no mailbox: ${message}`;
      // Anything else is no Graph answer we know: unreachable, refused, timed out, TLS, another server.
      return UNREACHABLE_MESSAGE;
    };
  // Entra's own answers (AADSTS codes) are explained; anything else reads the same (see UNREACHABLE_MESSAGE).
  const entra = (message: string): string =>
    /^(Invalid client secret|The client secret has expired|Unknown application|The certificate is not registered|Directory \(tenant\) not found|Admin consent is missing|Graph environment needs)/.test(
      message,
    )
      ? message
      : UNREACHABLE_MESSAGE;
  if (!(await run('authenticate', 'Token received from Entra ID', deps.token, entra))) return steps;
  await run(
    'read-calendar',
    'Calendar readable',
    () => deps.call('/events?$top=1&$select=id'),
    forbidden('Calendars.ReadWrite'),
  );
  await run(
    'read-todo',
    'Microsoft To Do lists readable',
    () => deps.call('/todo/lists?$top=1'),
    forbidden('Tasks.ReadWrite.All'),
  );
  await run(
    'read-contacts',
    'Contact folders readable',
    () => deps.call('/contactFolders?$top=1'),
    forbidden('Contacts.ReadWrite'),
  );
  return steps;
}
