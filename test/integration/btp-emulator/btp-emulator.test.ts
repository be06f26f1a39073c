import http from 'node:http';
import https from 'node:https';
import { alwaysSubscriber, getDestinationFromDestinationService, serviceToken } from '@sap-cloud-sdk/connectivity';
import { executeHttpRequest } from '@sap-cloud-sdk/http-client';
import { buildHttpRequestConfigWithOrigin, execute } from '@sap-cloud-sdk/http-client/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBtpEmulator, type BtpEmulator } from '../../../src/emulators/btp/index.js';
import { startS4Emulator, type S4Emulator } from '../../../src/emulators/s4/index.js';
import { sendS4Request } from '../../../src/connectors/s4/transport.js';

/**
 * The BTP emulator against the real clients: the SAP Cloud SDK (destination lookup, connectivity
 * proxy) and @sap/xssec (token fetch by zone id, which the SDK uses underneath). VCAP_SERVICES is
 * built from the emulator, as Cloud Foundry would give it to the app.
 */
let btp: BtpEmulator;
let s4a: S4Emulator;
let s4b: S4Emulator;
let previousCa: unknown;
const saved = { VCAP_SERVICES: process.env.VCAP_SERVICES };
const PARTNERS = '/sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner?$top=1&$format=json';

beforeAll(async () => {
  btp = await startBtpEmulator();
  [s4a, s4b] = await Promise.all([startS4Emulator({ port: 0 }), startS4Emulator({ port: 0 })]);
  process.env.VCAP_SERVICES = JSON.stringify(btp.vcapServices());
  previousCa = https.globalAgent.options.ca;
  https.globalAgent.options.ca = btp.caCertificatePem;
  btp.addSubaccount({ id: 'sub-a', subdomain: 'customer-a' });
  btp.addSubaccount({ id: 'sub-b', subdomain: 'customer-b' });
  for (const [subaccount, location, backend] of [
    ['sub-a', 'LOC-A', s4a],
    ['sub-b', 'LOC-B', s4b],
  ] as const) {
    btp.putDestination(subaccount, {
      Name: 'S4',
      URL: 'http://s4-virtual:44300',
      Authentication: 'BasicAuthentication',
      ProxyType: 'OnPremise',
      CloudConnectorLocationId: location,
      User: 'TANDEM_COMM',
      Password: 'demo-password',
      'sap-client': '100',
    });
    btp.connectCloudConnector(subaccount, {
      locationId: location,
      systems: [{ virtualHost: 's4-virtual:44300', backendUrl: backend.url }],
    });
  }
  btp.putDestination(btp.provider.id, { Name: 'PROVIDER_ONLY', URL: s4a.url, Authentication: 'NoAuthentication' });
}, 60_000);

afterAll(async () => {
  https.globalAgent.options.ca = previousCa as never;
  if (saved.VCAP_SERVICES === undefined) delete process.env.VCAP_SERVICES;
  else process.env.VCAP_SERVICES = saved.VCAP_SERVICES;
  await Promise.all([btp?.close(), s4a?.close(), s4b?.close()]);
});

const tokenFor = (zid: string) => serviceToken('xsuaa', { jwt: { zid }, useCache: false });
const decode = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, any>;

describe('XSUAA (SAP Help: XSUAA token claims; xssec fetches by zone id with x-zid)', () => {
  it('issues client-credentials tokens per identity zone with zid, iss and ext_attr.zdn of that zone', async () => {
    const claims = decode(await tokenFor('sub-a'));
    expect(claims.zid).toBe('sub-a');
    expect(claims.ext_attr.zdn).toBe('customer-a');
    expect(claims.iss).toBe(`https://customer-a.localhost:${btp.port}/oauth/token`);
    expect(claims.grant_type).toBe('client_credentials');
    expect(claims.client_id).toBe(btp.clients.xsuaa.clientId);
  });

  it('refuses a wrong client secret and an unknown zone', async () => {
    const form = (secret: string) =>
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: btp.clients.xsuaa.clientId,
        client_secret: secret,
      });
    const post = (body: URLSearchParams, zid?: string) =>
      new Promise<number>((resolve, reject) => {
        const req = https.request(
          `${btp.uaaUrl}/oauth/token`,
          {
            method: 'POST',
            ca: btp.caCertificatePem,
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...(zid ? { 'x-zid': zid } : {}) },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        );
        req.on('error', reject);
        req.end(body.toString());
      });
    expect(await post(form('wrong'), 'sub-a')).toBe(401);
    expect(await post(form(btp.clients.xsuaa.clientSecret), 'no-such-zone')).toBe(401);
    expect(await post(form(btp.clients.xsuaa.clientSecret), 'sub-a')).toBe(200);
  });
});

