import https from 'node:https';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../../src/config/config.js';
import { createS4Client, type S4Client } from '../../../src/connectors/s4/index.js';
import { DEMO_SETTINGS } from '../../../src/demo/seed.js';
import { startBtpEmulator, type BtpEmulator } from '../../../src/emulators/btp/index.js';
import { startEwsEmulator, type EwsEmulator } from '../../../src/emulators/ews/index.js';
import { startS4Emulator, type S4Emulator } from '../../../src/emulators/s4/index.js';
import { createEnvironment } from '../../../src/environments/environment-repository.js';
import { environmentInput } from '../../../src/environments/environment-schema.js';
import { freePort } from '../../../src/runtime/free-port.js';
import { startWeb, type RunningWeb } from '../../../src/runtime/web.js';
import { startWorkerProcess } from '../../../src/runtime/worker.js';
import { issueCallbackCredential } from '../../../src/security/callback-credentials.js';
import { setOutboundPolicy } from '../../../src/security/outbound.js';
import { SecretBox } from '../../../src/security/secret-box.js';
import { withTenant } from '../../../src/store/transaction.js';
import { saveS4Connection } from '../../../src/tenants/s4-connection.js';
import { saveSettings } from '../../../src/tenants/tenant-repository.js';
import { provisionTenant } from '../../../src/tenants/tenant-lifecycle.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '../../support/database.js';
import { deleteRedisPrefix, waitFor } from '../../support/service.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';

/**
 * Tandem as it runs on BTP, against the BTP emulator: AUTH_MODE=xsuaa with xsuaa, destination and
 * connectivity bindings in VCAP_SERVICES; a provider subaccount and two subscriber tenants, each
 * with an on-premise destination named "S4" that goes through the connectivity proxy under its
 * own Cloud Connector location id to its own S/4 emulator. A third tenant names a destination
 * that exists only in the provider subaccount. Web and worker run as in production, in-process.
 */
const TENANTS = {
  a: {
    id: 'tenant-a',
    subdomain: 'customer-a',
    location: 'LOC-A',
    user: 'alice@a.example',
    callback: { username: 'S4_A', password: 'callback-password-a' },
  },
  b: {
    id: 'tenant-b',
    subdomain: 'customer-b',
    location: 'LOC-B',
    user: 'bob@b.example',
    callback: { username: 'S4_B', password: 'callback-password-b' },
  },
  c: {
    id: 'tenant-c',
    subdomain: 'customer-c',
    location: 'LOC-C',
    user: 'carol@c.example',
    callback: { username: 'S4_C', password: 'callback-password-c' },
  },
} as const;
const EWS_TIME_SCALE = 0.05;

let db: TestDatabase;
let btp: BtpEmulator;
let ewsEmulator: EwsEmulator;
const s4 = {} as Record<'a' | 'b' | 'provider', S4Emulator>;
const asS4User = {} as Record<'a' | 'b', S4Client>;
let web: RunningWeb;
let worker: { stopAll(): Promise<void> };
let config: Config;
let prefix: string;
let previousCa: unknown;
const savedVcap = process.env.VCAP_SERVICES;

