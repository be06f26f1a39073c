/**
 * The paths the SAP SaaS Provisioning service (saas-registry) calls on `web`. mta.yaml points the
 * registry's appUrls at them (`{tenantId}` there is the registry's placeholder for `:tenantId`);
 * test/unit/deployment/descriptors.test.ts keeps the two in step.
 */
export const PROVISIONING_PATHS = {
  /** PUT subscribes a tenant, DELETE unsubscribes it. */
  tenant: '/callback/v1.0/tenants/:tenantId',
  /** GET lists the reuse services (xsappnames) a subscriber needs, e.g. destination and connectivity. */
  dependencies: '/callback/v1.0/dependencies',
} as const;
