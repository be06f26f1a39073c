import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { TandemError } from '../errors/tandem-error.js';

/**
 * Where Tandem may send requests to hosts a tenant configured (Exchange, Graph, Entra authority,
 * S/4 by URL). A tenant Admin chooses those URLs, so without a guard the service would fetch
 * whatever the provider's network can reach (metadata endpoints, databases, other apps' ports).
 *
 * - `dev` (AUTH_MODE=dev: local runs, tests, the demo): anything, so emulators on
 *   http://127.0.0.1 work.
 * - `public` (everything else): https only, and every address a connection is made to must be a
 *   public unicast address — loopback, RFC 1918, link-local (169.254/16 with the cloud metadata
 *   endpoint), unique-local, CGNAT, 0/8, multicast, broadcast, reserved and IPv4-mapped/NAT64
 *   forms of them are refused — unless the operator allows it in TANDEM_ALLOWED_TARGETS.
 *
 * The check happens where the socket is opened: the agents below resolve the name themselves and
 * hand only checked addresses to `connect`, so the address connected to is the one checked (a DNS
 * answer that changes between a check and the connection — rebinding — cannot slip through).
 */
export interface OutboundPolicy {
  mode: 'dev' | 'public';
  allowed: AllowedTarget[];
  /** On Cloud Foundry S/4 is reached through BTP destinations (and the Cloud Connector) only, never by URL. */
  destinationsOnly: boolean;
}

export type AllowedTarget =
  { kind: 'host'; host: string; port?: number } | { kind: 'cidr'; range: [ipaddr.IPv4 | ipaddr.IPv6, number] };

/** Error code on sockets refused by the policy (never retried: the target will not become allowed). */
export const TARGET_REFUSED = 'ETANDEMTARGETREFUSED';

/**
 * TANDEM_ALLOWED_TARGETS: comma-separated entries, each `host`, `host:port`, `[ipv6]:port` or a
 * CIDR range (`10.20.0.0/16`, `fd00:1::/64`). A host entry allows that name (on any port, or the
 * one given) whatever it resolves to; a CIDR entry allows addresses in the range for any name.
 */
export function parseAllowedTargets(value: string | undefined): AllowedTarget[] {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries.map((entry) => {
    if (entry.includes('/')) {
      try {
        return { kind: 'cidr', range: ipaddr.parseCIDR(entry) };
      } catch {
        throw invalidAllowList(entry);
      }
    }
    const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(entry);
    const plain = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(entry);
    const match = bracketed ?? (net.isIPv6(entry) ? [entry, entry] : plain);
    if (!match) throw invalidAllowList(entry);
    const port = match[2] === undefined ? undefined : Number(match[2]);
    if (port !== undefined && (port < 1 || port > 65535)) throw invalidAllowList(entry);
    return { kind: 'host', host: normalizeHost(match[1]!), ...(port !== undefined ? { port } : {}) };
  });
}

function invalidAllowList(entry: string): TandemError {
  return new TandemError(
    'CONFIG_INVALID',
    `Invalid configuration: TANDEM_ALLOWED_TARGETS: "${entry}" is not host[:port] or a CIDR range`,
    { details: { key: 'TANDEM_ALLOWED_TARGETS' } },
  );
}

function normalizeHost(host: string): string {
  const bare = host
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.$/, '');
  return net.isIP(bare) ? ipaddr.process(bare).toString() : bare;
}

// Fail closed: a process that never configured the policy (a script, a forgotten entry point) gets the strict one.
let current: OutboundPolicy = { mode: 'public', allowed: [], destinationsOnly: false };

/** Set once at start-up from the configuration (web, worker). */
export function setOutboundPolicy(policy: OutboundPolicy): void {
  current = policy;
}

export function outboundPolicy(): OutboundPolicy {
  return current;
}

/** Why an address may not be connected to, or undefined when it may. */
export function refusedAddress(
  address: string,
  target: { host: string; port?: number },
  policy: OutboundPolicy = current,
): string | undefined {
  if (policy.mode === 'dev') return undefined;
  if (!ipaddr.isValid(address)) return 'not an IP address';
  const parsed = ipaddr.process(address);
  const host = normalizeHost(target.host);
  for (const entry of policy.allowed) {
    if (entry.kind === 'host' && entry.host === host && (entry.port === undefined || entry.port === target.port))
      return undefined;
    if (entry.kind === 'cidr' && parsed.kind() === entry.range[0].kind() && parsed.match(entry.range)) return undefined;
  }
  const range = parsed.range();
  return range === 'unicast' ? undefined : `${range} address`;
}

function refusal(host: string, reason: string): Error {
  return Object.assign(new Error(`Connection to ${host} refused by Tandem's outbound policy (${reason})`), {
    code: TARGET_REFUSED,
  });
}

export function isTargetRefused(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === TARGET_REFUSED) return true;
    if (
      typeof (e as { message?: unknown }).message === 'string' &&
      (e as { message: string }).message.includes("Tandem's outbound policy")
    )
      return true;
  }
  return false;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for net.connect that resolves the name and passes on only addresses the policy allows. */
