import {
  alwaysProvider,
  alwaysSubscriber,
  getDestinationFromDestinationService,
  getServiceBinding,
  serviceToken,
  type HttpDestinationOrFetchOptions,
} from '@sap-cloud-sdk/connectivity';
import { buildHttpRequestConfigWithOrigin, execute, type HttpResponse } from '@sap-cloud-sdk/http-client/internal';
import { circuitBreaker, retry, timeout, type Middleware } from '@sap-cloud-sdk/resilience';
import { TandemError } from '../../errors/tandem-error.js';
import { logger } from '../../logging/logger.js';
import { guardedHttpAgent, guardedHttpsAgent, outboundPolicy } from '../../security/outbound.js';
import { toS4Error } from './errors.js';
import { applySdkPatches } from './sdk-patches.js';
import { sendS4Request } from './transport.js';
import type { S4Target } from './types.js';

applySdkPatches();

const log = logger.child({ module: 's4.http' });

export interface S4ResilienceOptions {
  /** Per attempt, ms (default 30 000). */
  timeoutMs?: number;
  /** Retries of idempotent reads on 5xx / network errors (default 2). Writes are never retried here. */
  readRetries?: number;
  /** The SDK's circuit breaker per (destination URL, tenant) (default on). */
  circuitBreaker?: boolean;
}

export interface S4RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'MERGE' | 'DELETE';
  /** Path from the host root, e.g. /sap/opu/odata/sap/API_BUSINESS_PARTNER/A_BusinessPartner('1'). */
  path: string;
  /** Query options, already in OData syntax; values are percent-encoded here. */
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  ifMatch?: string;
  operation: string;
  /** Media resources (attachments): the answer as bytes instead of text. */
  binary?: boolean;
}

type AnyMiddleware = Middleware<unknown, unknown, never>;

