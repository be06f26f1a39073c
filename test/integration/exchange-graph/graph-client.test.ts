import https from 'node:https';
import {
  AuthenticationHandler,
  BatchRequestContent,
  BatchResponseContent,
  Client,
  GraphError as ClientGraphError,
  PageIterator,
  RetryHandler,
  RetryHandlerOptions,
  type Context,
  type Middleware,
  type PageCollection,
} from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGraphEmulator, type GraphEmulator } from '../../../src/emulators/graph/index.js';

/**
 * Checks the Graph emulator with Microsoft's own JavaScript client (@microsoft/microsoft-graph-client),
 * as the EWS emulator is checked with ews-javascript-api: if the emulator's paging, batching or
 * throttling answers differ from what Microsoft's client expects, these tests fail.
 */

const BOB = 'bob@demo.example';

/**
 * The client's last middleware, sending over https with the emulator's own CA. Node's global fetch takes
 * no CA option, and the client only follows `https://` nextLinks (GraphRequest.parsePath), so plain
 * http is not an option. Everything before it (auth, retry) is the client's own code.
 */
class EmulatorTlsHandler implements Middleware {
  constructor(private readonly ca: string) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const options = context.options ?? {};
    const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
    const body = typeof options.body === 'string' ? options.body : undefined;
    const { status, responseHeaders, data } = await new Promise<{
      status: number;
      responseHeaders: Headers;
      data: Buffer;
    }>((resolve, reject) => {
      const req = https.request(
        url,
        { method: options.method ?? 'GET', headers: Object.fromEntries(headers), ca: this.ca },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
            resolve({ status: res.statusCode ?? 0, responseHeaders: h, data: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    const noBody = status === 204 || status === 304;
    context.response = new Response(noBody ? null : data, { status, headers: responseHeaders });
  }
}

async function appToken(emu: GraphEmulator): Promise<string> {
  const res = await fetch(`${emu.url}/contoso.example/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'demo-client',
      client_secret: 'demo-secret',
      scope: 'https://graph.microsoft.com/.default',
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Microsoft's client with its own AuthenticationHandler and (optionally) its own RetryHandler. */
function graphClient(emu: GraphEmulator, token: string, withRetry: boolean): Client {
  const auth = new AuthenticationHandler({ getAccessToken: () => Promise.resolve(token) });
  const tls = new EmulatorTlsHandler(emu.caCertificatePem);
  if (withRetry) {
    const retry = new RetryHandler(new RetryHandlerOptions());
    auth.setNext(retry);
    retry.setNext(tls);
  } else auth.setNext(tls);
  return Client.initWithMiddleware({
    middleware: auth,
    baseUrl: emu.httpsUrl,
    defaultVersion: 'v1.0',
    customHosts: new Set(['127.0.0.1']),
  });
}

describe("Graph emulator checked with Microsoft's JavaScript Graph client", () => {
  let emu: GraphEmulator;
  let client: Client;
  let plain: Client;
  const contactIds: string[] = [];

  beforeAll(async () => {
    emu = await startGraphEmulator({ port: 0 });
    const token = await appToken(emu);
    client = graphClient(emu, token, true);
    plain = graphClient(emu, token, false);
    for (let i = 0; i < 25; i++) {
      const created = (await client
        .api(`/users/${BOB}/contacts`)
        .post({ displayName: `Person ${i}`, givenName: `P${i}` })) as { id: string };
      contactIds.push(created.id);
    }
  });
  afterAll(async () => {
    await emu.close();
  });

  // Microsoft Learn, "Paging Microsoft Graph data in your app" and "Use delta query to track changes in
  // Microsoft Graph data": follow @odata.nextLink until a page carries @odata.deltaLink.
  it('PageIterator walks a contacts delta over several pages (nextLink → deltaLink), each item once', async () => {
    const prefer = { Prefer: 'odata.maxpagesize=10' };
    const first = (await client.api(`/users/${BOB}/contacts/delta`).headers(prefer).get()) as PageCollection;
    expect(first.value).toHaveLength(10);
    expect(first['@odata.nextLink']).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0\//);
    const seen: string[] = [];
    const iterator = new PageIterator(
      client,
      first,
      (item: { id: string }) => {
        seen.push(item.id);
        return true;
      },
      { headers: prefer },
    );
    await iterator.iterate();
    expect(iterator.isComplete()).toBe(true);
    expect(seen).toHaveLength(25);
    expect(new Set(seen)).toEqual(new Set(contactIds));
    const deltaLink = iterator.getDeltaLink();
    expect(deltaLink).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\.0\/.*delta/);

    // The deltaLink is a working round: after one change it reports exactly that change.
    await client.api(`/users/${BOB}/contacts/${contactIds[4]}`).patch({ jobTitle: 'CFO' });
    const next = (await client.api(deltaLink!).get()) as PageCollection;
    expect(next.value.map((c: { id: string }) => c.id)).toEqual([contactIds[4]]);
    expect(next['@odata.deltaLink']).toBeTruthy();
  });

  // Microsoft Learn, "Combine multiple requests in one HTTP call using JSON batching": responses may come
  // in any order and are matched to requests by id; each carries its own status. (The client itself only
  // builds parallel, serial or same-dependency batches, so this batch is parallel.)
  it('a $batch built with BatchRequestContent is answered per id and parsed by BatchResponseContent', async () => {
    const base = `${emu.httpsUrl}/v1.0/users/${BOB}`;
    const content = new BatchRequestContent([
      { id: 'first', request: new Request(`${base}/contacts/${contactIds[0]}`, { method: 'GET' }) },
      { id: 'missing', request: new Request(`${base}/contacts/AAMkdoesnotexist`, { method: 'GET' }) },
      {
        id: 'create',
        request: new Request(`${base}/contacts`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ displayName: 'Batched' }),
        }),
      },
      { id: 'second', request: new Request(`${base}/contacts/${contactIds[1]}`, { method: 'GET' }) },
    ]);
    const body = (await content.getContent()) as { requests: Array<{ url: string }> };
    expect(body.requests.map((r) => r.url)[0]).toBe(`/v1.0/users/${BOB}/contacts/${contactIds[0]}`);
    const raw = (await client.api('/$batch').post(body)) as { responses: unknown[] };
    const parsed = new BatchResponseContent(raw as ConstructorParameters<typeof BatchResponseContent>[0]);
    expect(parsed.getResponses().size).toBe(4);

    const first = parsed.getResponseById('first');
    expect(first.status).toBe(200);
    expect(((await first.json()) as { id: string; displayName: string }).displayName).toBe('Person 0');
    const missing = parsed.getResponseById('missing');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBeTruthy();
    const created = parsed.getResponseById('create');
    expect(created.status).toBe(201);
    const createdId = ((await created.json()) as { id: string }).id;
    const second = parsed.getResponseById('second');
    expect(second.status).toBe(200);
    expect(((await second.json()) as { id: string }).id).toBe(contactIds[1]);
    // The created contact is really there.
    expect(
      ((await client.api(`/users/${BOB}/contacts/${createdId}`).get()) as { displayName: string }).displayName,
    ).toBe('Batched');
  });

  // Microsoft Learn, "Microsoft Graph throttling guidance": on 429 wait the seconds in Retry-After, then retry.
  it("RetryHandler honours 429 with Retry-After: 1 from the emulator's throttle control and then succeeds", async () => {
    const inject = async (): Promise<void> => {
      const res = await fetch(`${emu.url}/_emulator/fail-next`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          count: 1,
          status: 429,
          code: 'TooManyRequests',
          message: 'Application is over its resource limits.',
          retryAfterSeconds: 1,
          mailbox: BOB,
        }),
      });
      expect(res.status).toBe(200);
    };

    // Control: without the RetryHandler the injected 429 reaches the caller.
    await inject();
    const failure = await plain
      .api(`/users/${BOB}/contacts/${contactIds[2]}`)
      .get()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failure).toBeInstanceOf(ClientGraphError);
    expect((failure as ClientGraphError).statusCode).toBe(429);
    expect((failure as ClientGraphError).headers?.get('retry-after')).toBe('1');

    // With Microsoft's RetryHandler: one 429, a wait of at least Retry-After, then the answer.
    await inject();
    const started = Date.now();
    const contact = (await client.api(`/users/${BOB}/contacts/${contactIds[2]}`).get()) as { displayName: string };
    const waited = Date.now() - started;
    expect(contact.displayName).toBe('Person 2');
    expect(waited).toBeGreaterThanOrEqual(1000);
  });
});