describe('Destination service REST API, "Find Destination" (SAP Help)', () => {
  const find = (name: string, token?: string) =>
    fetch(`${btp.url}/destination-configuration/v1/destinations/${name}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const destinationToken = (zid: string) => serviceToken('destination', { jwt: { zid }, useCache: false });

  it('answers 401 without a token and 403 for a token of another client', async () => {
    expect((await find('S4')).status).toBe(401);
    expect((await find('S4', await tokenFor('sub-a'))).status).toBe(403);
  });

  it('answers from the subaccount of the calling token: owner, destinationConfiguration and authTokens', async () => {
    const response = await find('S4', await destinationToken('sub-a'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, any>;
    expect(body.owner).toEqual({ SubaccountId: 'sub-a', InstanceId: null });
    expect(body.destinationConfiguration).toMatchObject({
      Name: 'S4',
      ProxyType: 'OnPremise',
      CloudConnectorLocationId: 'LOC-A',
    });
    expect(body.authTokens[0]).toMatchObject({ type: 'Basic', http_header: { key: 'Authorization' } });
  });

  it("never answers with another subaccount's destination: the provider's is not found with a subscriber token", async () => {
    expect((await find('PROVIDER_ONLY', await destinationToken('sub-a'))).status).toBe(404);
    expect((await find('PROVIDER_ONLY', await destinationToken(btp.provider.id))).status).toBe(200);
  });

  it('gives an OAuth2ClientCredentials destination a bearer auth token', async () => {
    btp.putDestination('sub-b', {
      Name: 'OAUTH',
      URL: 'https://api.example.com',
      Authentication: 'OAuth2ClientCredentials',
      tokenServiceURL: `https://customer-b.localhost:${btp.port}/oauth/token`,
      clientId: btp.clients.xsuaa.clientId,
      clientSecret: btp.clients.xsuaa.clientSecret,
    });
    const body = (await (await find('OAUTH', await destinationToken('sub-b'))).json()) as Record<string, any>;
    expect(body.authTokens[0].type).toBe('bearer');
    expect(decode(body.authTokens[0].value).zid).toBe('sub-b');
  });
});

describe('Connectivity proxy (SAP Help: Consuming the Connectivity Service, HTTP proxy for on-premise)', () => {
  // The SDK's own client (axios) and Tandem's S/4 transport (node:http for reads, transport.ts) alike.
  const clients = {
    'the Cloud SDK': (destination: unknown) =>
      executeHttpRequest(destination as never, { method: 'get', url: PARTNERS }),
    "Tandem's S/4 transport": (destination: unknown) =>
      execute(sendS4Request)(
        destination as never,
        buildHttpRequestConfigWithOrigin({
          method: 'get',
          url: PARTNERS,
          responseType: 'text',
          maxRedirects: 0,
        } as never),
        { fetchCsrfToken: false },
      ),
  };
  it.each(Object.keys(clients) as Array<keyof typeof clients>)(
    "%s reaches each subscriber's own S/4 through the proxy with Proxy-Authorization and the location id",
    async (client) => {
      for (const [zid, location, emulator] of [
        ['sub-a', 'LOC-A', s4a],
        ['sub-b', 'LOC-B', s4b],
      ] as const) {
        const destination = await getDestinationFromDestinationService({
          destinationName: 'S4',
          jwt: await tokenFor(zid),
          selectionStrategy: alwaysSubscriber,
        });
        expect(destination?.proxyType).toBe('OnPremise');
        const response = await clients[client](destination);
        expect(response.status).toBe(200);
        const body = typeof response.data === 'string' ? JSON.parse(response.data) : response.data;
        expect(body.d.results).toHaveLength(1);
        const last = btp.proxyRequests().at(-1)!;
        expect(last).toMatchObject({ subaccountId: zid, locationId: location, status: 200 });
        expect(last.backendUrl!.startsWith(emulator.url)).toBe(true);
      }
    },
  );

  const viaProxy = (headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: btp.port, method: 'GET', path: `http://s4-virtual:44300${PARTNERS}`, headers },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const connectivityToken = (zid: string) => serviceToken('connectivity', { jwt: { zid }, useCache: false });

  it('answers 407 without Proxy-Authorization or with a token of another client', async () => {
    expect(await viaProxy({ 'SAP-Connectivity-SCC-Location_ID': 'LOC-A' })).toBe(407);
    expect(
      await viaProxy({
        'Proxy-Authorization': `Bearer ${await tokenFor('sub-a')}`,
        'SAP-Connectivity-SCC-Location_ID': 'LOC-A',
      }),
    ).toBe(407);
  });

  it("answers 503 when no Cloud Connector of the token's subaccount has that location id (B's token cannot use A's connector)", async () => {
    expect(
      await viaProxy({
        'Proxy-Authorization': `Bearer ${await connectivityToken('sub-b')}`,
        'SAP-Connectivity-SCC-Location_ID': 'LOC-A',
      }),
    ).toBe(503);
    expect(await viaProxy({ 'Proxy-Authorization': `Bearer ${await connectivityToken('sub-a')}` })).toBe(503);
  });

  it('answers 403 for a virtual host the Cloud Connector does not expose', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      void connectivityToken('sub-a').then((token) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: btp.port,
            path: 'http://other-host:1234/',
            headers: {
              'Proxy-Authorization': `Bearer ${token}`,
              'SAP-Connectivity-SCC-Location_ID': 'LOC-A',
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        );
        req.on('error', reject);
        req.end();
      }, reject);
    });
    expect(status).toBe(403);
  });
});