/** Largest OData answer read: pages are bounded by the page size; a larger answer is not S/4. */
export const S4_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * One S/4 system reached through the SAP Cloud SDK: destination lookup (subscriber first on BTP,
 * a plain destination object locally), CSRF token fetch for writes (the SDK's csrf middleware),
 * resilience middlewares, and error mapping to TandemError.
 */
export class S4Http {
  private readonly target: S4Target;

  private readonly tenantId: string | undefined;

  /** For the `url` kind: agents obeying the outbound policy (a tenant chose the URL). Destinations bring the SDK's (proxy) agents. */
  private readonly agents: { httpAgent: unknown; httpsAgent: unknown } | undefined;

  constructor(
    target: S4Target,
    private readonly resilience: S4ResilienceOptions = {},
  ) {
    this.target = target;
    if (target.kind === 'url' && outboundPolicy().destinationsOnly) {
      throw new TandemError('CONFIG_INVALID', 'On SAP BTP, S/4HANA is reached through a destination, not by URL');
    }
    this.agents =
      target.kind === 'url'
        ? { httpAgent: guardedHttpAgent({ keepAlive: true }), httpsAgent: guardedHttpsAgent({ keepAlive: true }) }
        : undefined;
    this.tenantId = target.kind === 'destination' ? target.tenantId : undefined;
  }

  /**
   * Where a request goes. A URL target is a plain destination object. A named destination is
   * looked up, where a destination service is bound, in the tenant's own (subscriber) subaccount:
   * the worker has no user token, so it fetches a client-credentials token of Tandem's xsuaa
   * client in the tenant's identity zone (zid = tenant id; the Cloud SDK's token helper, which
   * uses xssec and caches per tenant) and asks the Destination service with `alwaysSubscriber` —
   * never the provider subaccount, whose destinations, credentials and Cloud Connector are not the
   * tenant's. For an OnPremise destination the SDK adds the connectivity proxy with a connectivity
   * token of the same zone (Proxy-Authorization) and the destination's Cloud Connector location
   * id. The SDK caches the resolved destination per tenant (isolation "tenant"). Without a
   * destination binding (local runs) the SDK's `destinations` environment variable answers.
   */
  private async destination(): Promise<HttpDestinationOrFetchOptions> {
    const target = this.target;
    if (target.kind === 'url') {
      return {
        url: target.url,
        username: target.username,
        password: target.password,
        sapClient: target.sapClient,
        authentication: 'BasicAuthentication',
      };
    }
    if (target.jwt)
      return { destinationName: target.destinationName, jwt: target.jwt, selectionStrategy: alwaysSubscriber };
    if (!getServiceBinding('destination')) {
      // On Cloud Foundry a missing binding must not turn into the provider-level `destinations` variable.
      if (process.env.VCAP_APPLICATION !== undefined) {
        throw new TandemError(
          'CONFIG_INVALID',
          'No destination service binding: S/4 destinations are looked up in the subscriber subaccount only',
        );
      }
      return { destinationName: target.destinationName, selectionStrategy: alwaysProvider };
    }
    const jwt = await serviceToken('xsuaa', { jwt: { zid: target.tenantId } });
    const found = await getDestinationFromDestinationService({
      destinationName: target.destinationName,
      jwt,
      selectionStrategy: alwaysSubscriber,
      useCache: true,
    });
    if (!found?.url) {
      throw new TandemError(
        'S4_DESTINATION_NOT_FOUND',
        `Destination "${target.destinationName}" was not found in the tenant's subaccount (only the subscriber subaccount is searched)`,
        { details: { destinationName: target.destinationName } },
      );
    }
    return { ...found, url: found.url };
  }

  async request(options: S4RequestOptions): Promise<HttpResponse> {
    const url = options.path + queryString(options.query);
    const isRead = options.method === 'GET';
    const middleware: AnyMiddleware[] = [];
    if (this.resilience.circuitBreaker !== false) middleware.push(tenantCircuitBreaker(this.tenantId));
    // Only reads are retried: a POST that timed out may have been executed (creates are made exactly-once by their marker instead).
    if (isRead && (this.resilience.readRetries ?? 2) > 0)
      middleware.push(retry(this.resilience.readRetries ?? 2) as AnyMiddleware);
    middleware.push(timeout(this.resilience.timeoutMs ?? 30_000) as AnyMiddleware);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    const raw = Buffer.isBuffer(options.body);
    if (options.body !== undefined && typeof options.body !== 'string' && !raw)
      headers['content-type'] = 'application/json';
    if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
    try {
      // The SDK's executeHttpRequest, with its last step (axios) replaced where node:http suffices (transport.ts).
      const response = await execute(sendS4Request)(
        await this.destination(),
        buildHttpRequestConfigWithOrigin({
          method: options.method === 'MERGE' ? 'post' : (options.method.toLowerCase() as 'get'),
          url,
          headers: options.method === 'MERGE' ? { ...headers, 'x-http-method': 'MERGE' } : headers,
          data:
            options.body === undefined
              ? undefined
              : typeof options.body === 'string' || raw
                ? options.body
                : JSON.stringify(options.body),
          middleware: middleware as never,
          // Gateway answers with text for $count and multipart for $batch; keep raw text, parse ourselves.
          responseType: options.binary ? 'arraybuffer' : 'text',
          transformResponse: [(data: unknown) => data],
          // The timeout middleware bounds the whole request; these bound each socket and the answer's size.
          timeout: this.resilience.timeoutMs ?? 30_000,
          maxContentLength: S4_MAX_RESPONSE_BYTES,
          maxRedirects: 0,
          ...(this.agents ?? {}),
        } as never),
        { fetchCsrfToken: !isRead },
      );
      return response;
    } catch (error) {
      const mapped = toS4Error(error, { operation: options.operation, path: options.path });
      log.debug(
        { code: mapped.code, operation: options.operation, status: mapped.details?.status },
        's4 request failed',
      );
      throw mapped;
    }
  }

  /** GET and parse the `d` of an OData JSON answer. */
  async getJson<T>(options: Omit<S4RequestOptions, 'method'>): Promise<{ d: T; headers: Record<string, unknown> }> {
    const response = await this.request({ ...options, method: 'GET' });
    return { d: parseD<T>(response.data), headers: response.headers as Record<string, unknown> };
  }
}

/**
 * The SDK's circuit breaker keys breakers by destination URL and the tenant of the JWT; without a
 * JWT every tenant would share one breaker per URL. Pinning the tenant id into the context makes
 * it one breaker per (destination URL, tenant) in every case.
 */
function tenantCircuitBreaker(tenantId: string | undefined): AnyMiddleware {
  const breaker = circuitBreaker() as unknown as (options: {
    fn: unknown;
    context: Record<string, unknown>;
  }) => unknown;
  return ((options: { fn: unknown; context: Record<string, unknown> }) =>
    breaker({
      fn: options.fn,
      context: { ...options.context, tenantId: tenantId ?? options.context.tenantId },
    })) as unknown as AnyMiddleware;
}

export function parseD<T>(data: unknown): T {
  const parsed = typeof data === 'string' ? (data.trim() === '' ? {} : JSON.parse(data)) : data;
  return (parsed as { d: T }).d;
}

/** Builds ?a=b&c=d with OData-safe encoding: spaces as %20 (never '+'), quotes and parentheses kept readable. */
export function queryString(query: Record<string, string | undefined> | undefined): string {
  if (!query) return '';
  const parts = Object.entries(query)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(
      ([k, v]) =>
        `${k}=${encodeURIComponent(v).replace(/%27/g, "'").replace(/%28/g, '(').replace(/%29/g, ')').replace(/%2C/g, ',')}`,
    );
  return parts.length ? `?${parts.join('&')}` : '';
}
