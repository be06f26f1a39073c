import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Redis } from 'ioredis';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthRoutes } from '../../../src/http/health/routes.js';
import { PROVISIONING_PATHS } from '../../../src/http/provisioning/paths.js';
import { SCOPES } from '../../../src/security/dev-token.js';
import type { Pool } from '../../../src/store/pool.js';
import {
  validateMtaDescriptor,
  type MtaDescriptor,
  type MtaModule,
  type MtaResource,
} from '../../support/mta-descriptor.js';

/**
 * The deployment descriptors cannot be tried without a BTP account, and the MTA build tool cannot
 * be installed here, so this file checks them against what they describe: the MTA 3.x structure,
 * their cross-references, the folder `npm run build` produces, the CLI's commands, the routes web
 * registers and the scopes the code checks.
 */
const root = join(import.meta.dirname, '..', '..', '..');
const execFileAsync = promisify(execFile);
const readText = (path: string) => readFileSync(join(root, path), 'utf8');
const readJson = <T>(path: string) => JSON.parse(readText(path)) as T;

const rawMta = parse(readText('mta.yaml')) as unknown;
const { descriptor, problems } = validateMtaDescriptor(rawMta);

function mta(): MtaDescriptor {
  if (!descriptor) throw new Error(`mta.yaml is not a valid MTA descriptor:\n${problems.join('\n')}`);
  return descriptor;
}
function moduleNamed(name: string): MtaModule {
  const found = mta().modules.find((module) => module.name === name);
  if (!found) throw new Error(`mta.yaml has no module "${name}"`);
  return found;
}
function resourceNamed(name: string): MtaResource {
  const found = (mta().resources ?? []).find((resource) => resource.name === name);
  if (!found) throw new Error(`mta.yaml has no resource "${name}"`);
  return found;
}
const config = (resource: MtaResource) => (resource.parameters?.config ?? {}) as Record<string, unknown>;

function mutated(change: (doc: Record<string, any>) => void): string[] {
  const copy = structuredClone(rawMta) as Record<string, any>;
  change(copy);
  return validateMtaDescriptor(copy).problems;
}

describe('mta.yaml: structure and references', () => {
  it('is a valid MTA 3.x descriptor in which every reference resolves', () => {
    expect(problems).toEqual([]);
    expect(mta()['_schema-version']).toMatch(/^3\./);
  });

  // The validator must be able to fail, or the test above proves nothing.
  it.each([
    [
      'a requires naming no resource',
      (doc: any) => {
        doc.modules[0].requires.push({ name: 'tandem-dbb' });
      },
      /"tandem-dbb" is neither a resource nor a provided property set/,
    ],
    [
      'a misspelt key',
      (doc: any) => {
        doc.modules[0].paramters = {};
      },
      /paramters/,
    ],
    [
      'a reference to a missing provided property',
      (doc: any) => {
        doc.resources.find((r: any) => r.name === 'tandem-registry').parameters.config.appUrls.getDependencies =
          '~{srv-api/uri}/x';
      },
      /~\{srv-api\/uri\}: "srv-api" has no property "uri"/,
    ],
    [
      'a reference to a set the resource does not require',
      (doc: any) => {
        delete doc.resources.find((r: any) => r.name === 'tandem-registry').requires;
      },
      /must list "srv-api" under requires/,
    ],
    [
      'an unknown placeholder',
      (doc: any) => {
        doc.modules[0].parameters.command = 'node ${spcae}';
      },
      /unknown placeholder \$\{spcae\}/,
    ],
    [
      'a hook phase that does not exist',
      (doc: any) => {
        doc.modules[0].hooks[0].phases = ['deploy.before-start'];
      },
      /phases/,
    ],
    [
      'a managed service without a plan',
      (doc: any) => {
        delete doc.resources[0].parameters['service-plan'];
      },
      /service-plan/,
    ],
    [
      'two things with one name',
      (doc: any) => {
        doc.resources.push({ name: 'tandem-web', type: 'configuration' });
      },
      /"tandem-web" is declared twice/,
    ],
    [
      'a module waiting for a module that does not exist',
      (doc: any) => {
        doc.modules[1]['deployed-after'] = ['tandem-wbe'];
      },
      /"tandem-wbe" is not a module/,
    ],
  ])('reports %s', (_what, change, expected) => {
    const found = mutated(change);
    expect(found.join('\n')).toMatch(expected);
  });
});

