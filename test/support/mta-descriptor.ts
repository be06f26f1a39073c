import { z } from 'zod';

/**
 * A structural model of the MTA deployment descriptor (schema 3.x, as `cf deploy` reads it), so
 * mta.yaml can be checked without the MTA build tool. Objects are strict: a misspelt key
 * (`paramters`) is an error here, where the deployer would silently ignore it. Only the
 * parameters Tandem uses are typed; others pass through.
 */
const mtaName = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'MTA names use letters, digits, "_", "-" and "."');
const keyValues = z.record(z.string(), z.unknown());
const metadata = z.record(
  z.string(),
  z.object({ overwritable: z.boolean().optional(), optional: z.boolean().optional() }).loose(),
);
const size = z.string().regex(/^\d+(M|MB|G|GB)$/, 'sizes look like 512M or 1G');

export const HOOK_PHASES = [
  'deploy.application.before-stop',
  'deploy.application.after-stop',
  'deploy.application.before-unmap-routes',
  'deploy.application.before-start',
  'blue-green.application.before-stop.idle',
  'blue-green.application.before-stop.live',
  'blue-green.application.after-stop.idle',
  'blue-green.application.after-stop.live',
  'blue-green.application.before-unmap-routes.idle',
  'blue-green.application.before-unmap-routes.live',
  'blue-green.application.before-start.idle',
  'blue-green.application.before-start.live',
] as const;

const requiresEntry = z.strictObject({
  name: mtaName,
  group: z.string().optional(),
  list: z.string().optional(),
  properties: keyValues.optional(),
  'properties-metadata': metadata.optional(),
  parameters: keyValues.optional(),
  'parameters-metadata': metadata.optional(),
});

const providesEntry = z.strictObject({
  name: mtaName,
  public: z.boolean().optional(),
  properties: keyValues.optional(),
  'properties-metadata': metadata.optional(),
  parameters: keyValues.optional(),
  'parameters-metadata': metadata.optional(),
});

const hook = z.strictObject({
  name: mtaName,
  type: z.literal('task'),
  phases: z.array(z.enum(HOOK_PHASES)).min(1),
  parameters: z
    .object({
      name: z.string().optional(),
      command: z.string().min(1),
      memory: size.optional(),
      'disk-quota': size.optional(),
    })
    .strict(),
  requires: z.array(requiresEntry).optional(),
});

const moduleParameters = z
  .object({
    command: z.string().min(1).optional(),
    memory: size.optional(),
    'disk-quota': size.optional(),
    instances: z.number().int().min(0).optional(),
    'health-check-type': z.enum(['port', 'process', 'http', 'none']).optional(),
    'health-check-http-endpoint': z.string().startsWith('/').optional(),
    'health-check-timeout': z.number().int().positive().optional(),
    'no-route': z.boolean().optional(),
    routes: z.array(z.object({ route: z.string().min(1) }).loose()).optional(),
    buildpack: z.string().optional(),
    tasks: z.array(z.object({ name: z.string(), command: z.string() }).loose()).optional(),
  })
  .loose();

const buildParameters = z
  .object({
    builder: z.string().optional(),
    commands: z.array(z.string()).optional(),
  })
  .loose();

const mtaModule = z.strictObject({
  name: mtaName,
  type: z.string().min(1),
  description: z.string().optional(),
  path: z.string().min(1).optional(),
  'deployed-after': z.array(mtaName).optional(),
  properties: keyValues.optional(),
  'properties-metadata': metadata.optional(),
  parameters: moduleParameters.optional(),
  'parameters-metadata': metadata.optional(),
  'build-parameters': buildParameters.optional(),
  hooks: z.array(hook).optional(),
  requires: z.array(requiresEntry).optional(),
  provides: z.array(providesEntry).optional(),
  includes: z.array(z.object({ name: z.string(), path: z.string() })).optional(),
});