beforeAll(async () => {
  db = await createTestDatabase();
  prefix = uniqueRedisPrefix('btp');
  const port = await freePort();
  const webUrl = `http://127.0.0.1:${port}`;
  btp = await startBtpEmulator();
  ewsEmulator = await startEwsEmulator({
    port: 0,
    timeScale: EWS_TIME_SCALE,
    mailboxes: Object.values(TENANTS).map((t) => t.user),
  });
  s4.a = await startS4Emulator({
    port: 0,
    eventsUrl: `${webUrl}/s4/events`,
    eventsAuth: TENANTS.a.callback,
    eventRetry: { initialDelayMs: 100, maxDelayMs: 1_000 },
  });
  s4.b = await startS4Emulator({
    port: 0,
    eventsUrl: `${webUrl}/s4/events`,
    eventsAuth: TENANTS.b.callback,
    eventRetry: { initialDelayMs: 100, maxDelayMs: 1_000 },
  });
  s4.provider = await startS4Emulator({ port: 0 });
  for (const key of ['a', 'b'] as const) {
    asS4User[key] = createS4Client({
      kind: 'url',
      url: s4[key].url,
      username: 'TANDEM_COMM',
      password: 'demo-password',
      sapClient: '100',
    });
  }

  // The subaccounts as their administrators set them up in the BTP cockpit and the Cloud Connector.
  const onPremiseS4 = (location: string) => ({
    Name: 'S4',
    URL: 'http://s4-virtual:44300',
    Authentication: 'BasicAuthentication' as const,
    ProxyType: 'OnPremise' as const,
    CloudConnectorLocationId: location,
    User: 'TANDEM_COMM',
    Password: 'demo-password',
    'sap-client': '100',
  });
  for (const key of ['a', 'b'] as const) {
    const tenant = TENANTS[key];
    btp.addSubaccount({ id: tenant.id, subdomain: tenant.subdomain });
    btp.putDestination(tenant.id, onPremiseS4(tenant.location));
    btp.connectCloudConnector(tenant.id, {
      locationId: tenant.location,
      systems: [{ virtualHost: 's4-virtual:44300', backendUrl: s4[key].url }],
    });
  }
  btp.addSubaccount({ id: TENANTS.c.id, subdomain: TENANTS.c.subdomain });
  // Only the provider has an "S4": a tenant naming it must not reach the provider's system.
  btp.putDestination(btp.provider.id, onPremiseS4('LOC-P'));
  btp.connectCloudConnector(btp.provider.id, {
    locationId: 'LOC-P',
    systems: [{ virtualHost: 's4-virtual:44300', backendUrl: s4.provider.url }],
  });

  // What Cloud Foundry gives the app: the bindings (the Cloud SDK reads them from the environment).
  process.env.VCAP_SERVICES = JSON.stringify(btp.vcapServices());
  previousCa = https.globalAgent.options.ca;
  // xssec fetches tokens and keys through the global agent; trust the emulated XSUAA's certificate.
  https.globalAgent.options.ca = btp.caCertificatePem;
  config = loadConfig({
    ...process.env,
    AUTH_MODE: 'xsuaa',
    DATABASE_URL: db.url,
    QUEUE_PREFIX: prefix,
    PORT: String(port),
    PUBLIC_URL: webUrl,
    TANDEM_SECRET_KEY: `e2e:${Buffer.alloc(32, 9).toString('base64')}`,
    TANDEM_ALLOWED_TARGETS: '127.0.0.1',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
  });
  expect(config.authMode).toBe('xsuaa');

  web = await startWeb(config, { port, host: '127.0.0.1' });
  await seedTenants();
  worker = await startWorkerProcess(config, {
    maintenanceEveryMs: 500,
    sweepIntervalMs: 1_000,
    subscriptions: { statusFrequencyMinutes: 1, timeScale: EWS_TIME_SCALE },
  });
  // This test also acts as the S/4 users, over plain http to the S/4 emulators, from the same
  // process: the outbound guard for tenant-entered URLs (https, public addresses) would refuse
  // that. Tandem's own S/4 traffic here goes through destinations and the connectivity proxy,
  // which the guard does not govern, so relaxing it changes nothing this test proves.
  setOutboundPolicy({ mode: 'dev', allowed: [], destinationsOnly: false });
}, 180_000);

afterAll(async () => {
  await worker?.stopAll();
  await web?.stop();
  await Promise.all([btp?.close(), ewsEmulator?.close(), ...Object.values(s4).map((e) => e.close())]);
  https.globalAgent.options.ca = previousCa as never;
  if (savedVcap === undefined) delete process.env.VCAP_SERVICES;
  else process.env.VCAP_SERVICES = savedVcap;
  if (config) {
    const redis = new Redis(config.redis.url);
    await deleteRedisPrefix(redis, prefix);
    await redis.quit();
  }
  await db?.drop();
});

