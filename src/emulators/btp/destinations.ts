/**
 * The Destination service REST API, "Find Destination" (SAP Help: Destination Service REST API,
 * `GET /destination-configuration/v1/destinations/{name}`): the caller's token (client credentials
 * of the destination service instance, in the tenant's zone) decides whose destinations it sees —
 * the subaccount of the token's `zid`, never another. The answer has `owner` (SubaccountId,
 * InstanceId), `destinationConfiguration` (the stored properties) and `authTokens` (what to send:
 * Basic for BasicAuthentication, a bearer fetched from tokenServiceURL for OAuth2ClientCredentials)
 * unless `$skipTokenRetrieval=true`.
 */
import type { Request, Response, Router } from 'express';
import express from 'express';
import type { BtpState, Destination, ServiceClient } from './model.js';
import { bearer, type XsuaaIssuer } from './xsuaa.js';

interface AuthToken {
  type: string;
  value: string;
  expires_in?: string;
  http_header: { key: string; value: string };
  error?: string;
}

export function destinationRoutes(
  state: BtpState,
  issuer: XsuaaIssuer,
  client: ServiceClient,
  clients: ServiceClient[],
): Router {
  const router = express.Router();

  /** Who is calling: a valid token of the destination service's own client, and its subaccount. */
  async function caller(req: Request, res: Response): Promise<string | undefined> {
    const token = bearer(req.headers.authorization);
    const claims = token ? await issuer.verify(token) : undefined;
    if (!claims) {
      res
        .status(401)
        .json({ ErrorMessage: 'Unauthorized: a valid bearer token of the destination service instance is required' });
      return undefined;
    }
    if (claims.client_id !== client.clientId || !state.subaccounts.has(claims.zid)) {
      res
        .status(403)
        .json({ ErrorMessage: 'Forbidden: the token was not issued to this destination service instance' });
      return undefined;
    }
    return claims.zid;
  }

  router.get('/destination-configuration/v1/destinations/:name', async (req, res) => {
    const subaccountId = await caller(req, res);
    if (!subaccountId) return;
    const name = String(req.params.name);
    const destination = state.destinations.get(subaccountId)?.get(name);
    state.destinationLookups.push({ subaccountId, name, found: destination !== undefined });
    if (!destination) {
      res.status(404).json({ ErrorMessage: 'Configuration with the specified name was not found' });
      return;
    }
    const skipTokens = req.query.$skipTokenRetrieval === 'true';
    res.json({
      owner: { SubaccountId: subaccountId, InstanceId: null },
      destinationConfiguration: destination,
      ...(skipTokens ? {} : { authTokens: await authTokensFor(destination, state, issuer, clients) }),
    });
  });

  // Listing endpoints (SAP Help: "Get all destinations on subaccount/instance level").
  router.get('/destination-configuration/v1/subaccountDestinations', async (req, res) => {
    const subaccountId = await caller(req, res);
    if (!subaccountId) return;
    res.json([...(state.destinations.get(subaccountId)?.values() ?? [])]);
  });
  router.get('/destination-configuration/v1/instanceDestinations', async (req, res) => {
    if (!(await caller(req, res))) return;
    res.json([]);
  });
  return router;
}

async function authTokensFor(
  destination: Destination,
  state: BtpState,
  issuer: XsuaaIssuer,
  clients: ServiceClient[],
): Promise<AuthToken[]> {
  if (destination.Authentication === 'BasicAuthentication') {
    const value = Buffer.from(`${destination.User}:${destination.Password}`).toString('base64');
    return [{ type: 'Basic', value, http_header: { key: 'Authorization', value: `Basic ${value}` } }];
  }
  if (destination.Authentication === 'OAuth2ClientCredentials') {
    try {
      const token = await clientCredentialsToken(destination, state, issuer, clients);
      return [
        {
          type: 'bearer',
          value: token.access_token,
          expires_in: String(token.expires_in),
          http_header: { key: 'Authorization', value: `Bearer ${token.access_token}` },
        },
      ];
    } catch (error) {
      // SAP Help: a failed token retrieval is reported in the token's `error`, the lookup still answers 200.
      return [
        {
          type: '',
          value: '',
          error: error instanceof Error ? error.message : String(error),
          http_header: { key: '', value: '' },
        },
      ];
    }
  }
  return [];
}

/** Token of an OAuth2ClientCredentials destination: minted here when it names this emulator's XSUAA, fetched otherwise. */
async function clientCredentialsToken(
  destination: Destination,
  state: BtpState,
  issuer: XsuaaIssuer,
  clients: ServiceClient[],
): Promise<{ access_token: string; expires_in: number }> {
  const url = new URL(destination.tokenServiceURL!);
  const local = clients.find((c) => c.clientId === destination.clientId && c.clientSecret === destination.clientSecret);
  const zone =
    state.bySubdomain(url.hostname.split('.')[0] ?? '') ??
    (url.hostname === 'localhost' ? state.provider() : undefined);
  if (local && zone) {
    const { token } = await issuer.sign(zone, local, { type: 'client_credentials' });
    return { access_token: token, expires_in: 3600 };
  }
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: destination.clientId!,
      client_secret: destination.clientSecret!,
    }),
  });
  if (!response.ok) throw new Error(`token service answered ${response.status}`);
  return (await response.json()) as { access_token: string; expires_in: number };
}
