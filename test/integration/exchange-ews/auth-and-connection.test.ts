import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEwsConnector } from '../../../src/connectors/exchange/ews/ews-connector.js';
import { createTokenSource } from '../../../src/connectors/exchange/ews/oauth-token-source.js';
import { ALICE, stamp, startHarness, type Harness } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('ews-auth');
});
afterAll(async () => h.close());

const task = {
  subject: 'via OAuth',
  body: { type: 'text' as const, content: '' },
  status: 'notStarted' as const,
  percentComplete: 0,
  importance: 'normal' as const,
  categories: [],
  sensitivity: 'normal' as const,
};

function online(clientSecret: string) {
  return createEwsConnector(
    {
      kind: 'ews-online',
      id: 'env-online',
      tenantId: 'demo',
      maxConcurrency: 4,
      ews: {
        url: h.emulator.ewsUrl,
        impersonation: true,
        directoryId: 'demo',
        clientId: 'demo-client',
        clientSecret,
        authorityHost: h.emulator.httpsUrl,
        caCertificate: h.emulator.caPem,
      },
    },
    { redis: h.redis, keyPrefix: h.prefix },
  );
}

describe('Exchange Online app-only OAuth through msal-node', () => {
  it('gets a token from the token endpoint (trusting the extra CA) and uses it for impersonated requests', async () => {
    const connector = online('demo-secret');
    try {
      const created = await connector.createItem(ALICE, 'task', task, stamp('OA-1'));
      expect((await connector.getItem(ALICE, 'task', created.id))?.subject).toBe('via OAuth');
      const steps = await connector.testConnection(ALICE);
      expect(steps.map((s) => [s.step, s.ok])).toEqual([
        ['authenticate', true],
        ['impersonate', true],
        ['read-folder', true],
      ]);
    } finally {
      await connector.close();
    }
  });

  it('caches the token in msal instead of asking the token endpoint for every request', async () => {
    const tokens = createTokenSource(
      {
        directoryId: 'demo',
        clientId: 'demo-client',
        clientSecret: 'demo-secret',
        authorityHost: h.emulator.httpsUrl,
        caCertificate: h.emulator.caPem,
      },
      'https://outlook.office365.com/.default',
    );
    const first = await tokens.token();
    expect(first.split('.')).toHaveLength(3);
    expect(await tokens.token()).toBe(first);
  });

  it('reports a wrong client secret at the authenticate step', async () => {
    const connector = online('wrong-secret');
    try {
      const steps = await connector.testConnection(ALICE);
      expect(steps[0]).toMatchObject({ step: 'authenticate', ok: false });
      expect(steps[0]!.message).toMatch(/rejected the app's credentials/);
      expect(steps.slice(1).every((s) => !s.ok && /Skipped/.test(s.message))).toBe(true);
    } finally {
      await connector.close();
    }
  });
});

describe('connection test (on-premises, basic)', () => {
  it('passes every step for a correctly configured service account', async () => {
    const steps = await h.connector().testConnection(ALICE);
    expect(steps.map((s) => s.ok)).toEqual([true, true, true]);
    expect(steps.every((s) => s.durationMs >= 0)).toBe(true);
  });

  it('says the password was rejected', async () => {
    const steps = await h.connector({ password: 'nope' }).testConnection(ALICE);
    expect(steps[0]).toMatchObject({ step: 'authenticate', ok: false });
    expect(steps[0]!.message).toBe(
      "The service account's password was rejected (HTTP 401). Check the user name (UPN or DOMAIN\\user) and password.",
    );
  });

  it('says which right is missing when impersonation is refused', async () => {
    const steps = await h.connector({ username: 'limited@demo.example' }).testConnection(ALICE);
    expect(steps.map((s) => [s.step, s.ok])).toEqual([
      ['authenticate', true],
      ['impersonate', false],
      ['read-folder', false],
    ]);
    expect(steps[1]!.message).toMatch(
      /^Impersonation refused: grant the ApplicationImpersonation role \(on-premises\) or full_access_as_app/,
    );
  });

  it('says the mailbox does not exist', async () => {
    const steps = await h.connector().testConnection({ smtpAddress: 'nobody@demo.example' });
    const failed = steps.find((s) => !s.ok)!;
    expect(failed.message).toMatch(/^Mailbox nobody@demo\.example does not exist/);
  });

  it('never throws, even when Exchange is unreachable', async () => {
    const steps = await h
      .connector({ url: 'http://127.0.0.1:9/EWS/Exchange.asmx' }, { retry: { maxAttempts: 1 } })
      .testConnection(ALICE);
    expect(steps[0]).toMatchObject({ step: 'authenticate', ok: false });
    expect(steps[0]!.message).toMatch(/could not be reached/);
  });
});