export function guardedLookup(port: number | undefined, policy: () => OutboundPolicy = outboundPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, []);
        return;
      }
      const allowed = addresses.filter(
        (entry) => refusedAddress(entry.address, { host: hostname, ...(port ? { port } : {}) }, policy()) === undefined,
      );
      if (allowed.length === 0) {
        const reason = addresses[0]
          ? (refusedAddress(addresses[0].address, { host: hostname }, policy()) ?? 'no address')
          : 'no address';
        callback(refusal(hostname, reason) as NodeJS.ErrnoException, []);
        return;
      }
      if (options.all) callback(null, allowed);
      else callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}

type ConnectionCallback = (error: Error | null, socket?: net.Socket) => void;
type ConnectOptions = { host?: string | null; hostname?: string | null; port?: number | string | null };

/** Checks what can be checked before a socket exists: the scheme and a literal IP host (Node skips `lookup` for those). */
function refuseBeforeConnect(secure: boolean, options: ConnectOptions, policy: OutboundPolicy): Error | undefined {
  if (policy.mode === 'dev') return undefined;
  const host = String(options.host ?? options.hostname ?? '').replace(/^\[|\]$/g, '');
  if (!secure) return refusal(host, 'plain http; use https');
  if (net.isIP(host)) {
    const reason = refusedAddress(host, { host, ...(options.port ? { port: Number(options.port) } : {}) }, policy);
    if (reason) return refusal(host, reason);
  }
  return undefined;
}

/** The refusal for a URL about to be requested (scheme and literal address), or undefined. */
export function refusedUrl(value: string, policy: OutboundPolicy = current): Error | undefined {
  const url = new URL(value);
  return refuseBeforeConnect(
    url.protocol === 'https:',
    { host: url.hostname, port: url.port || (url.protocol === 'https:' ? 443 : 80) },
    policy,
  );
}

function guardConnection<A extends http.Agent>(agent: A, secure: boolean, policy: () => OutboundPolicy): A {
  const original = (
    agent as unknown as {
      createConnection: (options: ConnectOptions, callback: ConnectionCallback) => net.Socket | undefined;
    }
  ).createConnection.bind(agent);
  (agent as unknown as { createConnection: unknown }).createConnection = (
    options: ConnectOptions,
    callback: ConnectionCallback,
  ) => {
    const refused = refuseBeforeConnect(secure, options, policy());
    if (refused) {
      // Node's Agent accepts an asynchronous error through the callback when nothing is returned.
      process.nextTick(() => callback(refused));
      return undefined;
    }
    const port = options.port ? Number(options.port) : undefined;
    return original({ ...options, lookup: guardedLookup(port, policy) } as ConnectOptions, callback);
  };
  return agent;
}

/**
 * How long a kept-alive socket may sit idle in an agent's pool (ms), unless the caller sets
 * `timeout`. Servers close idle keep-alive connections (Node's own after 5 s, announced as
 * `Keep-Alive: timeout=5`; IIS, ICM and proxies after their own limits): a request written onto a
 * socket the server is closing at that moment fails with ECONNRESET, and a write (CreateItem, an
 * S/4 POST) is not retried. Node's Agent honours the server's announced timeout (less one second)
 * only when the agent has a timeout of its own, which a plain `new Agent({ keepAlive: true })`
 * has not — so every agent gets one, the value Node's global agent uses. On a socket in use the
 * timeout only emits an event (request deadlines are set per request); the agent closes it only
 * while idle.
 */
export const IDLE_SOCKET_TIMEOUT_MS = 5_000;

/** An https.Agent whose every connection obeys the outbound policy. */
export function guardedHttpsAgent(
  options: https.AgentOptions = {},
  policy: () => OutboundPolicy = outboundPolicy,
): https.Agent {
  return guardConnection(new https.Agent({ timeout: IDLE_SOCKET_TIMEOUT_MS, ...options }), true, policy);
}

/** An http.Agent for plain http: allowed only in dev mode (emulators). */
export function guardedHttpAgent(
  options: http.AgentOptions = {},
  policy: () => OutboundPolicy = outboundPolicy,
): http.Agent {
  return guardConnection(new http.Agent({ timeout: IDLE_SOCKET_TIMEOUT_MS, ...options }), false, policy);
}

/**
 * Checks a URL an Admin enters, when it is saved: the scheme, and a literal address. Names are
 * resolved only when connecting (see the agents), where the answer cannot change afterwards.
 */
export function urlProblem(value: string, policy: OutboundPolicy = current): string | undefined {
  if (policy.mode === 'dev') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a URL';
  }
  if (url.protocol !== 'https:') return 'must use https';
  if (url.username || url.password) return 'must not carry credentials';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) {
    const reason = refusedAddress(host, { host, ...(url.port ? { port: Number(url.port) } : {}) }, policy);
    if (reason) return `must not point at a ${reason} (allow it in TANDEM_ALLOWED_TARGETS if it is yours)`;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) {
    const allowed = policy.allowed.some((entry) => entry.kind === 'host' && entry.host === host);
    if (!allowed) return 'must not point at this machine';
  }
  return undefined;
}

/** Throws VALIDATION_FAILED naming every URL field that breaks the policy. */
export function assertAllowedUrls(fields: Record<string, unknown>, policy: OutboundPolicy = current): void {
  const errors = Object.entries(fields)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([path, value]) => ({ path, message: urlProblem(value, policy) }))
    .filter((entry): entry is { path: string; message: string } => entry.message !== undefined);
  if (errors.length > 0)
    throw new TandemError('VALIDATION_FAILED', 'A URL is not allowed as a target', { fieldErrors: errors });
}
