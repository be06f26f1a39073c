/** Routes the SaaS registry calls (referenced by mta.yaml's saas-registry appUrls). */
export const PROVISIONING_PATHS = {
  tenant: '/callback/v1.0/tenants/:tenantId',
  dependencies: '/callback/v1.0/dependencies',
} as const;