/** Each tenant as subscription and its admin set it up: EWS environment, one user (EMP001 in their S/4), callback credential, destination "S4". */
async function seedTenants(): Promise<void> {
  const box = new SecretBox(config.secretKeys);
  for (const tenant of Object.values(TENANTS)) {
    await provisionTenant(web.pool, { tenantId: tenant.id, subdomain: tenant.subdomain });
    await withTenant(
      tenant.id,
      async (tx) => {
        const environment = await createEnvironment(
          tx,
          box,
          tenant.id,
          environmentInput.parse({
            kind: 'ews-onprem',
            name: 'Exchange',
            testMailbox: tenant.user,
            url: ewsEmulator.ewsHttpsUrl,
            caCertificate: ewsEmulator.caPem,
            auth: 'basic',
            username: 'svc@demo.example',
            password: 'demo-password',
            impersonation: true,
            serverVersion: 'Exchange2016',
          }),
        );
        await tx.query(
          `INSERT INTO mailboxes (tenant_id, environment_id, smtp_address, s4_user, employee_bp) VALUES ($1, $2, $3, 'USER', 'EMP001')`,
          [tenant.id, environment.id, tenant.user],
        );
        await issueCallbackCredential(tx, tenant.id, 'e2e', tenant.callback);
        await saveS4Connection(tx, tenant.id, box, { kind: 'destination', destinationName: 'S4' });
        await saveSettings(tx, tenant.id, DEMO_SETTINGS, 'e2e');
      },
      web.pool,
    );
  }
}

