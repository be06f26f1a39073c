import { describe, expect, it } from 'vitest';
import { graphError } from '../../../src/connectors/exchange/graph/graph-client.js';
import { TandemError } from '../../../src/errors/tandem-error.js';
import { mailboxRefusal } from '../../../src/mailboxes/mailbox-access.js';

describe('mailboxRefusal: which Exchange errors refuse one mailbox rather than the environment', () => {
  it('takes Graph 403 ErrorAccessDenied (application access policy / RBAC for Applications scope) with the hint to grant', () => {
    const error = graphError(403, {
      error: {
        code: 'ErrorAccessDenied',
        message: 'Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.',
      },
    });
    expect(mailboxRefusal(error)).toMatchObject({
      remoteCode: 'ErrorAccessDenied',
      code: 'EXCHANGE_FORBIDDEN',
      hint: expect.stringMatching(/learn\.microsoft\.com\/en-us\/graph\/auth-limit-mailbox-access/),
    });
  });

  it('takes EWS ErrorImpersonateUserDenied (impersonation scope) and ErrorAccessDenied (no FullAccess)', () => {
    const impersonation = new TandemError('EXCHANGE_IMPERSONATION_DENIED', 'denied', {
      details: { ewsResponseCode: 'ErrorImpersonateUserDenied' },
    });
    expect(mailboxRefusal(impersonation)?.hint).toMatch(/ApplicationImpersonation/);
    const access = new TandemError('EXCHANGE_FORBIDDEN', 'denied', {
      details: { ewsResponseCode: 'ErrorAccessDenied' },
    });
    expect(mailboxRefusal(access)?.hint).toMatch(/FullAccess/);
  });

  it('leaves environment-wide failures alone: wrong credentials, a refused token, other 403s, non-Tandem errors', () => {
    expect(mailboxRefusal(graphError(401, { error: { code: 'InvalidAuthenticationToken', message: 'x' } }))).toBe(
      undefined,
    );
    expect(mailboxRefusal(new TandemError('EXCHANGE_FORBIDDEN', 'The token endpoint refused the scope'))).toBe(
      undefined,
    );
    expect(mailboxRefusal(graphError(403, { error: { code: 'ExtensionError', message: 'todoTask' } }))).toBe(undefined);
    expect(mailboxRefusal(new Error('ErrorAccessDenied'))).toBe(undefined);
  });
});