const RESOURCE_TYPES = [
  'org.cloudfoundry.managed-service',
  'org.cloudfoundry.existing-service',
  'org.cloudfoundry.existing-service-key',
  'org.cloudfoundry.user-provided-service',
  'configuration',
] as const;

const mtaResource = z
  .strictObject({
    name: mtaName,
    type: z.enum(RESOURCE_TYPES).optional(),
    description: z.string().optional(),
    active: z.boolean().optional(),
    optional: z.boolean().optional(),
    'processed-after': z.array(mtaName).optional(),
    properties: keyValues.optional(),
    'properties-metadata': metadata.optional(),
    parameters: z
      .object({
        service: z.string().optional(),
        'service-plan': z.string().optional(),
        'service-name': z.string().optional(),
        path: z.string().optional(),
        config: keyValues.optional(),
      })
      .loose()
      .optional(),
    'parameters-metadata': metadata.optional(),
    requires: z.array(requiresEntry).optional(),
  })
  .superRefine((resource, ctx) => {
    // A managed service is created by the deployer, which needs to know what to order.
    if (
      resource.type === 'org.cloudfoundry.managed-service' &&
      (!resource.parameters?.service || !resource.parameters['service-plan'])
    ) {
      ctx.addIssue({
        code: 'custom',
        message: 'a managed service needs parameters.service and parameters.service-plan',
        path: ['parameters'],
      });
    }
  });

export const mtaDescriptorSchema = z.strictObject({
  '_schema-version': z.string().regex(/^3(\.\d+){0,2}$/, '_schema-version must be 3.x'),
  ID: mtaName,
  version: z.string().regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, 'version must be semantic (1.2.3)'),
  description: z.string().optional(),
  provider: z.string().optional(),
  copyright: z.string().optional(),
  parameters: keyValues.optional(),
  'parameters-metadata': metadata.optional(),
  'build-parameters': z
    .object({
      'before-all': z.array(buildParameters).optional(),
      'after-all': z.array(buildParameters).optional(),
    })
    .loose()
    .optional(),
  hooks: z.array(hook).optional(),
  modules: z.array(mtaModule).min(1),
  resources: z.array(mtaResource).optional(),
  'module-types': z.array(z.object({ name: z.string(), extends: z.string() }).loose()).optional(),
  'resource-types': z.array(z.object({ name: z.string(), extends: z.string() }).loose()).optional(),
});

export type MtaDescriptor = z.infer<typeof mtaDescriptorSchema>;
export type MtaModule = z.infer<typeof mtaModule>;
export type MtaResource = z.infer<typeof mtaResource>;

/** Placeholders the Cloud Foundry deployer fills in (`${...}`); anything else is a typo. */
export const SYSTEM_PLACEHOLDERS = new Set([
  'default-url',
  'default-uri',
  'default-host',
  'default-domain',
  'default-app-name',
  'default-service-name',
  'app-name',
  'service-name',
  'domain',
  'host',
  'protocol',
  'space',
  'org',
  'user',
  'org-guid',
  'space-guid',
  'deploy-url',
  'controller-url',
  'authorization-url',
  'xs-type',
  'default-instances',
  'timestamp',
]);

