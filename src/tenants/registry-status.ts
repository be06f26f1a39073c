import { XsuaaService } from '@sap/xssec';
import type { VcapBindings } from '../config/vcap.js';
import { TandemError } from '../errors/tandem-error.js';

export interface SubscriptionOutcome {
  status: 'SUCCEEDED' | 'FAILED';
  message: string;
  subscriptionUrl?: string;
}

export type StatusReporter = (statusPath: string, outcome: SubscriptionOutcome) => Promise<void>;

/**
 * Reports an asynchronous (un)subscription outcome to the SaaS registry: PUT on the path it gave
 * in the STATUS_CALLBACK header, relative to the binding's saas_registry_url, with a
 * client-credentials token of the registry binding's own client. The token comes from @sap/xssec's
 * XsuaaService, which handles both credential types a binding may have: client secret (token from
 * `url`) and X.509 (`certificate` + `key`, mutual TLS against `certurl`).
 */
export function registryStatusReporter(registry: VcapBindings['saasRegistry']): StatusReporter {
  let service: XsuaaService | undefined;
  return async (statusPath, outcome) => {
    if (!registry?.saas_registry_url)
      throw new TandemError('CONFIG_INVALID', 'No saas-registry binding to report the subscription status to');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (registry.clientid && (registry.clientsecret || (registry.certificate && registry.key))) {
      service ??= new XsuaaService({ ...registry } as unknown as ConstructorParameters<typeof XsuaaService>[0]);
      const token = await service.fetchClientCredentialsToken();
      headers.authorization = `Bearer ${token.access_token}`;
    }
    const response = await fetch(registryStatusUrl(statusPath, registry.saas_registry_url), {
      method: 'PUT',
      headers,
      body: JSON.stringify(outcome),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new TandemError('UNAVAILABLE', `SaaS registry status callback answered ${response.status}`);
  };
}

/** The registry URL of a status path; refuses anything that would leave the registry's origin (the token goes with it). */
export function registryStatusUrl(statusPath: string, registryUrl: string): URL {
  const url = new URL(statusPath, registryUrl);
  if (url.origin !== new URL(registryUrl).origin)
    throw new TandemError('BAD_REQUEST', 'STATUS_CALLBACK leaves the SaaS registry');
  return url;
}