const inOneWeek = (hour: number) => {
  const date = new Date(Date.now() + 7 * 86_400_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString();
};
const calendarSubjects = (mailbox: string) =>
  ewsEmulator
    .listItems(mailbox)
    .filter((item) => item.folder === 'calendar')
    .map((item) => item.subject);

async function outlookAppointment(mailbox: string, subject: string, hour: number): Promise<string> {
  const item = new ews.Appointment(makeService(ewsEmulator, { impersonate: mailbox }));
  item.Subject = subject;
  item.Start = ews.DateTime.Parse(inOneWeek(hour));
  item.End = ews.DateTime.Parse(inOneWeek(hour + 1));
  item.Categories.Add('S/4HANA');
  await item.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
  return item.Id.UniqueId;
}

async function activeSubscriptions(tenantId: string): Promise<number | undefined> {
  const n = await withTenant(
    tenantId,
    async (tx) =>
      (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM subscriptions WHERE state = 'active'`)).rows[0]!.n,
    web.pool,
  );
  return n >= 3 ? n : undefined;
}

describe('subscriber destinations on BTP (web + worker against the BTP emulator)', { timeout: 120_000 }, () => {
  it("reads each tenant's appointments from its own S/4, through the connectivity proxy with that tenant's token and location id", async () => {
    await waitFor(() => activeSubscriptions(TENANTS.a.id), 'tenant A subscribed', 60_000);
    await waitFor(() => activeSubscriptions(TENANTS.b.id), 'tenant B subscribed', 60_000);
    // The same employee (EMP001) exists in both S/4 systems; each appointment must reach only its own tenant's user.
    const common = {
      processType: 'ZVIS',
      end: inOneWeek(9),
      timeZone: 'Europe/Berlin',
      texts: [],
      partners: [{ partnerFunction: '00000014', businessPartner: 'EMP001' }],
    };
    await asS4User.a.createAppointment({ ...common, subject: 'Visit from S/4 A', start: inOneWeek(8) });
    await asS4User.b.createAppointment({ ...common, subject: 'Visit from S/4 B', start: inOneWeek(8) });
    await waitFor(
      async () => calendarSubjects(TENANTS.a.user).includes('Visit from S/4 A') || undefined,
      "A's appointment in Alice's calendar",
      60_000,
    );
    await waitFor(
      async () => calendarSubjects(TENANTS.b.user).includes('Visit from S/4 B') || undefined,
      "B's appointment in Bob's calendar",
      60_000,
    );
    expect(calendarSubjects(TENANTS.a.user)).not.toContain('Visit from S/4 B');
    expect(calendarSubjects(TENANTS.b.user)).not.toContain('Visit from S/4 A');

    // The worker's reads went through the proxy, authorised in each tenant's own zone and routed by its location id.
    const reads = btp.proxyRequests().filter((r) => r.status === 200);
    expect(
      reads.some(
        (r) => r.subaccountId === TENANTS.a.id && r.locationId === 'LOC-A' && r.backendUrl!.startsWith(s4.a.url),
      ),
    ).toBe(true);
    expect(
      reads.some(
        (r) => r.subaccountId === TENANTS.b.id && r.locationId === 'LOC-B' && r.backendUrl!.startsWith(s4.b.url),
      ),
    ).toBe(true);
    // And no request of one tenant ever reached the other's system.
    const ownSystem: Record<string, string> = { [TENANTS.a.id]: s4.a.url, [TENANTS.b.id]: s4.b.url };
    for (const request of btp.proxyRequests().filter((r) => r.backendUrl))
      expect(request.backendUrl!.startsWith(ownSystem[request.subaccountId!]!)).toBe(true);
  });

  it("writes each tenant's Outlook appointments to its own S/4 only", async () => {
    const itemA = await outlookAppointment(TENANTS.a.user, 'Planned in Outlook A', 11);
    const itemB = await outlookAppointment(TENANTS.b.user, 'Planned in Outlook B', 13);
    await waitFor(
      async () => (await asS4User.a.findAppointmentsByExternalReference(itemA)).length === 1 || undefined,
      'activity in S/4 A',
      60_000,
    );
    await waitFor(
      async () => (await asS4User.b.findAppointmentsByExternalReference(itemB)).length === 1 || undefined,
      'activity in S/4 B',
      60_000,
    );
    expect(await asS4User.a.findAppointmentsByExternalReference(itemB)).toEqual([]);
    expect(await asS4User.b.findAppointmentsByExternalReference(itemA)).toEqual([]);
  });

  it("a destination that exists only in the provider subaccount: S4_DESTINATION_NOT_FOUND in the journal and the admin API, no request to the provider's S/4", async () => {
    await waitFor(() => activeSubscriptions(TENANTS.c.id), 'tenant C subscribed', 60_000);
    await outlookAppointment(TENANTS.c.user, 'Planned in Outlook C', 15);
    // The failed catch-up of Carol's calendar is journalled under her mailbox, with the typed error as its reason.
    const failure = await waitFor(
      async () =>
        (
          await withTenant(
            TENANTS.c.id,
            (tx) =>
              tx.query<{ reason: string; details: Record<string, unknown> }>(
                `SELECT reason, details FROM journal WHERE outcome = 'failed'`,
              ),
            web.pool,
          )
        ).rows[0],
      "the failure in C's journal",
      60_000,
    );
    expect(failure.reason).toBe('S4_DESTINATION_NOT_FOUND');
    expect(String(failure.details.message)).toMatch(/Destination "S4" was not found in the tenant's subaccount/);

    // What a tenant admin sees (cockpit journal view = this API), with an XSUAA token of their own subaccount.
    const token = await btp.userToken(TENANTS.c.id, 'admin@c.example', ['Admin', 'Support']);
    const response = await fetch(`${web.url}/api/v1/journal?outcome=failed`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(JSON.stringify(await response.json())).toContain('S4_DESTINATION_NOT_FOUND');

    expect(
      btp
        .destinationLookups()
        .filter((l) => l.name === 'S4' && l.subaccountId === TENANTS.c.id)
        .every((l) => !l.found),
    ).toBe(true);
    expect(btp.destinationLookups().some((l) => l.subaccountId === btp.provider.id)).toBe(false);
    expect(
      btp.proxyRequests().some((r) => r.subaccountId === btp.provider.id || r.backendUrl?.startsWith(s4.provider.url)),
    ).toBe(false);
  });
});
