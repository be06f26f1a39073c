import express, { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config/config.js';
import { TandemError } from '../../errors/tandem-error.js';
import { logger } from '../../logging/logger.js';
import type { Pool } from '../../store/pool.js';
import { deprovisionTenant, provisionTenant } from '../../tenants/tenant-lifecycle.js';
import { requireScopes, type TokenVerifier } from '../auth/authenticate.js';
import { PROVISIONING_PATHS } from './paths.js';

const tenantIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a subaccount zone id');
const subscriptionSchema = z.object({
  subscribedTenantId: tenantIdSchema.optional(),
  subscribedSubdomain: z.string().max(200).optional(),
  subscriptionAppName: z.string().max(200).optional(),
  globalAccountGUID: z.string().optional(),
}).loose();

export type StatusReporter = (statusPath: string, outcome: { status: 'SUCCEEDED' | 'FAILED'; message: string; subscriptionUrl?: string }) => Promise<void>;

/**
 * Reports an asynchronous subscription outcome to the SaaS registry: PUT on the path it gave in
 * the STATUS_CALLBACK header, with a client-credentials token of the registry binding.
 */
export function registryStatusReporter(config: Config): StatusReporter {
  return async (statusPath, outcome) => {
    const registry = config.services.saasRegistry;
    if (!registry?.saas_registry_url) throw new TandemError('CONFIG_INVALID', 'No saas-registry binding to report the subscription status to');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (registry.clientid && registry.clientsecret && registry.url) {
      const tokenResponse = await fetch(`${registry.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: registry.clientid, client_secret: registry.clientsecret }),
        signal: AbortSignal.timeout(10_000) });
      if (!tokenResponse.ok) throw new TandemError('UNAVAILABLE', `SaaS registry token request failed with ${tokenResponse.status}`);
      headers.authorization = `Bearer ${((await tokenResponse.json()) as { access_token: string }).access_token}`;
    }
    const response = await fetch(new URL(statusPath, registry.saas_registry_url), { method: 'PUT', headers, body: JSON.stringify(outcome),
      signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new TandemError('UNAVAILABLE', `SaaS registry status callback answered ${response.status}`);
  };
}

async function reportWithRetry(report: StatusReporter, statusPath: string, outcome: Parameters<StatusReporter>[1]): Promise<void> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      await report(statusPath, outcome);
      return;
    } catch (error) {
      logger.warn({ err: error, attempt }, 'subscription status report failed');
      await new Promise((resolve) => setTimeout(resolve, 1_000 * 2 ** attempt));
    }
  }
}

export interface ProvisioningDeps {
  pool: Pool;
  config: Config;
  verifyToken: TokenVerifier;
  reportStatus?: StatusReporter;
}

/**
 * SaaS provisioning callbacks. The caller is the SaaS registry, authorised by the Callback scope
 * (granted to it in xs-security.json); here — and only here — the tenant comes from the path,
 * because the registry acts on the subscriber's behalf.
 */
export function provisioningRoutes(deps: ProvisioningDeps): Router {
  const router = Router();
  const callbackOnly = requireScopes(deps.verifyToken, ['Callback']);
  const report = deps.reportStatus ?? registryStatusReporter(deps.config);

  router.get(PROVISIONING_PATHS.dependencies, callbackOnly, (_req, res) => {
    const { destination, connectivity } = deps.config.services;
    // The subscriber's destination and Cloud Connector must be reachable with their own tokens.
    res.json([destination?.xsappname, connectivity?.xsappname].filter(Boolean).map((xsappname) => ({ xsappname })));
  });

  router.put(PROVISIONING_PATHS.tenant, callbackOnly, express.json({ limit: '100kb' }), async (req, res) => {
    const tenantId = tenantIdSchema.parse(req.params.tenantId);
    const body = subscriptionSchema.safeParse(req.body ?? {});
    if (!body.success) throw new TandemError('VALIDATION_FAILED', 'Invalid subscription payload', { fieldErrors: body.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
    if (body.data.subscribedTenantId && body.data.subscribedTenantId !== tenantId) {
      throw new TandemError('BAD_REQUEST', 'subscribedTenantId differs from the tenant in the path');
    }
    const subscriptionUrl = tenantUrl(deps.config, body.data.subscribedSubdomain);
    const work = () => provisionTenant(deps.pool, { tenantId, ...(body.data.subscribedSubdomain ? { subdomain: body.data.subscribedSubdomain } : {}) });
    const statusPath = req.get('status_callback');
    if (!statusPath) {
      await work();
      res.status(200).type('text/plain').send(subscriptionUrl);
      return;
    }
    res.status(202).json({ tenantId, status: 'IN_PROGRESS' });
    void work().then(
      () => reportWithRetry(report, statusPath, { status: 'SUCCEEDED', message: 'Tandem is ready', subscriptionUrl }),
      (error: unknown) => {
        logger.error({ err: error, tenantId }, 'provisioning failed');
        return reportWithRetry(report, statusPath, { status: 'FAILED', message: 'Tandem could not set up the tenant; see the service log' });
      });
  });

  router.delete(PROVISIONING_PATHS.tenant, callbackOnly, async (req, res) => {
    const tenantId = tenantIdSchema.parse(req.params.tenantId);
    const statusPath = req.get('status_callback');
    const work = () => deprovisionTenant(deps.pool, tenantId);
    if (!statusPath) {
      await work();
      res.status(200).json({ tenantId, status: 'DELETED' });
      return;
    }
    res.status(202).json({ tenantId, status: 'IN_PROGRESS' });
    void work().then(
      () => reportWithRetry(report, statusPath, { status: 'SUCCEEDED', message: 'Tenant data deleted' }),
      (error: unknown) => {
        logger.error({ err: error, tenantId }, 'offboarding failed');
        return reportWithRetry(report, statusPath, { status: 'FAILED', message: 'Offboarding failed; see the service log' });
      });
  });
  return router;
}

function tenantUrl(config: Config, subdomain: string | undefined): string {
  const template = process.env.TENANT_URL_TEMPLATE;
  if (template && subdomain) return template.replace('{subdomain}', subdomain);
  return `${config.publicUrl}/cockpit/`;
}
