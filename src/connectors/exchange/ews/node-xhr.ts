import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { guardedHttpAgent, guardedHttpsAgent, refusedUrl } from '../../../security/outbound.js';

/**
 * The HTTP client ews-javascript-api sends every EWS request through (its `XhrApi` slot), written
 * over node:http(s) with the environment's guarded keep-alive agents.
 *
 * Why not @ewsjs/xhr, the library's own: it runs axios, and axios builds a client
 * (`axios.create()`) and merges its configuration objects on every request — 8–11 % of the
 * worker's CPU in the sync bench's profile, for a POST that needs none of it.
 *
 * What the library reads back is kept exactly as @ewsjs/xhr delivers it, because
 * normalize-ews-error.ts classifies what the library makes of it:
 * - an answer with HTTP 200 resolves to an XHR-like object (`status`, `responseText`, `headers`,
 *   `getResponseHeader`);
 * - any other status rejects with the same object (not an Error), so the library turns a 500 into
 *   the SOAP fault it carries and a 401 into ServiceRequestUnauthorizedException;
 * - a failure without an answer (connection refused or reset, the deadline, an answer beyond the
 *   size cap, a target the outbound policy refuses) rejects with an Error whose `message` the
 *   library copies into a SoapFaultDetails without an HTTP status.
 */
export interface XhrRequest {
  url: string;
  type?: string;
  headers?: Record<string, string>;
  data?: string;
}

export interface XhrAnswer {
  status: number;
  statusText: string;
  responseText: string;
  headers: http.IncomingHttpHeaders;
  getResponseHeader(name: string): string | null;
  getAllResponseHeaders(): string;
}

export interface NodeXhrOptions {
  httpsAgent: https.Agent;
  httpAgent: http.Agent;
  /** The whole exchange, NTLM handshake included, from connecting to the last byte. */
  timeoutMs: number;
  /** Largest answer read, counted after decompression (a small gzip answer can inflate a lot). */
  maxResponseBytes: number;
  auth:
    | { kind: 'basic' }
    | { kind: 'ntlm'; username: string; password: string; domain?: string }
    | { kind: 'bearer'; token: () => Promise<string> };
}

/** Error codes of failures without an answer (the message is what reaches the journal). */
export const XHR_TIMEOUT = 'ETIMEDOUT';
export const XHR_TOO_LARGE = 'ERESPONSETOOLARGE';

const require = createRequire(import.meta.url);
interface NtlmMessages {
  createType1Message(workstation: string, domain: string): string;
  decodeType2Message(header: string): unknown;
  createType3Message(type2: unknown, username: string, password: string, workstation: string, domain: string): string;
}
const ntlm = require('@ewsjs/ntlm-client') as NtlmMessages;

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotli = promisify(zlib.brotliDecompress);

/** NTLM names the client machine; Exchange does not check it, and @ewsjs/xhr sent '.' as well. */
const WORKSTATION = '.';

export class NodeXhrApi {
  readonly apiName = 'tandem-node-http';

  constructor(private readonly options: NodeXhrOptions) {}

  async xhr(request: XhrRequest): Promise<XhrAnswer> {
    const refused = refusedUrl(request.url);
    if (refused) throw refused;
    const deadline = new Deadline(this.options.timeoutMs);
    try {
      const headers = { ...(request.headers ?? {}) };
      if (this.options.auth.kind === 'bearer') headers.Authorization = `Bearer ${await this.options.auth.token()}`;
      const answer =
        this.options.auth.kind === 'ntlm'
          ? await this.withNtlm(request, headers, this.options.auth, deadline)
          : await this.send(request, headers, this.agentFor(request.url), deadline);
      if (answer.status === 200) return answer;
      throw answer;
    } finally {
      deadline.clear();
    }
  }

  /** Streaming notifications are not used: Tandem subscribes to push notifications (src/http). */
  xhrStream(): Promise<never> {
    return Promise.reject(new Error('EWS streaming notifications are not supported by this transport'));
  }

  disconnect(): void {
    // Nothing is streamed, so nothing stays open per request.
  }

  private agentFor(url: string): http.Agent {
    return url.startsWith('https:') ? this.options.httpsAgent : this.options.httpAgent;
  }

