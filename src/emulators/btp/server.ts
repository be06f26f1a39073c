/**
 * The BTP emulator: XSUAA (client credentials per identity zone, signing keys), the Destination
 * service REST API and the connectivity proxy, on one port — https for XSUAA (xssec only fetches
 * tokens and keys over https), plain http for the rest — plus a control API under /_emulator/ to
 * create subaccounts, destinations and Cloud Connectors. `vcapServices()` gives the bindings an
 * application on Cloud Foundry would see (xsuaa, destination, connectivity).
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { dualProtocolServer, selfSignedCertificate } from '../common/tls.js';
import { destinationRoutes } from './destinations.js';
import {
  BtpState,
  cloudConnectorSchema,
  destinationSchema,
  subaccountSchema,
  type CloudConnector,
  type Destination,
  type ProxyRequestRecord,
  type ServiceClient,
  type ServiceKind,
  type Subaccount,
} from './model.js';
import { createProxyHandler, isProxyRequest } from './proxy.js';
import { TOKEN_VALIDITY_SECONDS, XsuaaIssuer, zoneOfTokenRequest } from './xsuaa.js';

export const DEFAULT_BTP_EMULATOR_PORT = 8093;

export interface BtpEmulatorOptions {
  port?: number;
  host?: string;
  /** The provider subaccount (where Tandem is deployed). */
  provider?: { id: string; subdomain: string };
  /** xsappname of the application's xsuaa instance (scopes are `<xsappname>.<name>`). */
  xsappname?: string;
}

export interface BtpEmulator {
  /** http://127.0.0.1:PORT — destination service, control API, and (absolute-form requests) the connectivity proxy. */
  url: string;
  /** https://localhost:PORT — XSUAA. */
  uaaUrl: string;
  port: number;
  /** PEM of the self-signed certificate XSUAA serves (callers trust it like a CA). */
  caCertificatePem: string;
  xsappname: string;
  provider: Subaccount;
  clients: Record<ServiceKind, ServiceClient>;
  addSubaccount(input: { id: string; subdomain: string }): Subaccount;
  putDestination(subaccountId: string, destination: z.input<typeof destinationSchema>): Destination;
  connectCloudConnector(subaccountId: string, connector: z.input<typeof cloudConnectorSchema>): CloudConnector;
  /** A user's token in a subaccount with `<xsappname>.<scope>` scopes (what the approuter would forward after login). */
  userToken(subaccountId: string, user: string, scopes: string[]): Promise<string>;
  /** VCAP_SERVICES with xsuaa, destination and connectivity bindings pointing here. */
  vcapServices(): Record<string, unknown[]>;
  proxyRequests(): readonly ProxyRequestRecord[];
  destinationLookups(): ReadonlyArray<{ subaccountId: string; name: string; found: boolean }>;
  close(): Promise<void>;
}

const clientOf = (service: ServiceKind, xsappname: string): ServiceClient => ({
  service,
  clientId: `sb-${xsappname}`,
  clientSecret: randomBytes(18).toString('base64url'),
  xsappname,
});