describe('mta.yaml: the apps', () => {
  const cliCommands = new Set([...readText('src/cli.ts').matchAll(/case '([a-z-]+)':/g)].map((match) => match[1]!));

  it('runs web and worker from the same built folder, each with its own CLI command', () => {
    const web = moduleNamed('tandem-web');
    const worker = moduleNamed('tandem-worker');
    expect(web.type).toBe('nodejs');
    expect(worker.type).toBe('nodejs');
    expect(web.path).toBe('gen/srv');
    expect(worker.path).toBe(web.path);
    expect(web.parameters?.command).toBe('node dist/cli.js web');
    expect(worker.parameters?.command).toBe('node dist/cli.js worker');
  });

  it('only starts commands the CLI has', () => {
    const commands = mta()
      .modules.flatMap((module) => [
        module.parameters?.command,
        ...(module.hooks ?? []).map((hook) => hook.parameters.command),
      ])
      .filter((command): command is string => command !== undefined);
    expect(commands.length).toBeGreaterThanOrEqual(3);
    for (const command of commands) {
      const match = /^node dist\/cli\.js ([a-z-]+)$/.exec(command);
      expect(match, `"${command}" should be "node dist/cli.js <command>"`).not.toBeNull();
      expect(cliCommands.has(match![1]!), `src/cli.ts has no command "${match![1]}"`).toBe(true);
    }
  });

  it('health-checks web over HTTP on a path web registers, and the worker as a process without a route', async () => {
    const web = moduleNamed('tandem-web');
    expect(web.parameters?.['health-check-type']).toBe('http');
    const router = healthRoutes({ pool: {} as Pool, redis: {} as Redis }) as unknown as {
      stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }>;
    };
    const getPaths = router.stack.filter((layer) => layer.route?.methods.get).map((layer) => layer.route!.path);
    expect(getPaths).toContain(web.parameters?.['health-check-http-endpoint']);

    const worker = moduleNamed('tandem-worker');
    expect(worker.parameters?.['no-route']).toBe(true);
    expect(worker.parameters?.['health-check-type']).toBe('process');
  });

  it('migrates the database from a task before the new web starts, in plain and blue-green deployments', () => {
    const hooks = moduleNamed('tandem-web').hooks ?? [];
    const migrate = hooks.find((hook) => hook.parameters.command === 'node dist/cli.js migrate');
    expect(migrate, 'tandem-web needs a hook running `node dist/cli.js migrate`').toBeDefined();
    expect(migrate!.phases).toEqual(
      expect.arrayContaining(['deploy.application.before-start', 'blue-green.application.before-start.idle']),
    );
    // The worker's new code may need the new schema: it starts after web (and so after the hook).
    expect(moduleNamed('tandem-worker')['deployed-after']).toContain('tandem-web');
  });

  it('binds web and worker to every service the configuration reads', () => {
    const services = new Map(
      (mta().resources ?? []).map((resource) => [
        resource.name,
        resource.parameters?.service ?? resource.parameters?.['service-name'],
      ]),
    );
    const boundServices = (module: MtaModule) =>
      new Set((module.requires ?? []).map((required) => services.get(required.name)).filter(Boolean));
    // src/config/vcap.ts finds bindings by these service labels (and tandem-secrets by name).
    const needed = ['xsuaa', 'destination', 'connectivity', 'postgresql-db', 'redis-cache', 'tandem-secrets'];
    for (const name of ['tandem-web', 'tandem-worker']) {
      expect([...boundServices(moduleNamed(name))].sort()).toEqual(expect.arrayContaining(needed));
    }
    expect(boundServices(moduleNamed('tandem-web')).has('saas-registry')).toBe(true);
    // The worker reports asynchronous subscription outcomes with the registry binding's client.
    expect(boundServices(moduleNamed('tandem-worker')).has('saas-registry')).toBe(true);
    expect(moduleNamed('tandem-web').properties?.AUTH_MODE).toBe('xsuaa');
    expect(moduleNamed('tandem-worker').properties?.AUTH_MODE).toBe('xsuaa');
  });

  it('gives web and worker PUBLIC_URL from the web route: the worker requires srv-api, which web provides', () => {
    const web = moduleNamed('tandem-web');
    expect(web.properties?.PUBLIC_URL).toBe('${default-url}');
    const provided = web.provides?.find((provides) => provides.name === 'srv-api');
    expect(provided?.properties?.url).toBe('${default-url}');
    const worker = moduleNamed('tandem-worker');
    const route = worker.requires?.find((required) => required.name === 'srv-api');
    expect(route, 'tandem-worker must require srv-api').toBeDefined();
    expect(route!.properties?.PUBLIC_URL).toBe('~{url}');
    expect(worker.properties?.PUBLIC_URL).toBeUndefined();
  });

  it('keeps secrets out of the descriptor: TANDEM_SECRET_KEY comes from an existing user-provided service', () => {
    expect(readText('mta.yaml')).not.toMatch(/TANDEM_SECRET_KEY\s*:/);
    const secrets = resourceNamed('tandem-secrets');
    expect(secrets.type).toBe('org.cloudfoundry.existing-service');
  });
});

