import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { msalNetworkModule, startEwsEmulator, type EwsEmulator } from '../../../src/emulators/ews/index.js';
import { errorName, ews, makeService, rejection, utc } from './support.js';

let emu: EwsEmulator;

beforeAll(async () => {
  emu = await startEwsEmulator({ log: false });
});
afterAll(async () => {
  await emu.close();
});

function msalClient(secret = 'demo-secret'): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: 'demo-client',
      clientSecret: secret,
      authority: emu.authority('demo-tenant'),
      knownAuthorities: [`127.0.0.1:${emu.port}`],
    },
    system: { networkClient: msalNetworkModule(emu.caPem) },
  });
}

async function saveAppointment(svc: ews.ExchangeService, subject: string): Promise<ews.Appointment> {
  const appt = new ews.Appointment(svc);
  appt.Subject = subject;
  appt.Start = utc(2026, 6, 1, 9);
  appt.End = utc(2026, 6, 1, 10);
  await appt.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
  return appt;
}

describe('impersonation', () => {
  it('lets the service account act as alice and as bob, each in their own mailbox', async () => {
    const alice = makeService(emu, { impersonate: 'alice@demo.example' });
    const bob = makeService(emu, { impersonate: 'bob@demo.example' });
    const appt = await saveAppointment(alice, 'only alice');
    expect(emu.listItems('alice@demo.example').map((i) => i.subject)).toContain('only alice');
    expect(emu.listItems('bob@demo.example').map((i) => i.subject)).not.toContain('only alice');
    const bobView = await bob.FindItems(ews.WellKnownFolderName.Calendar, new ews.ItemView(10));
    expect(bobView.Items.map((i) => i.Subject)).not.toContain('only alice');
    // An id from alice's mailbox is still readable by an account with impersonation rights.
    expect((await ews.Appointment.Bind(bob, appt.Id)).Subject).toBe('only alice');
  });

  it('answers ErrorImpersonateUserDenied for an account without the right', async () => {
    const svc = makeService(emu, { user: 'limited@demo.example', impersonate: 'alice@demo.example' });
    const err = await rejection(ews.Folder.Bind(svc, ews.WellKnownFolderName.Calendar));
    expect(errorName(err)).toBe('ErrorImpersonateUserDenied');
    expect(err.HttpStatusCode).toBe(500);
    // The same account can use its own mailbox.
    const own = makeService(emu, { user: 'limited@demo.example', impersonate: '' });
    const folder = await ews.Folder.Bind(own, ews.WellKnownFolderName.Calendar);
    expect(folder.DisplayName).toBe('Calendar');
    // ...but not another mailbox through DistinguishedFolderId/Mailbox.
    const denied = await rejection(
      ews.Folder.Bind(own, new ews.FolderId(ews.WellKnownFolderName.Calendar, new ews.Mailbox('alice@demo.example'))),
    );
    expect(errorName(denied)).toBe('ErrorAccessDenied');
  });

  // "Configure impersonation" (learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-configure-impersonation):
  // a role assignment limited by a management scope (-CustomRecipientWriteScope) impersonates only the scope's recipients.
  it('answers ErrorImpersonateUserDenied for a mailbox outside the impersonation management scope, and serves it again once included', async () => {
    const bob = makeService(emu, { impersonate: 'bob@demo.example' });
    const alice = makeService(emu, { impersonate: 'alice@demo.example' });
    const scope = (included: boolean) =>
      fetch(`${emu.url}/_emulator/mailboxes/bob%40demo.example/impersonation-scope`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ included }),
      });
    expect((await scope(false)).status).toBe(200);
    try {
      const err = await rejection(ews.Folder.Bind(bob, ews.WellKnownFolderName.Calendar));
      expect(errorName(err)).toBe('ErrorImpersonateUserDenied');
      // The same account still impersonates the mailboxes inside the scope…
      expect((await ews.Folder.Bind(alice, ews.WellKnownFolderName.Calendar)).DisplayName).toBe('Calendar');
      // …and cannot reach bob through another mailbox's session either.
      const viaAlice = await rejection(
        ews.Folder.Bind(alice, new ews.FolderId(ews.WellKnownFolderName.Calendar, new ews.Mailbox('bob@demo.example'))),
      );
      expect(errorName(viaAlice)).toBe('ErrorAccessDenied');
    } finally {
      expect((await scope(true)).status).toBe(200);
    }
    expect((await ews.Folder.Bind(bob, ews.WellKnownFolderName.Calendar)).DisplayName).toBe('Calendar');
  });

  it('answers ErrorNonExistentMailbox for an unknown mailbox', async () => {
    const svc = makeService(emu, { impersonate: 'nobody@demo.example' });
    const err = await rejection(ews.Folder.Bind(svc, ews.WellKnownFolderName.Calendar));
    expect(errorName(err)).toBe('ErrorNonExistentMailbox');
  });

  it('rejects wrong basic credentials with HTTP 401', async () => {
    const svc = makeService(emu, { password: 'wrong' });
    const err = await rejection(ews.Folder.Bind(svc, ews.WellKnownFolderName.Calendar));
    expect(err.HttpStatusCode).toBe(401);
  });
});

