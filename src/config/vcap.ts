import { z } from 'zod';
import { TandemError } from '../errors/tandem-error.js';

/**
 * Service bindings Tandem understands on Cloud Foundry. Each binding is found by its service
 * label (or a tag, for user-provided services), and only the fields Tandem needs are validated,
 * so a binding with extra fields still parses.
 */
const bindingSchema = z.object({
  name: z.string(),
  label: z.string(),
  tags: z.array(z.string()).default([]),
  credentials: z.record(z.string(), z.unknown()),
});
type Binding = z.infer<typeof bindingSchema>;

const postgresCredentials = z
  .object({
    uri: z.string().optional(),
    hostname: z.string().optional(),
    port: z.union([z.string(), z.number()]).optional(),
    dbname: z.string().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    sslrootcert: z.string().optional(),
  })
  .refine((c) => c.uri !== undefined || (c.hostname && c.dbname && c.username), {
    message: 'needs uri, or hostname + dbname + username',
  });

const redisCredentials = z
  .object({
    uri: z.string().optional(),
    hostname: z.string().optional(),
    port: z.union([z.string(), z.number()]).optional(),
    password: z.string().optional(),
    tls: z.boolean().optional(),
  })
  .refine((c) => c.uri !== undefined || c.hostname !== undefined, { message: 'needs uri or hostname' });

const xsuaaCredentials = z
  .object({
    clientid: z.string(),
    clientsecret: z.string().optional(),
    certificate: z.string().optional(),
    key: z.string().optional(),
    url: z.string().url(),
    uaadomain: z.string(),
    xsappname: z.string(),
    identityzone: z.string().optional(),
    tenantmode: z.string().optional(),
  })
  .refine((c) => c.clientsecret !== undefined || (c.certificate && c.key), {
    message: 'needs clientsecret, or certificate + key',
  });

// xsappname of destination and connectivity is what the SaaS registry's getDependencies answer names.
const destinationCredentials = z.object({
  clientid: z.string(),
  uri: z.string().url(),
  url: z.string().url(),
  xsappname: z.string().optional(),
});
const connectivityCredentials = z.object({
  clientid: z.string(),
  onpremise_proxy_host: z.string(),
  xsappname: z.string().optional(),
});
// The registry's own OAuth client reports asynchronous subscription outcomes to its status callback.
// Either credential type of the binding: a client secret, or an X.509 certificate and key (mutual TLS at certurl).
const saasRegistryCredentials = z
  .object({
    appName: z.string().optional(),
    saas_registry_url: z.string().url().optional(),
    clientid: z.string().optional(),
    clientsecret: z.string().optional(),
    certificate: z.string().optional(),
    key: z.string().optional(),
    url: z.string().url().optional(),
    certurl: z.string().url().optional(),
    uaadomain: z.string().optional(),
    xsappname: z.string().optional(),
  })
  .refine((c) => !c.certificate === !c.key, { message: 'certificate and key go together' })
  .refine((c) => !c.certificate || c.certurl !== undefined, { message: 'X.509 credentials need certurl' });
/**
 * The user-provided service `tandem-secrets` carries TANDEM_SECRET_KEY on Cloud Foundry. A binding
 * survives redeployments and blue-green swaps, where `cf set-env` values are lost with the old app,
 * and keeps the key out of mta.yaml (docs/deploy.md).
 */
export const SECRETS_SERVICE_NAME = 'tandem-secrets';
const secretsCredentials = z.object({ TANDEM_SECRET_KEY: z.string().min(1) });

export interface VcapBindings {
  postgres?: { uri: string; sslRootCert?: string };
  redis?: { uri: string };
  xsuaa?: z.infer<typeof xsuaaCredentials>;
  destination?: z.infer<typeof destinationCredentials>;
  connectivity?: z.infer<typeof connectivityCredentials>;
  saasRegistry?: z.infer<typeof saasRegistryCredentials>;
  secrets?: z.infer<typeof secretsCredentials>;
  application?: { url: string; name?: string };
}

function findBinding(bindings: Binding[], labels: string[]): Binding | undefined {
  return bindings.find((b) => labels.includes(b.label) || b.tags.some((tag) => labels.includes(tag)));
}