describe('npm run build: the folder the modules deploy', () => {
  let out = '';
  let srv = '';

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'tandem-build-'));
    srv = join(out, 'srv');
    // The real build script, into a temporary folder: about 15 s (tsc), well inside the hook timeout.
    await execFileAsync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--out', out], {
      cwd: root,
      timeout: 120_000,
    });
  }, 150_000);
  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  /** mta.yaml paths are relative to the repository; gen/ is where the build writes. */
  const builtPath = (path: string) =>
    path.startsWith('gen/') ? join(out, path.slice('gen/'.length)) : join(root, path);

  it('contains every module path, with the file each start command runs', () => {
    for (const module of mta().modules) {
      expect(module.path, `${module.name} needs a path`).toBeDefined();
      const folder = builtPath(module.path!);
      expect(existsSync(folder), `${module.name}: ${module.path} does not exist after the build`).toBe(true);
      expect(existsSync(join(folder, 'package.json')), `${module.name}: no package.json in ${module.path}`).toBe(true);
      const script = /^node (\S+)/.exec(module.parameters?.command ?? '')?.[1];
      if (script)
        expect(existsSync(join(folder, script)), `${module.name}: ${script} missing in ${module.path}`).toBe(true);
    }
    for (const needed of ['dist/cli.js', 'bin/tandem.js', 'package-lock.json'])
      expect(existsSync(join(srv, needed)), needed).toBe(true);
    expect(readdirSync(join(srv, 'migrations')).sort()).toEqual(readdirSync(join(root, 'migrations')).sort());
  });

  it('runs: the CLI starts from the built folder and finds its migrations', async () => {
    // The buildpack would install node_modules; the repository's do for this check.
    symlinkSync(join(root, 'node_modules'), join(srv, 'node_modules'), 'dir');
    const env = { ...process.env, LOG_LEVEL: 'silent' };
    const help = await execFileAsync(process.execPath, ['bin/tandem.js', 'help'], { cwd: srv, env, timeout: 60_000 });
    expect(help.stdout).toMatch(/worker\s+queue workers/);
    const probe = await execFileAsync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('./dist/store/migrate.js'); const list = await m.readMigrations(); console.log(JSON.stringify({ dir: m.MIGRATIONS_DIR, files: list.map((x) => x.name) }));",
      ],
      { cwd: srv, env, timeout: 60_000 },
    );
    const { dir, files } = JSON.parse(probe.stdout) as { dir: string; files: string[] };
    expect(dir).toBe(join(srv, 'migrations'));
    expect(files).toEqual(
      readdirSync(join(root, 'migrations'))
        .filter((file) => file.endsWith('.sql'))
        .sort(),
    );
  });

  it('ships production dependencies only, with a lock the buildpack can `npm ci` from', () => {
    const rootPackage = readJson<{ dependencies: Record<string, string> }>('package.json');
    const pkg = JSON.parse(readFileSync(join(srv, 'package.json'), 'utf8')) as Record<string, any>;
    expect(pkg.dependencies).toEqual(rootPackage.dependencies);
    expect(pkg.devDependencies).toBeUndefined();
    expect(pkg.scripts).toEqual({ start: 'node dist/cli.js web' });
    expect(pkg.engines.node).toMatch(/^22/);

    const lock = JSON.parse(readFileSync(join(srv, 'package-lock.json'), 'utf8')) as { packages: Record<string, any> };
    expect(lock.packages['']!.dependencies).toEqual(pkg.dependencies);
    expect(lock.packages['']!.devDependencies).toBeUndefined();
    const paths = Object.keys(lock.packages);
    expect(paths.filter((path) => lock.packages[path]!.dev)).toEqual([]);
    for (const devOnly of ['node_modules/vitest', 'node_modules/typescript', 'node_modules/tsx'])
      expect(paths).not.toContain(devOnly);

    // Every dependency of every kept package must still resolve the way Node does (walking up).
    const unresolved: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const dependency of Object.keys(entry.dependencies ?? {})) {
        let base = path;
        let found = false;
        for (;;) {
          if (lock.packages[`${base ? `${base}/` : ''}node_modules/${dependency}`]) {
            found = true;
            break;
          }
          if (!base) break;
          const cut = base.lastIndexOf('/node_modules/');
          base = cut === -1 ? '' : base.slice(0, cut);
        }
        if (!found) unresolved.push(`${path || '(root)'} → ${dependency}`);
      }
    }
    expect(unresolved).toEqual([]);
  });
});

