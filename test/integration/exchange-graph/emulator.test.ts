import { ConfidentialClientApplication } from '@azure/msal-node';
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/connectors/exchange/graph/http-client.js';
import { TokenProvider } from '../../../src/connectors/exchange/graph/token-provider.js';
import { startGraphEmulator, type GraphEmulator } from '../../../src/emulators/graph/index.js';

/** The emulator's protocol surface, spoken to directly (plain http on the same port as https). */
describe('Graph emulator protocol', () => {
  let emu: GraphEmulator;
  let token: string;
  const api = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    fetch(`${emu.url}/v1.0${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
    });

  beforeAll(async () => {
    emu = await startGraphEmulator({ port: 0 });
    const res = await fetch(`${emu.url}/contoso/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'demo-client',
        client_secret: 'demo-secret',
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    token = ((await res.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await emu.close();
  });

  it('serves msal-node over https with its self-signed CA (through our network client)', async () => {
    const http = new HttpClient({ caCertificate: emu.caCertificatePem });
    const provider = new TokenProvider(
      { directoryId: 'contoso', clientId: 'demo-client', clientSecret: 'demo-secret', authorityHost: emu.httpsUrl },
      http,
    );
    const jwt = await provider.token();
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as {
      aud: string;
      roles: string[];
    };
    expect(claims.aud).toBe('https://graph.microsoft.com');
    expect(claims.roles).toContain('Calendars.ReadWrite');
    http.close();
  });

  it('issues tokens for certificate credentials (client assertion signed by msal-node)', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const http = new HttpClient({ caCertificate: emu.caCertificatePem });
    const provider = new TokenProvider(
      {
        directoryId: 'contoso',
        clientId: 'demo-client',
        authorityHost: emu.httpsUrl,
        certificate: {
          privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          thumbprint: 'a'.repeat(64),
        },
      },
      http,
    );
    expect((await provider.token()).split('.')).toHaveLength(3);
    http.close();
  });

  it('is refused by msal-node without the CA (the TLS really is checked)', async () => {
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: 'demo-client',
        clientSecret: 'demo-secret',
        authority: `${emu.httpsUrl}/contoso`,
        knownAuthorities: [new URL(emu.httpsUrl).host],
      },
    });
    await expect(
      app.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }),
    ).rejects.toThrow();
  });

  it('requires a bearer token for /v1.0', async () => {
    const res = await fetch(`${emu.url}/v1.0/users/alice@demo.example/events`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');
  });

  it('renders times in the Prefer: outlook.timezone zone, filters and expands extended properties, and checks If-Match', async () => {
    const prop = 'String {00020329-0000-0000-C000-000000000046} Name TandemS4Key';
    const created = (await (
      await api('/users/alice@demo.example/events', {
        method: 'POST',
        body: JSON.stringify({
          subject: 'TZ',
          start: { dateTime: '2026-07-01T09:00:00', timeZone: 'W. Europe Standard Time' },
          end: { dateTime: '2026-07-01T10:00:00', timeZone: 'W. Europe Standard Time' },
          singleValueExtendedProperties: [{ id: prop, value: 'KEY-1' }],
        }),
      })
    ).json()) as { id: string; '@odata.etag': string; start: { dateTime: string } };
    expect(created.start.dateTime).toBe('2026-07-01T07:00:00.0000000');
    const ny = (await (
      await api(`/users/alice@demo.example/events/${created.id}`, {
        headers: { prefer: 'outlook.timezone="America/New_York"' },
      })
    ).json()) as { start: { dateTime: string; timeZone: string } };
    expect(ny.start).toEqual({ dateTime: '2026-07-01T03:00:00.0000000', timeZone: 'America/New_York' });
    const filter = encodeURIComponent(
      `singleValueExtendedProperties/Any(ep: ep/id eq '${prop}' and ep/value eq 'KEY-1')`,
    );
    const expand = encodeURIComponent(`singleValueExtendedProperties($filter=id eq '${prop}')`);
    const found = (await (
      await api(`/users/alice@demo.example/events?$filter=${filter}&$expand=${expand}`)
    ).json()) as { value: Array<{ id: string; singleValueExtendedProperties: unknown }> };
    expect(found.value.map((e) => [e.id, e.singleValueExtendedProperties])).toEqual([
      [created.id, [{ id: prop, value: 'KEY-1' }]],
    ]);
    const ok = await api(`/users/alice@demo.example/events/${created.id}`, {
      method: 'PATCH',
      headers: { 'if-match': created['@odata.etag'] },
      body: JSON.stringify({ subject: 'TZ2' }),
    });
    expect(ok.status).toBe(200);
    const stale = await api(`/users/alice@demo.example/events/${created.id}`, {
      method: 'PATCH',
      headers: { 'if-match': created['@odata.etag'] },
      body: JSON.stringify({ subject: 'TZ3' }),
    });
    expect(stale.status).toBe(412);
  });

  // "List instances" (learn.microsoft.com/graph/api/event-list-instances): occurrences and exceptions with
  // seriesMasterId and originalStart; ids are opaque. The v1.0 event resource
  // (learn.microsoft.com/graph/api/resources/event) has no cancelledOccurrences (beta only), so a deleted
  // occurrence ("Delete event", learn.microsoft.com/graph/api/event-delete) just leaves the instances.
  it('serves a series’ instances with opaque ids and original starts; a deleted occurrence leaves them, the master names none', async () => {
    const master = (await (
      await api('/users/alice@demo.example/events', {
        method: 'POST',
        body: JSON.stringify({
          subject: 'Series',
          start: { dateTime: '2026-09-07T09:00:00', timeZone: 'UTC' },
          end: { dateTime: '2026-09-07T09:30:00', timeZone: 'UTC' },
          recurrence: {
            pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
            range: { type: 'numbered', startDate: '2026-09-07', numberOfOccurrences: 3 },
          },
        }),
      })
    ).json()) as { id: string };
    const window = 'startDateTime=2026-09-01T00:00:00Z&endDateTime=2026-10-01T00:00:00Z';
    type Instance = { id: string; type: string; seriesMasterId: string; originalStart: string };
    const list = async () =>
      (
        (await (await api(`/users/alice@demo.example/events/${master.id}/instances?${window}`)).json()) as {
          value: Instance[];
        }
      ).value;
    const instances = await list();
    expect(instances.map((i) => [i.type, i.seriesMasterId, i.originalStart])).toEqual([
      ['occurrence', master.id, '2026-09-07T09:00:00.000Z'],
      ['occurrence', master.id, '2026-09-14T09:00:00.000Z'],
      ['occurrence', master.id, '2026-09-21T09:00:00.000Z'],
    ]);
    // Nothing of the series or the start can be read out of an occurrence id.
    expect(instances.every((i) => !i.id.includes(master.id) && !/2026|\d{13}/.test(i.id))).toBe(true);
    expect((await api(`/users/alice@demo.example/events/${instances[1]!.id}`)).status).toBe(200);
    expect((await api(`/users/alice@demo.example/events/${instances[1]!.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/users/alice@demo.example/events/${instances[1]!.id}`)).status).toBe(404);
    expect((await list()).map((i) => i.originalStart)).toEqual([
      '2026-09-07T09:00:00.000Z',
      '2026-09-21T09:00:00.000Z',
    ]);
    const read = (await (await api(`/users/alice@demo.example/events/${master.id}`)).json()) as Record<string, unknown>;
    expect(read.type).toBe('seriesMaster');
    expect(read).not.toHaveProperty('cancelledOccurrences');
    await api(`/users/alice@demo.example/events/${master.id}`, { method: 'DELETE' });
  });

  it('limits $batch to 20 requests and answers 424 for failed dependencies', async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({
      id: String(i),
      method: 'GET',
      url: '/users/alice@demo.example/contactFolders',
    }));
    expect((await api('/$batch', { method: 'POST', body: JSON.stringify({ requests }) })).status).toBe(400);
    const res = (await (
      await api('/$batch', {
        method: 'POST',
        body: JSON.stringify({
          requests: [
            { id: '1', method: 'GET', url: '/users/alice@demo.example/events/AAMknope' },
            { id: '2', method: 'GET', url: '/users/alice@demo.example/contactFolders', dependsOn: ['1'] },
            { id: '3', method: 'GET', url: '/users/alice@demo.example/contactFolders' },
          ],
        }),
      })
    ).json()) as { responses: Array<{ id: string; status: number }> };
    expect(Object.fromEntries(res.responses.map((r) => [r.id, r.status]))).toEqual({ 1: 404, 2: 424, 3: 200 });
  });

  it('answers 410 syncStateNotFound for an expired delta token and 429 with Retry-After over the concurrency limit', async () => {
    const first = (await (await api('/users/bob@demo.example/contacts/delta')).json()) as {
      '@odata.deltaLink': string;
    };
    const control = await fetch(`${emu.url}/_emulator/expire-delta-tokens`, {
      method: 'POST',
      body: JSON.stringify({ mailbox: 'bob@demo.example' }),
    });
    expect(control.status).toBe(200);
    const gone = await fetch(first['@odata.deltaLink'].replace(/^https?:\/\/[^/]+/, emu.url), {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('syncStateNotFound');

    emu.setLatency(200);
    const burst = await Promise.all(Array.from({ length: 6 }, () => api('/users/bob@demo.example/contactFolders')));
    emu.setLatency(0);
    const throttled = burst.filter((r) => r.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(2);
    expect(throttled[0]?.headers.get('retry-after')).toBe('1');
  });

  it('exposes faults, stats and mailbox export/import under /_emulator/', async () => {
    await fetch(`${emu.url}/_emulator/fail-next`, {
      method: 'POST',
      body: JSON.stringify({ count: 1, status: 503, code: 'ServiceUnavailable', retryAfterSeconds: 3 }),
    });
    const failed = await api('/users/alice@demo.example/contactFolders');
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('3');
    expect((await api('/users/alice@demo.example/contactFolders')).status).toBe(200);
    const stats = (await (await fetch(`${emu.url}/_emulator/stats`)).json()) as {
      mailboxes: Record<string, { requests: number }>;
    };
    expect(stats.mailboxes['alice@demo.example']?.requests).toBeGreaterThan(0);
    const imported = await fetch(`${emu.url}/_emulator/mailboxes/carol@demo.example/import`, {
      method: 'POST',
      body: JSON.stringify({
        appointments: [],
        tasks: [],
        contacts: [
          {
            displayName: 'Imported',
            emailAddresses: [],
            businessPhones: [],
            categories: [],
            stamp: { s4Key: 'BP-9', hash: 'h' },
          },
        ],
      }),
    });
    expect(imported.status).toBe(200);
    const dump = (await (await fetch(`${emu.url}/_emulator/mailboxes/carol@demo.example`)).json()) as {
      contacts: Array<{ displayName: string; stamp: unknown }>;
    };
    expect(dump.contacts).toEqual([
      expect.objectContaining({ displayName: 'Imported', stamp: { s4Key: 'BP-9', hash: 'h' } }),
    ]);
  });

  // "Limiting application permissions to specific Exchange Online mailboxes"
  // (learn.microsoft.com/en-us/graph/auth-limit-mailbox-access): outside the application access policy every
  // call on the mailbox — subscriptions included — answers 403 ErrorAccessDenied; other mailboxes work.
  it('refuses a mailbox outside the application access policy with 403 ErrorAccessDenied, subscriptions included', async () => {
    const deny = (reason?: 'policy') =>
      fetch(`${emu.url}/_emulator/deny`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mailbox: 'bob@demo.example', ...(reason ? { reason } : {}) }),
      });
    expect((await deny('policy')).status).toBe(200);
    try {
      const read = await api('/users/bob@demo.example/events');
      expect(read.status).toBe(403);
      expect(((await read.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'ErrorAccessDenied',
        message: expect.stringMatching(/AccessPolicy/),
      });
      const subscribe = await api('/subscriptions', {
        method: 'POST',
        body: JSON.stringify({
          changeType: 'created,updated,deleted',
          notificationUrl: 'http://127.0.0.1:9/x',
          resource: '/users/bob@demo.example/events',
          expirationDateTime: new Date(Date.now() + 60 * 60_000).toISOString(),
        }),
      });
      expect(subscribe.status).toBe(403);
      expect(((await subscribe.json()) as { error: { code: string } }).error.code).toBe('ErrorAccessDenied');
      expect((await api('/users/alice@demo.example/events')).status).toBe(200);
    } finally {
      expect((await deny()).status).toBe(200);
    }
    expect((await api('/users/bob@demo.example/events')).status).toBe(200);
  });

  it('rejects subscriptions longer than 4,230 minutes', async () => {
    const res = await api('/subscriptions', {
      method: 'POST',
      body: JSON.stringify({
        changeType: 'created',
        notificationUrl: 'http://127.0.0.1:9/x',
        resource: '/users/alice@demo.example/events',
        expirationDateTime: new Date(Date.now() + 4_300 * 60_000).toISOString(),
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/4230 minutes/);
  });
});