// "Delegate access and EWS in Exchange": without the impersonation header the caller acts as itself;
// another mailbox opens only with the owner's permission (FullAccess, Add-MailboxPermission).
describe('delegate access', () => {
  const aliceCalendar = () => new ews.FolderId(ews.WellKnownFolderName.Calendar, new ews.Mailbox('alice@demo.example'));

  it('opens another mailbox only once it granted the account FullAccess, and only for that mailbox', async () => {
    const delegate = makeService(emu, { user: 'delegate@demo.example', impersonate: '' });
    expect(errorName(await rejection(ews.Folder.Bind(delegate, aliceCalendar())))).toBe('ErrorAccessDenied');
    const appt = await saveAppointment(makeService(emu, { impersonate: 'alice@demo.example' }), 'for the delegate');
    expect(errorName(await rejection(ews.Appointment.Bind(delegate, appt.Id)))).toBe('ErrorAccessDenied');

    const granted = await fetch(`${emu.url}/_emulator/mailboxes/alice@demo.example/permissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'delegate@demo.example', accessRights: 'FullAccess' }),
    });
    expect(granted.status).toBe(201);
    expect((await ews.Folder.Bind(delegate, aliceCalendar())).DisplayName).toBe('Calendar');
    expect((await ews.Appointment.Bind(delegate, appt.Id)).Subject).toBe('for the delegate');
    // The permission is per mailbox: Bob's stays closed.
    const bobCalendar = new ews.FolderId(ews.WellKnownFolderName.Calendar, new ews.Mailbox('bob@demo.example'));
    expect(errorName(await rejection(ews.Folder.Bind(delegate, bobCalendar)))).toBe('ErrorAccessDenied');

    emu.revokeFullAccess('alice@demo.example', 'delegate@demo.example');
    expect(errorName(await rejection(ews.Folder.Bind(delegate, aliceCalendar())))).toBe('ErrorAccessDenied');
  });

  it('FullAccess does not make a delegate an impersonator', async () => {
    emu.grantFullAccess('alice@demo.example', 'delegate@demo.example');
    const impersonating = makeService(emu, { user: 'delegate@demo.example', impersonate: 'alice@demo.example' });
    expect(errorName(await rejection(ews.Folder.Bind(impersonating, ews.WellKnownFolderName.Calendar)))).toBe(
      'ErrorImpersonateUserDenied',
    );
    emu.revokeFullAccess('alice@demo.example', 'delegate@demo.example');
  });
});

describe('OAuth via msal-node against the emulator token endpoint', () => {
  it('acquires a token with client credentials and uses it for an impersonated call', async () => {
    const result = await msalClient().acquireTokenByClientCredential({
      scopes: ['https://outlook.office365.com/.default'],
    });
    expect(result?.accessToken).toBeTruthy();
    const svc = makeService(emu, { token: result!.accessToken, impersonate: 'bob@demo.example' });
    const appt = await saveAppointment(svc, 'via bearer');
    expect((await ews.Appointment.Bind(svc, appt.Id)).Subject).toBe('via bearer');
    // App-only tokens must name a mailbox (Exchange Online rule).
    const noImpersonation = makeService(emu, { token: result!.accessToken, impersonate: '' });
    expect(errorName(await rejection(ews.Folder.Bind(noImpersonation, ews.WellKnownFolderName.Calendar)))).toBe(
      'ErrorInvalidExchangeImpersonationHeaderData',
    );
  });

  it('refuses a wrong client secret and a token for another audience', async () => {
    await expect(
      msalClient('wrong').acquireTokenByClientCredential({ scopes: ['https://outlook.office365.com/.default'] }),
    ).rejects.toThrow(/invalid_client|AADSTS7000215/);
    const graph = await msalClient().acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    const svc = makeService(emu, { token: graph!.accessToken });
    const err = await rejection(ews.Folder.Bind(svc, ews.WellKnownFolderName.Calendar));
    expect(err.HttpStatusCode).toBe(401);
  });
});

describe('throttling and fault injection', () => {
  it('answers ErrorServerBusy with BackOffMilliseconds when the budget is spent', async () => {
    emu.setThrottling({ budget: { requests: 1, windowMs: 60_000 } });
    try {
      const svc = makeService(emu, { impersonate: 'bob@demo.example' });
      await ews.Folder.Bind(svc, ews.WellKnownFolderName.Calendar);
      const err = await rejection(ews.Folder.Bind(svc, ews.WellKnownFolderName.Calendar));
      expect(errorName(err)).toBe('ErrorServerBusy');
      const backOff = Number((err.ErrorDetails as { get(k: string): string }).get('BackOffMilliseconds'));
      expect(backOff).toBeGreaterThan(0);
      expect(backOff).toBeLessThanOrEqual(60_000);
      // Budgets are per mailbox: alice is unaffected.
      await ews.Folder.Bind(makeService(emu, { impersonate: 'alice@demo.example' }), ews.WellKnownFolderName.Calendar);
    } finally {
      emu.setThrottling({ budget: null });
    }
  });

  it('enforces the per-mailbox concurrency limit', async () => {
    emu.setThrottling({ maxConcurrency: 1, backOffMs: 1234 });
    // Generous latency so the second call surely arrives while the first holds the slot.
    emu.setLatency(1500, 'GetFolder');
    try {
      const svc = makeService(emu, { impersonate: 'alice@demo.example' });
      const results = await Promise.allSettled([
        ews.Folder.Bind(svc, ews.WellKnownFolderName.Calendar),
        ews.Folder.Bind(svc, ews.WellKnownFolderName.Calendar),
      ]);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      const reason = rejected[0]!.reason as Record<string, unknown>;
      expect(errorName(reason)).toBe('ErrorServerBusy');
      expect((reason.ErrorDetails as { get(k: string): string }).get('BackOffMilliseconds')).toBe('1234');
    } finally {
      emu.setLatency(0, 'GetFolder');
      emu.setThrottling({ maxConcurrency: 27, backOffMs: 5000 });
    }
  });

  it('fails the next calls as instructed (HTTP status, SOAP fault, per-item error)', async () => {
    const svc = makeService(emu, { impersonate: 'alice@demo.example' });
    emu.failNext({ httpStatus: 503 });
    expect((await rejection(ews.Folder.Bind(svc, ews.WellKnownFolderName.Calendar))).HttpStatusCode).toBe(503);
    emu.failNext({ operation: 'GetFolder', responseCode: 'ErrorMailboxStoreUnavailable' });
    expect(errorName(await rejection(ews.Folder.Bind(svc, ews.WellKnownFolderName.Calendar)))).toBe(
      'ErrorMailboxStoreUnavailable',
    );
    emu.failNext({
      operation: 'GetFolder',
      responseCode: 'ErrorServerBusy',
      asResponseMessage: true,
      backOffMilliseconds: 777,
    });
    const perItem = await rejection(ews.Folder.Bind(svc, ews.WellKnownFolderName.Calendar));
    expect(errorName(perItem)).toBe('ErrorServerBusy');
    expect(
      ((perItem.Response as Record<string, unknown>).ErrorDetails as { get(k: string): string }).get(
        'BackOffMilliseconds',
      ),
    ).toBe('777');
    expect((await ews.Folder.Bind(svc, ews.WellKnownFolderName.Calendar)).DisplayName).toBe('Calendar');
  });
});
