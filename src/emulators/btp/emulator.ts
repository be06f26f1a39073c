/**
 * The BTP emulator: XSUAA (client credentials per identity zone, signing keys), the Destination
 * service REST API and the connectivity proxy, on one port — https for XSUAA (xssec only fetches
 * tokens and keys over https), plain http for the rest — plus a control API under /_emulator/ to
 * create subaccounts, destinations and Cloud Connectors. `vcapServices()` gives the bindings an
 * application on Cloud Foundry would see (xsuaa, destination, connectivity).
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { listen } from '../common/http.js';
import { dualProtocolServer, selfSignedCertificate } from '../common/tls.js';
import type { BtpEmulatorControls } from './control.js';
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
import { createRequestListener, type BtpServices } from './server.js';
import { XsuaaIssuer } from './xsuaa.js';

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
  const endpoint = { port: 0 };
  const services: BtpServices = {
    state,
    issuer: await XsuaaIssuer.create(() => `localhost:${endpoint.port}`),
    clients: serviceClients(xsappname),
  };
  const tls = await selfSignedCertificate();
  const controls = createControls(services, { provider, xsappname, endpoint, caCertificatePem: tls.cert });
  const dual = dualProtocolServer(createRequestListener(services, controls), tls);
  endpoint.port = await listen(dual.server, options.port ?? 0, options.host ?? '127.0.0.1');
  return Object.assign(controls, { close: () => dual.close() });
}

/** The service instances' clients (an xsuaa instance of the app, destination and connectivity instances). */
function serviceClients(xsappname: string): Record<ServiceKind, ServiceClient> {
  return {
    xsuaa: clientOf('xsuaa', xsappname),
    destination: clientOf('destination', 'clone-destination!b9'),
    connectivity: clientOf('connectivity', 'clone-connectivity!b17'),
  };
}

/** The emulator's typed controls; its URLs follow the port, which is known once it listens. */
function createControls(
  services: BtpServices,
  emulator: { provider: Subaccount; xsappname: string; endpoint: { port: number }; caCertificatePem: string },
): BtpEmulatorControls {
  const { state, issuer, clients } = services;
  const { provider, xsappname, endpoint } = emulator;
  return {
    get url() {
      return `http://127.0.0.1:${endpoint.port}`;
    },
    get uaaUrl() {
      return `https://localhost:${endpoint.port}`;
    },
    get port() {
      return endpoint.port;
    },
    caCertificatePem: emulator.caCertificatePem,
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
    vcapServices: () => vcapServices(services, provider, xsappname, endpoint.port),
    proxyRequests: () => state.proxyRequests,
    destinationLookups: () => state.destinationLookups,
  };
}

/** VCAP_SERVICES as Cloud Foundry gives it to an app bound to xsuaa, destination and connectivity here. */
function vcapServices(
  services: BtpServices,
  provider: Subaccount,
  xsappname: string,
  port: number,
): Record<string, unknown[]> {
  const { clients } = services;
  const zone = {
    identityzone: provider.subdomain,
    tenantid: provider.id,
    uaadomain: `localhost:${port}`,
    url: `https://localhost:${port}`,
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
        uri: `http://127.0.0.1:${port}`,
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
}
