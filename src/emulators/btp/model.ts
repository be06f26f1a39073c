/**
 * What the BTP emulator holds: subaccounts (identity zones), the service instances Tandem is bound
 * to (one OAuth client each), subaccount destinations and the Cloud Connectors connected to each
 * subaccount. Everything is in memory and changed through the control API (/_emulator/...).
 */
import { z } from 'zod';

export interface Subaccount {
  /** The subaccount id, which is also the identity zone id (`zid`) and Tandem's tenant id. */
  id: string;
  subdomain: string;
  provider: boolean;
}

export type ServiceKind = 'xsuaa' | 'destination' | 'connectivity';

export interface ServiceClient {
  service: ServiceKind;
  clientId: string;
  clientSecret: string;
  xsappname: string;
}

/**
 * A destination as the Destination service stores it: the flat property map of SAP Help "HTTP
 * Destinations" (Name, Type, URL, Authentication, ProxyType, CloudConnectorLocationId, User,
 * Password, tokenServiceURL, clientId, clientSecret, and any additional property such as sap-client).
 */
export const destinationSchema = z
  .object({
    Name: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - and _ (SAP Help "Create HTTP Destinations")'),
    Type: z.literal('HTTP').default('HTTP'),
    URL: z.url(),
    Authentication: z.enum(['NoAuthentication', 'BasicAuthentication', 'OAuth2ClientCredentials']),
    ProxyType: z.enum(['Internet', 'OnPremise']).default('Internet'),
    CloudConnectorLocationId: z.string().max(100).optional(),
    User: z.string().optional(),
    Password: z.string().optional(),
    tokenServiceURL: z.url().optional(),
    clientId: z.string().optional(),
    clientSecret: z.string().optional(),
  })
  .catchall(z.string())
  .superRefine((value, context) => {
    if (value.Authentication === 'BasicAuthentication' && (!value.User || value.Password === undefined)) {
      context.addIssue({ code: 'custom', message: 'BasicAuthentication needs User and Password', path: ['User'] });
    }
    if (
      value.Authentication === 'OAuth2ClientCredentials' &&
      (!value.tokenServiceURL || !value.clientId || !value.clientSecret)
    ) {
      context.addIssue({
        code: 'custom',
        message: 'OAuth2ClientCredentials needs tokenServiceURL, clientId and clientSecret',
        path: ['tokenServiceURL'],
      });
    }
  });
export type Destination = z.infer<typeof destinationSchema>;

/**
 * One Cloud Connector connected to a subaccount under a Location ID ('' = no location id), with
 * its access control: which virtual host:port it exposes and the internal system behind it
 * (SAP Help "Configure Access Control (HTTP)").
 */
export const cloudConnectorSchema = z.object({
  locationId: z.string().max(100).default(''),
  systems: z
    .array(
      z.object({
        /** host:port as the destination URL names it, e.g. s4-virtual:44300. */
        virtualHost: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'host:port'),
        /** The internal system, e.g. http://127.0.0.1:8091 (the S/4 emulator). */
        backendUrl: z.url(),
      }),
    )
    .min(1),
});
export type CloudConnector = z.infer<typeof cloudConnectorSchema>;

export const subaccountSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'letters, digits and -'),
  subdomain: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and -'),
});

/** One request the connectivity proxy received (tests assert on them). */
export interface ProxyRequestRecord {
  at: string;
  method: string;
  url: string;
  subaccountId: string | undefined;
  locationId: string;
  status: number;
  backendUrl: string | undefined;
}

export class BtpState {
  readonly subaccounts = new Map<string, Subaccount>();
  readonly destinations = new Map<string, Map<string, Destination>>();
  readonly connectors = new Map<string, Map<string, CloudConnector>>();
  readonly proxyRequests: ProxyRequestRecord[] = [];
  readonly destinationLookups: Array<{ subaccountId: string; name: string; found: boolean }> = [];

  addSubaccount(input: { id: string; subdomain: string }, provider = false): Subaccount {
    const clash = [...this.subaccounts.values()].find((s) => s.subdomain === input.subdomain && s.id !== input.id);
    if (clash) throw new Error(`subdomain "${input.subdomain}" is taken by subaccount ${clash.id}`);
    const subaccount = { id: input.id, subdomain: input.subdomain, provider };
    this.subaccounts.set(subaccount.id, subaccount);
    return subaccount;
  }

  bySubdomain(subdomain: string): Subaccount | undefined {
    return [...this.subaccounts.values()].find((s) => s.subdomain === subdomain);
  }

  provider(): Subaccount {
    return [...this.subaccounts.values()].find((s) => s.provider)!;
  }

  putDestination(subaccountId: string, destination: Destination): void {
    const map = this.destinations.get(subaccountId) ?? new Map<string, Destination>();
    map.set(destination.Name, destination);
    this.destinations.set(subaccountId, map);
  }

  putCloudConnector(subaccountId: string, connector: CloudConnector): void {
    const map = this.connectors.get(subaccountId) ?? new Map<string, CloudConnector>();
    map.set(connector.locationId, connector);
    this.connectors.set(subaccountId, map);
  }
}