describe('xs-security.json', () => {
  interface XsSecurity {
    xsappname: string;
    'tenant-mode': string;
    scopes: Array<{ name: string; 'grant-as-authority-to-apps'?: string[] }>;
    authorities?: string[];
    'role-templates': Array<{ name: string; 'scope-references': string[] }>;
    'role-collections': Array<{ name: string; 'role-template-references': string[] }>;
  }
  const security = readJson<XsSecurity>('xs-security.json');
  const scopeNames = security.scopes.map((scope) => scope.name);

  it('is the file the xsuaa resource points at, with one xsappname shared with the SaaS registry', () => {
    const uaa = resourceNamed('tandem-uaa');
    expect(uaa.parameters?.service).toBe('xsuaa');
    expect(uaa.parameters?.['service-plan']).toBe('application');
    expect(join(root, uaa.parameters!.path!)).toBe(join(root, 'xs-security.json'));
    const xsappname = String(config(uaa).xsappname);
    // mta.yaml overrides the file's name per space, keeping it as the prefix.
    expect(xsappname.startsWith(security.xsappname)).toBe(true);
    expect(config(resourceNamed('tandem-registry')).xsappname).toBe(xsappname);
    expect(security['tenant-mode']).toBe('shared');
    expect(config(uaa)['tenant-mode'] ?? security['tenant-mode']).toBe('shared');
  });

  it('declares exactly the scopes the code checks', () => {
    expect([...scopeNames].sort(), 'xs-security.json scopes vs SCOPES in src/security/dev-token.ts').toEqual(
      SCOPES.map((scope) => `$XSAPPNAME.${scope}`).sort(),
    );
  });

  it('has no S4Events scope or authority: S/4 posts events with per-tenant callback credentials, never with the provider client', () => {
    expect(readText('xs-security.json')).not.toMatch(/S4Events/);
    expect((security as { authorities?: string[] }).authorities ?? []).toEqual([]);
  });

  it('grants the Callback scope to the SaaS provisioning service only', () => {
    const callback = security.scopes.find((scope) => scope.name === '$XSAPPNAME.Callback');
    expect(callback?.['grant-as-authority-to-apps']).toEqual([
      '$XSAPPNAME(application,sap-provisioning,tenant-onboarding)',
    ]);
    // No person may call the provisioning callbacks.
    for (const template of security['role-templates'])
      expect(template['scope-references']).not.toContain('$XSAPPNAME.Callback');
  });

  it('builds role templates from declared scopes and role collections from declared templates', () => {
    for (const template of security['role-templates']) {
      for (const scope of template['scope-references'])
        expect(scopeNames, `role template ${template.name}`).toContain(scope);
    }
    for (const authority of security.authorities ?? []) expect(scopeNames).toContain(authority);
    const templates = security['role-templates'].map((template) => `$XSAPPNAME.${template.name}`);
    for (const collection of security['role-collections']) {
      for (const reference of collection['role-template-references'])
        expect(templates, `role collection ${collection.name}`).toContain(reference);
    }
    expect(security['role-collections'].map((collection) => collection.name).sort()).toEqual([
      'Tandem Administrator',
      'Tandem Support',
    ]);
  });
});

