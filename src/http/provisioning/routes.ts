import express, { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config/config.js';
import { TandemError } from '../../errors/tandem-error.js';
import type { Queue } from 'bullmq';
import { enqueueProvisioning, type ProvisioningJobData } from '../../tenants/provisioning-queue.js';
import type { Pool } from '../../store/pool.js';
import { deprovisionTenant, provisionTenant } from '../../tenants/tenant-lifecycle.js';
import { requireScopes, type TokenVerifier } from '../auth/authenticate.js';
import { PROVISIONING_PATHS } from './paths.js';

const tenantIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be a subaccount zone id');
const subscriptionSchema = z
  .object({
    subscribedTenantId: tenantIdSchema.optional(),
    subscribedSubdomain: z.string().max(200).optional(),
    subscriptionAppName: z.string().max(200).optional(),
    globalAccountGUID: z.string().optional(),
  })
  .loose();

/**
 * STATUS_CALLBACK must be a path on the SaaS registry: an absolute URL (or a scheme- or
 * protocol-relative one, or backslashes that URL parsers read as slashes) would send the
 * registry's bearer token to whatever host it names. The reporter checks the origin again.
 */
export function statusCallbackPath(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  if (!/^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*(\?[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*)?$/.test(header)) {
    throw new TandemError(
      'BAD_REQUEST',
      'STATUS_CALLBACK must be a path on the SaaS registry (e.g. /api/v2.0/subscription/…/status)',
    );
  }
  return header;
}

export interface ProvisioningDeps {
  pool: Pool;
  config: Config;
  verifyToken: TokenVerifier;
  /** Where asynchronous (un)subscriptions go: the worker does them and reports to the registry. */
  provisioningQueue: Queue<ProvisioningJobData>;
}

/**
 * SaaS provisioning callbacks. The caller is the SaaS registry, authorised by the Callback scope
 * (granted to it in xs-security.json); here — and only here — the tenant comes from the path,
 * because the registry acts on the subscriber's behalf.
 */
export function provisioningRoutes(deps: ProvisioningDeps): Router {
  const router = Router();
  const callbackOnly = requireScopes(deps.verifyToken, ['Callback']);

  router.get(PROVISIONING_PATHS.dependencies, callbackOnly, (_req, res) => {
    const { destination, connectivity } = deps.config.services;
    // The subscriber's destination and Cloud Connector must be reachable with their own tokens.
    res.json([destination?.xsappname, connectivity?.xsappname].filter(Boolean).map((xsappname) => ({ xsappname })));
  });

  router.put(PROVISIONING_PATHS.tenant, callbackOnly, express.json({ limit: '100kb' }), async (req, res) => {
    const tenantId = tenantIdSchema.parse(req.params.tenantId);
    const body = subscriptionSchema.safeParse(req.body ?? {});
    if (!body.success)
      throw new TandemError('VALIDATION_FAILED', 'Invalid subscription payload', {
        fieldErrors: body.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    if (body.data.subscribedTenantId && body.data.subscribedTenantId !== tenantId) {
      throw new TandemError('BAD_REQUEST', 'subscribedTenantId differs from the tenant in the path');
    }
    const subscriptionUrl = tenantUrl(deps.config, body.data.subscribedSubdomain);
    const work = () =>
      provisionTenant(deps.pool, {
        tenantId,
        ...(body.data.subscribedSubdomain ? { subdomain: body.data.subscribedSubdomain } : {}),
      });
    const statusPath = statusCallbackPath(req.get('status_callback'));
    if (!statusPath) {
      await work();
      res.status(200).type('text/plain').send(subscriptionUrl);
      return;
    }
    // 202 only once the job is stored: from here on a restart of web or worker loses nothing.
    await enqueueProvisioning(deps.provisioningQueue, {
      operation: 'subscribe',
      tenantId,
      statusPath,
      subscriptionUrl,
      ...(body.data.subscribedSubdomain ? { subdomain: body.data.subscribedSubdomain } : {}),
    });
    res.status(202).json({ tenantId, status: 'IN_PROGRESS' });
  });

  router.delete(PROVISIONING_PATHS.tenant, callbackOnly, async (req, res) => {
    const tenantId = tenantIdSchema.parse(req.params.tenantId);
    const statusPath = statusCallbackPath(req.get('status_callback'));
    const work = () => deprovisionTenant(deps.pool, tenantId);
    if (!statusPath) {
      await work();
      res.status(200).json({ tenantId, status: 'DELETED' });
      return;
    }
    await enqueueProvisioning(deps.provisioningQueue, { operation: 'unsubscribe', tenantId, statusPath });
    res.status(202).json({ tenantId, status: 'IN_PROGRESS' });
  });
  return router;
}

function tenantUrl(config: Config, subdomain: string | undefined): string {
  const template = process.env.TENANT_URL_TEMPLATE;
  if (template && subdomain) return template.replace('{subdomain}', subdomain);
  return `${config.publicUrl}/cockpit/`;
}
