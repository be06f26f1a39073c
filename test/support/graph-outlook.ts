import type { GraphEmulator } from '../../src/emulators/graph/index.js';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, GRAPH_SCOPE } from '../../src/emulators/graph/index.js';

/**
 * Acts on a mailbox the way another Graph client (a user's Outlook, an add-in) would: a token from
 * the emulator's token endpoint, then plain Graph REST calls. Independent of Tandem's connector.
 */
export async function graphClient(
  graph: GraphEmulator,
): Promise<
  (method: string, path: string, body?: unknown) => Promise<{ status: number; json: Record<string, unknown> }>
> {
  const res = await fetch(`${graph.url}/demo.example/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: DEMO_CLIENT_ID,
      client_secret: DEMO_CLIENT_SECRET,
      scope: GRAPH_SCOPE,
    }),
  });
  if (!res.ok) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
  const token = ((await res.json()) as { access_token: string }).access_token;
  return async (method, path, body) => {
    const response = await fetch(`${graph.url}/v1.0${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}