export async function startBtpEmulator(options: BtpEmulatorOptions = {}): Promise<BtpEmulator> {
  const state = new BtpState();
  const provider = state.addSubaccount(options.provider ?? { id: 'provider-subaccount', subdomain: 'provider' }, true);
  const xsappname = options.xsappname ?? 'tandem!t1';
  const clients: Record<ServiceKind, ServiceClient> = {
    xsuaa: clientOf('xsuaa', xsappname),
    destination: clientOf('destination', 'clone-destination!b9'),
    connectivity: clientOf('connectivity', 'clone-connectivity!b17'),
  };
  let port = 0;
  const uaaDomain = () => `localhost:${port}`;
  const issuer = await XsuaaIssuer.create(uaaDomain);
  const tls = await selfSignedCertificate();

  const app = express();
  app.disable('x-powered-by');

  // XSUAA: POST /oauth/token (client_credentials; client in the form body or HTTP Basic), GET /token_keys.
  app.post(
    '/oauth/token',
    express.urlencoded({ extended: false, limit: '16kb' }),
    async (req: Request, res: Response) => {
      const body = (req.body ?? {}) as Record<string, string>;
      const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const [basicId, basicSecret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
      const clientId = body.client_id ?? basicId;
      const clientSecret = body.client_secret ?? basicSecret;
      const client = Object.values(clients).find((c) => c.clientId === clientId && c.clientSecret === clientSecret);
      if (!client) {
        res.status(401).json({ error: 'invalid_client', error_description: 'Bad credentials' });
        return;
      }
      if (body.grant_type !== 'client_credentials') {
        res.status(400).json({
          error: 'unsupported_grant_type',
          error_description: `grant_type ${body.grant_type ?? '(none)'} is not emulated`,
        });
        return;
      }
      const zone = zoneOfTokenRequest(state, req.header('x-zid'), req.headers.host);
      if (!zone) {
        res.status(401).json({ error: 'unauthorized', error_description: 'Unknown identity zone' });
        return;
      }
      const { token, claims } = await issuer.sign(zone, client, { type: 'client_credentials' });
      res.json({
        access_token: token,
        token_type: 'bearer',
        expires_in: TOKEN_VALIDITY_SECONDS - 1,
        scope: claims.scope.join(' '),
        jti: claims.jti,
      });
    },
  );
  app.get('/token_keys', (_req, res) => {
    res.json({ keys: [issuer.jwk] });
  });

  app.use(destinationRoutes(state, issuer, clients.destination, Object.values(clients)));

  const emulator: BtpEmulator = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get uaaUrl() {
      return `https://localhost:${port}`;
    },
    get port() {
      return port;
    },
    caCertificatePem: tls.cert,
    xsappname,
    provider,
    clients,
    addSubaccount: (input) => state.addSubaccount(subaccountSchema.parse(input)),
    putDestination(subaccountId, input) {
      if (!state.subaccounts.has(subaccountId)) throw new Error(`no subaccount ${subaccountId}`);
      const destination = destinationSchema.parse(input);
      state.putDestination(subaccountId, destination);
      return destination;
    },
    connectCloudConnector(subaccountId, input) {
      if (!state.subaccounts.has(subaccountId)) throw new Error(`no subaccount ${subaccountId}`);
      const connector = cloudConnectorSchema.parse(input);
      state.putCloudConnector(subaccountId, connector);
      return connector;
    },
    async userToken(subaccountId, user, scopes) {
      const subaccount = state.subaccounts.get(subaccountId);
      if (!subaccount) throw new Error(`no subaccount ${subaccountId}`);
      return (
        await issuer.sign(subaccount, clients.xsuaa, {
          type: 'authorization_code',
          user,
          scopes: scopes.map((s) => `${xsappname}.${s}`),
        })
      ).token;
    },
    vcapServices() {
      const zone = {
        identityzone: provider.subdomain,
        tenantid: provider.id,
        uaadomain: uaaDomain(),
        url: emulator.uaaUrl,
      };
      const binding = (label: string, name: string, credentials: Record<string, unknown>) => ({
        label,
        name,
        tags: [label],
        plan: 'lite',
        credentials,
      });
      return {
        xsuaa: [
          binding('xsuaa', 'tandem-uaa', {
            ...zone,
            clientid: clients.xsuaa.clientId,
            clientsecret: clients.xsuaa.clientSecret,
            xsappname,
            tenantmode: 'shared',
            verificationkey: '',
          }),
        ],
        destination: [
          binding('destination', 'tandem-destination', {
            ...zone,
            clientid: clients.destination.clientId,
            clientsecret: clients.destination.clientSecret,
            xsappname: clients.destination.xsappname,
            uri: emulator.url,
            tenantmode: 'dedicated',
          }),
        ],
        connectivity: [
          binding('connectivity', 'tandem-connectivity', {
            ...zone,
            clientid: clients.connectivity.clientId,
            clientsecret: clients.connectivity.clientSecret,
            xsappname: clients.connectivity.xsappname,
            tenantmode: 'dedicated',
            onpremise_proxy_host: '127.0.0.1',
            onpremise_proxy_http_port: String(port),
            onpremise_proxy_port: String(port),
            onpremise_socks5_proxy_port: '0',
            onpremise_proxy_ldap_port: '0',
            onpremise_proxy_rfc_port: '0',
          }),
        ],
      };
    },
    proxyRequests: () => state.proxyRequests,
    destinationLookups: () => state.destinationLookups,
    close: async () => {
      await closeServer();
    },
  };

  app.use('/_emulator', controlRoutes(emulator));
  app.use((_req, res) => {
    res.status(404).json({ ErrorMessage: 'Not found' });
  });

  const proxy = createProxyHandler(state, issuer, clients.connectivity);
  const { server, close: closeServer } = dualProtocolServer((req, res) => {
    if (isProxyRequest(req)) void proxy(req, res);
    else app(req, res);
  }, tls);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return emulator;
}

/**
 * /_emulator/: what an operator does in the BTP cockpit and the Cloud Connector administration —
 * create subaccounts, maintain destinations, connect Cloud Connectors — plus what the tests read.
 * Local only, like every emulator's control API.
 */
function controlRoutes(emulator: BtpEmulator): express.Router {
  const router = express.Router();
  router.use(express.json({ limit: '64kb' }));
  const handle =
    (fn: (req: Request) => unknown | Promise<unknown>, status = 200) =>
    async (req: Request, res: Response) => {
      try {
        res.status(status).json(await fn(req));
      } catch (error) {
        const message =
          error instanceof z.ZodError
            ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
            : error instanceof Error
              ? error.message
              : String(error);
        res.status(400).json({ error: message });
      }
    };
  router.post(
    '/subaccounts',
    handle((req) => emulator.addSubaccount(req.body as { id: string; subdomain: string }), 201),
  );
  router.put(
    '/subaccounts/:id/destinations/:name',
    handle((req) =>
      emulator.putDestination(String(req.params.id), {
        ...(req.body as object),
        Name: String(req.params.name),
      } as z.input<typeof destinationSchema>),
    ),
  );
  router.post(
    '/subaccounts/:id/cloud-connectors',
    handle(
      (req) => emulator.connectCloudConnector(String(req.params.id), req.body as z.input<typeof cloudConnectorSchema>),
      201,
    ),
  );
  router.post(
    '/subaccounts/:id/user-token',
    handle(async (req) => {
      const body = z.object({ user: z.string().min(1), scopes: z.array(z.string()).default([]) }).parse(req.body);
      return { access_token: await emulator.userToken(String(req.params.id), body.user, body.scopes) };
    }),
  );
  router.get(
    '/bindings',
    handle(() => emulator.vcapServices()),
  );
  router.get(
    '/proxy-requests',
    handle(() => emulator.proxyRequests()),
  );
  router.get(
    '/destination-lookups',
    handle(() => emulator.destinationLookups()),
  );
  return router;
}