  /**
   * The NTLM handshake as @ewsjs/xhr's NtlmProvider did it, once per request: type 1 in a GET,
   * the server's challenge (type 2) in its 401, type 3 with the real request. NTLM authenticates
   * the connection, not the request, so both legs go over one socket: an agent of one socket,
   * guarded like the shared ones, used for this request only.
   */
  private async withNtlm(
    request: XhrRequest,
    headers: Record<string, string>,
    auth: { username: string; password: string; domain?: string },
    deadline: Deadline,
  ): Promise<XhrAnswer> {
    const { username, domain } = splitNtlmUser(auth.username, auth.domain);
    const secure = request.url.startsWith('https:');
    const agentOptions = { keepAlive: true, maxSockets: 1 };
    const agent = secure ? guardedHttpsAgent(agentOptions) : guardedHttpAgent(agentOptions);
    try {
      const negotiate = {
        ...headers,
        Connection: 'keep-alive',
        Authorization: ntlm.createType1Message(WORKSTATION, domain),
      };
      const challenge = await this.send({ url: request.url, type: 'GET' }, negotiate, agent, deadline);
      const header = challenge.getResponseHeader('www-authenticate');
      if (!header) throw new Error('www-authenticate not found on response of second request');
      const type3 = ntlm.createType3Message(
        ntlm.decodeType2Message(header),
        username,
        auth.password,
        WORKSTATION,
        domain,
      );
      return await this.send(request, { ...headers, Authorization: type3, Connection: 'Close' }, agent, deadline);
    } finally {
      agent.destroy();
    }
  }

  private send(
    request: XhrRequest,
    headers: Record<string, string>,
    agent: http.Agent,
    deadline: Deadline,
  ): Promise<XhrAnswer> {
    const url = new URL(request.url);
    const body = request.data === undefined ? undefined : Buffer.from(request.data, 'utf8');
    const maxBytes = this.options.maxResponseBytes;
    return new Promise<XhrAnswer>((resolve, reject) => {
      const outgoing = (url.protocol === 'https:' ? https : http).request(
        url,
        {
          method: request.type ?? 'POST',
          agent,
          headers: body ? { ...headers, 'Content-Length': String(body.length) } : headers,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          let size = 0;
          incoming.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              outgoing.destroy(tooLarge(maxBytes));
              return;
            }
            chunks.push(chunk);
          });
          incoming.on('end', () => {
            decode(Buffer.concat(chunks), incoming.headers['content-encoding'], maxBytes).then(
              (text) => resolve(answer(incoming, text)),
              reject,
            );
          });
          incoming.on('error', reject);
        },
      );
      deadline.attach(outgoing);
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}

/** One total deadline per EWS call, shared by the requests it makes (the NTLM handshake has two). */
class Deadline {
  private readonly timer: NodeJS.Timeout;
  private current: http.ClientRequest | undefined;
  private expired = false;

  constructor(private readonly timeoutMs: number) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.current?.destroy(this.error());
    }, timeoutMs);
  }

  attach(request: http.ClientRequest): void {
    if (this.expired) {
      request.destroy(this.error());
      return;
    }
    this.current = request;
    // A finished request's socket may already serve the next one (keep-alive): never destroy it late.
    request.once('close', () => {
      if (this.current === request) this.current = undefined;
    });
  }

  clear(): void {
    clearTimeout(this.timer);
  }

  // The wording is what the journal and the connection test show; "timeout" classifies it as an outage.
  private error(): Error {
    return Object.assign(new Error(`timeout: EWS request exceeded ${this.timeoutMs} ms`), { code: XHR_TIMEOUT });
  }
}

function tooLarge(maxBytes: number): Error {
  return Object.assign(new Error(`EWS answer exceeds the size cap of ${maxBytes} bytes`), { code: XHR_TOO_LARGE });
}

/** The library asks for gzip (Accept-Encoding), as Exchange compresses large answers. */
async function decode(raw: Buffer, encoding: string | undefined, maxBytes: number): Promise<string> {
  const options = { maxOutputLength: maxBytes };
  try {
    switch (encoding?.trim().toLowerCase()) {
      case 'gzip':
      case 'x-gzip':
        return (await gunzip(raw, options)).toString('utf8');
      case 'deflate':
        return (await inflate(raw, options)).toString('utf8');
      case 'br':
        return (await brotli(raw, options)).toString('utf8');
      default:
        return raw.toString('utf8');
    }
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(maxBytes);
    throw error;
  }
}

function answer(incoming: http.IncomingMessage, text: string): XhrAnswer {
  const headers = incoming.headers;
  return {
    status: incoming.statusCode ?? 0,
    statusText: incoming.statusMessage ?? '',
    responseText: text,
    headers,
    getResponseHeader(name: string): string | null {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
    getAllResponseHeaders(): string {
      return Object.entries(headers)
        .map(([key, value]) => `${key} : ${Array.isArray(value) ? value.join(', ') : value}\r\n`)
        .join('');
    },
  };
}

/** "DOMAIN\user" or a user and a separate domain; NTLM sends the domain in upper case. */
function splitNtlmUser(user: string, domain: string | undefined): { username: string; domain: string } {
  const slash = user.indexOf('\\');
  if (slash > 0) return { username: user.slice(slash + 1), domain: user.slice(0, slash).toUpperCase() };
  return { username: user, domain: (domain ?? '').toUpperCase() };
}