describe('SaaS provisioning (saas-registry)', () => {
  const registry = resourceNamed('tandem-registry');
  const appUrls = config(registry).appUrls as Record<string, unknown>;
  /** The registry's URL template as an Express path on web (`{tenantId}` ↔ `:tenantId`). */
  const webPath = (url: unknown) =>
    String(url)
      .replace('~{srv-api/url}', '')
      .replace(/\{(\w+)\}/g, ':$1');

  it("calls the provisioning routes web serves, on web's own URL", () => {
    expect(registry.parameters?.service).toBe('saas-registry');
    expect(String(appUrls.onSubscription)).toMatch(/^~\{srv-api\/url\}\//);
    expect(String(appUrls.getDependencies)).toMatch(/^~\{srv-api\/url\}\//);
    expect(webPath(appUrls.onSubscription)).toBe(PROVISIONING_PATHS.tenant);
    expect(webPath(appUrls.getDependencies)).toBe(PROVISIONING_PATHS.dependencies);
    expect(moduleNamed('tandem-web').provides?.find((set) => set.name === 'srv-api')?.properties?.url).toBe(
      '${default-url}',
    );
  });

  it('subscribes asynchronously, with a callback timeout in the allowed range', () => {
    expect(appUrls.onSubscriptionAsync).toBe(true);
    expect(appUrls.callbackTimeoutMillis).toEqual(expect.any(Number));
    expect(appUrls.callbackTimeoutMillis as number).toBeGreaterThan(0);
    expect(appUrls.callbackTimeoutMillis as number).toBeLessThanOrEqual(3_600_000);
    for (const key of ['appName', 'displayName', 'category'])
      expect(config(registry)[key], key).toEqual(expect.any(String));
  });
});

describe('approuter', () => {
  interface XsApp {
    welcomeFile: string;
    logout?: { logoutEndpoint: string; logoutPage?: string };
    routes: Array<{ source: string; destination?: string; localDir?: string; authenticationType: string }>;
  }
  const xsApp = readJson<XsApp>('approuter/xs-app.json');
  const approuter = moduleNamed('tandem-approuter');
  const routeFor = (path: string) => xsApp.routes.find((route) => new RegExp(route.source).test(path));

  it('is a Node.js approuter that declares (not vendors) @sap/approuter', () => {
    expect(approuter.type).toBe('approuter.nodejs');
    expect(approuter.path).toBe('approuter');
    const pkg = readJson<{ dependencies: Record<string, string>; scripts: { start: string } }>(
      'approuter/package.json',
    );
    expect(pkg.dependencies['@sap/approuter']).toBeDefined();
    expect(pkg.scripts.start).toContain('@sap/approuter');
  });

  it("routes only to destinations mta.yaml gives it, and forwards the user's token to web", () => {
    const destinations = (approuter.requires ?? []).filter((required) => required.group === 'destinations');
    const names = destinations.map((required) => required.properties?.name);
    for (const route of xsApp.routes.filter((r) => r.destination)) expect(names).toContain(route.destination);
    const srv = destinations.find((required) => required.properties?.name === 'srv');
    expect(srv?.name).toBe('srv-api');
    expect(srv?.properties?.url).toBe('~{url}');
    expect(srv?.properties?.forwardAuthToken).toBe(true);
    for (const route of xsApp.routes.filter((r) => r.localDir))
      expect(existsSync(join(root, 'approuter', route.localDir!))).toBe(true);
  });

  it('signs people in for the cockpit and the admin API', () => {
    expect(xsApp.welcomeFile).toBe('/cockpit/');
    for (const path of ['/api/v1/openapi.json', '/api/v1/tenants/me', '/cockpit/', '/cockpit/index.html']) {
      expect(routeFor(path)?.destination, path).toBe('srv');
      expect(routeFor(path)?.authenticationType, path).toBe('xsuaa');
    }
    expect(xsApp.logout?.logoutEndpoint).toBe('/logout');
    expect(routeFor(xsApp.logout!.logoutPage!)?.authenticationType).toBe('none');
  });

  it('does not carry machine-to-machine endpoints: their callers cannot log in interactively', () => {
    const concrete = (path: string) => path.replace(/:(\w+)/g, 'x$1');
    for (const path of [
      '/s4/events',
      '/ews/notifications/abc123',
      '/graph/notifications',
      '/graph/lifecycle',
      concrete(PROVISIONING_PATHS.tenant),
      PROVISIONING_PATHS.dependencies,
      '/health',
      '/ready',
      '/metrics',
    ]) {
      expect(routeFor(path), `${path} must not go through the approuter`).toBeUndefined();
    }
  });

  it('routes every subscriber with one wildcard route on the tenant domain, kept by every (blue-green) deployment', () => {
    const routes = (approuter.parameters?.routes ?? []) as Array<{ route: string }>;
    expect(routes.map((r) => r.route)).toEqual(['*.${tenant-domain}']);
    // A global parameter, so an extension descriptor sets the operator's domain without editing mta.yaml.
    expect((mta() as { parameters?: Record<string, unknown> }).parameters?.['tenant-domain']).toEqual(
      expect.any(String),
    );
    // The descriptor carries the route: no keep-existing-routes or hand-mapped routes are needed.
    expect(approuter.parameters?.['keep-existing-routes']).toBeUndefined();
    const redirects = (config(resourceNamed('tandem-uaa'))['oauth2-configuration'] as { 'redirect-uris': string[] })[
      'redirect-uris'
    ];
    expect(redirects).toContain('https://*.${tenant-domain}/**');
    // Only our own domain: a shared domain (cfapps.…) is one anyone can put a route on, and no plain-http or local URIs.
    for (const uri of [
      ...redirects,
      ...readJson<{ 'oauth2-configuration': { 'redirect-uris': string[] } }>('xs-security.json')[
        'oauth2-configuration'
      ]['redirect-uris'],
    ]) {
      expect(uri).toMatch(/^https:\/\/\*\.\$\{tenant-domain\}\//);
      expect(uri).not.toMatch(/localhost|default-domain|hana\.ondemand\.com|^http:/);
    }
  });

  it('finds the tenant in the host name of its route, and web tells the registry the same URL', () => {
    const domain = 'tandem.example.org';
    const pattern = String(approuter.properties?.TENANT_HOST_PATTERN).replaceAll('${tenant-domain}', domain);
    const regex = new RegExp(pattern);
    // Exactly one capture group: the subscriber subaccount's subdomain.
    expect(new RegExp(`${pattern}|`).exec('')!.length - 1).toBe(1);
    const host = (subdomain: string) =>
      String((approuter.parameters?.routes as Array<{ route: string }>)[0]!.route)
        .replaceAll('${tenant-domain}', domain)
        .replace('*', subdomain);
    expect(regex.exec(host('acme-prod'))?.[1]).toBe('acme-prod');
    expect(regex.test(`acme.other-${domain}`)).toBe(false);
    const template = String(moduleNamed('tandem-web').properties?.TENANT_URL_TEMPLATE).replaceAll(
      '${tenant-domain}',
      domain,
    );
    expect(regex.exec(new URL(template.replace('{subdomain}', 'acme-prod')).hostname)?.[1]).toBe('acme-prod');
  });
});

describe('GitHub CI', () => {
  const workflow = parse(readText('.github/workflows/ci.yml')) as { jobs: Record<string, any> };
  const job = Object.values(workflow.jobs)[0] as { services: Record<string, any>; steps: Array<Record<string, any>> };

  it('runs .ci/run on Node 22 next to Postgres 15 (trust) and Redis 7, both health-checked', () => {
    const node = job.steps.find((step) => String(step.uses ?? '').startsWith('actions/setup-node'));
    expect(String(node?.with?.['node-version'])).toMatch(/^22/);
    expect(job.services.postgres.image).toBe('postgres:15');
    expect(job.services.postgres.env.POSTGRES_HOST_AUTH_METHOD).toBe('trust');
    expect(job.services.redis.image).toBe('redis:7');
    for (const service of ['postgres', 'redis']) {
      expect(job.services[service].options, service).toMatch(/--health-cmd/);
      expect(job.services[service].ports.join(' '), service).toMatch(
        service === 'postgres' ? /5432:5432/ : /6379:6379/,
      );
    }
    expect(job.steps.some((step) => String(step.run ?? '').includes('bash .ci/run'))).toBe(true);
  });
});