function parseCredentials<T>(binding: Binding | undefined, schema: z.ZodType<T>, key: string): T | undefined {
  if (!binding) return undefined;
  const result = schema.safeParse(binding.credentials);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.length ? `.${issue.path.join('.')}` : '';
    throw new TandemError(
      'CONFIG_INVALID',
      `Invalid configuration: VCAP_SERVICES.${key}${field}: ${issue.message} (binding "${binding.name}")`,
      { details: { key: `VCAP_SERVICES.${key}` } },
    );
  }
  return result.data;
}

export function readVcapServices(vcapServices: string | undefined, vcapApplication?: string): VcapBindings {
  const result: VcapBindings = {};
  if (vcapApplication) {
    try {
      const app = JSON.parse(vcapApplication) as { application_uris?: string[]; application_name?: string };
      const uri = app.application_uris?.[0];
      if (uri)
        result.application = { url: `https://${uri}`, ...(app.application_name ? { name: app.application_name } : {}) };
    } catch {
      throw new TandemError('CONFIG_INVALID', 'Invalid configuration: VCAP_APPLICATION: not valid JSON', {
        details: { key: 'VCAP_APPLICATION' },
      });
    }
  }
  if (vcapServices === undefined || vcapServices.trim() === '') return result;

  let raw: unknown;
  try {
    raw = JSON.parse(vcapServices);
  } catch {
    throw new TandemError('CONFIG_INVALID', 'Invalid configuration: VCAP_SERVICES: not valid JSON', {
      details: { key: 'VCAP_SERVICES' },
    });
  }
  const grouped = z.record(z.string(), z.array(bindingSchema)).safeParse(raw);
  if (!grouped.success) {
    const issue = grouped.error.issues[0]!;
    throw new TandemError(
      'CONFIG_INVALID',
      `Invalid configuration: VCAP_SERVICES.${issue.path.join('.')}: ${issue.message}`,
      {
        details: { key: 'VCAP_SERVICES' },
      },
    );
  }
  const bindings = Object.values(grouped.data).flat();

  const postgres = parseCredentials(
    findBinding(bindings, ['postgresql-db', 'postgresql', 'postgres']),
    postgresCredentials,
    'postgresql-db',
  );
  if (postgres) {
    const uri =
      postgres.uri ??
      `postgres://${encodeURIComponent(postgres.username!)}:${encodeURIComponent(postgres.password ?? '')}@${postgres.hostname}:${postgres.port ?? 5432}/${postgres.dbname}`;
    result.postgres = { uri, ...(postgres.sslrootcert ? { sslRootCert: postgres.sslrootcert } : {}) };
  }

  const redis = parseCredentials(findBinding(bindings, ['redis-cache', 'redis']), redisCredentials, 'redis-cache');
  if (redis) {
    // BTP's redis-cache gives a rediss:// uri when TLS is on; build one from parts otherwise.
    const scheme = redis.tls === false ? 'redis' : 'rediss';
    const auth = redis.password ? `:${encodeURIComponent(redis.password)}@` : '';
    result.redis = { uri: redis.uri ?? `${scheme}://${auth}${redis.hostname}:${redis.port ?? 6379}` };
  }

  const xsuaa = parseCredentials(findBinding(bindings, ['xsuaa']), xsuaaCredentials, 'xsuaa');
  if (xsuaa) result.xsuaa = xsuaa;
  const destination = parseCredentials(findBinding(bindings, ['destination']), destinationCredentials, 'destination');
  if (destination) result.destination = destination;
  const connectivity = parseCredentials(
    findBinding(bindings, ['connectivity']),
    connectivityCredentials,
    'connectivity',
  );
  if (connectivity) result.connectivity = connectivity;
  const saasRegistry = parseCredentials(
    findBinding(bindings, ['saas-registry']),
    saasRegistryCredentials,
    'saas-registry',
  );
  if (saasRegistry) result.saasRegistry = saasRegistry;
  // Found by instance name or tag: user-provided services all share the label "user-provided".
  const secretsBinding = bindings.find((b) => b.name === SECRETS_SERVICE_NAME || b.tags.includes(SECRETS_SERVICE_NAME));
  const secrets = parseCredentials(secretsBinding, secretsCredentials, SECRETS_SERVICE_NAME);
  if (secrets) result.secrets = secrets;
  return result;
}