/** Every string in a value, with a readable path to it. */
function strings(value: unknown, path: string): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, index) => strings(item, `${path}[${index}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, item]) => strings(item, `${path}.${key}`));
  return [];
}

/** Structure first (zod), then what a schema cannot say: names that must resolve across the file. */
export function validateMtaDescriptor(raw: unknown): { descriptor?: MtaDescriptor; problems: string[] } {
  const parsed = mtaDescriptorSchema.safeParse(raw);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`) };
  }
  const mta = parsed.data;
  const problems: string[] = [];
  const resources = mta.resources ?? [];

  const provided = new Map<string, Record<string, unknown>>();
  for (const module of mta.modules) {
    for (const provides of module.provides ?? []) provided.set(provides.name, provides.properties ?? {});
  }
  const resourceNames = new Set(resources.map((resource) => resource.name));
  const moduleNames = new Set(mta.modules.map((module) => module.name));

  // Module, resource and provided names share one namespace in the deployer.
  const seen = new Map<string, string>();
  const declare = (name: string, what: string) => {
    const earlier = seen.get(name);
    if (earlier) problems.push(`"${name}" is declared twice (${earlier} and ${what})`);
    else seen.set(name, what);
  };
  for (const module of mta.modules) {
    declare(module.name, `module ${module.name}`);
    for (const provides of module.provides ?? []) declare(provides.name, `provides of ${module.name}`);
  }
  for (const resource of resources) declare(resource.name, `resource ${resource.name}`);

  const checkRequires = (owner: string, requires: Array<z.infer<typeof requiresEntry>> | undefined) => {
    for (const [index, required] of (requires ?? []).entries()) {
      if (!resourceNames.has(required.name) && !provided.has(required.name)) {
        problems.push(
          `${owner}.requires[${index}]: "${required.name}" is neither a resource nor a provided property set`,
        );
        continue;
      }
      // Inside a requires entry, ~{prop} reads a property of the set it requires.
      const available = provided.get(required.name);
      for (const { path, text } of strings(
        { properties: required.properties, parameters: required.parameters },
        `${owner}.requires[${index}]`,
      )) {
        for (const match of text.matchAll(/~\{([^}/]+)\}/g)) {
          if (!available || !(match[1]! in available)) {
            problems.push(`${path}: ~{${match[1]}} is not a property provided by "${required.name}"`);
          }
        }
      }
    }
  };

  // ~{set/prop} outside a requires entry: the owner must require the set, and the set must provide prop.
  const checkQualifiedReferences = (owner: string, value: unknown, requires: Array<{ name: string }> | undefined) => {
    const required = new Set((requires ?? []).map((entry) => entry.name));
    for (const { path, text } of strings(value, owner)) {
      for (const match of text.matchAll(/~\{([^}/]+)\/([^}]+)\}/g)) {
        const [, set, property] = match as unknown as [string, string, string];
        if (!provided.has(set)) problems.push(`${path}: ~{${set}/${property}}: nothing provides "${set}"`);
        else if (!(property in provided.get(set)!))
          problems.push(`${path}: ~{${set}/${property}}: "${set}" has no property "${property}"`);
        else if (!required.has(set))
          problems.push(`${path}: ~{${set}/${property}}: ${owner} must list "${set}" under requires`);
      }
    }
  };

  for (const module of mta.modules) {
    const owner = `modules.${module.name}`;
    checkRequires(owner, module.requires);
    checkQualifiedReferences(owner, { properties: module.properties, parameters: module.parameters }, module.requires);
    for (const hook of module.hooks ?? []) checkRequires(`${owner}.hooks.${hook.name}`, hook.requires);
    for (const after of module['deployed-after'] ?? []) {
      if (!moduleNames.has(after)) problems.push(`${owner}.deployed-after: "${after}" is not a module`);
      if (after === module.name) problems.push(`${owner}.deployed-after: a module cannot wait for itself`);
    }
  }
  for (const resource of resources) {
    const owner = `resources.${resource.name}`;
    checkRequires(owner, resource.requires);
    checkQualifiedReferences(
      owner,
      { properties: resource.properties, parameters: resource.parameters },
      resource.requires,
    );
  }

  // ${name} also reads a global parameter of the descriptor (an extension descriptor may override it).
  const globalParameters = new Set(Object.keys((mta as { parameters?: Record<string, unknown> }).parameters ?? {}));
  for (const { path, text } of strings({ modules: mta.modules, resources }, '')) {
    for (const match of text.matchAll(/\$\{([^}]+)\}/g)) {
      if (!SYSTEM_PLACEHOLDERS.has(match[1]!) && !globalParameters.has(match[1]!))
        problems.push(`${path.slice(1)}: unknown placeholder \${${match[1]}}`);
    }
  }
  return { descriptor: mta, problems };
}
