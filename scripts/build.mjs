#!/usr/bin/env node
// `npm run build`: compiles the TypeScript sources and assembles the folder that mta.yaml deploys.
//
//   gen/srv/            one droplet for BOTH Cloud Foundry apps (tandem-web and tandem-worker differ
//     dist/             only in their start command, see mta.yaml)
//     migrations/       read by `node dist/cli.js migrate` (dist/store/migrate.js looks at ../../migrations)
//     bin/tandem.js     the CLI entry; without src/ and tsx it runs dist/cli.js
//     public/           the cockpit's static files (cockpit/dist, built by `npm run build:cockpit`)
//     package.json      production dependencies only; the Node.js buildpack installs them
//     package-lock.json the repository's lock without the dev-only packages, so the buildpack's
//                       `npm ci` installs exactly the versions we test with
//
// Options: --out <dir>  where gen/ goes (default: <repo>/gen). With --out, tsc compiles straight into
//                       <out>/srv/dist and the repository's dist/ is left alone (the deployment test
//                       builds into a temporary folder this way).
// Plain JavaScript on purpose: it must run with nothing but Node and the installed TypeScript.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (message) => process.stderr.write(`[build] ${message}\n`);

/** The Node.js major version the apps run on in Cloud Foundry (the buildpack reads `engines`). */
const PRODUCTION_NODE = '22.x';

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

/** A fresh clone has no node_modules yet; `npm run build` should still just work. */
function ensureDependencies() {
  if (existsSync(join(root, 'node_modules', 'typescript', 'bin', 'tsc'))) return;
  log('node_modules missing: running npm ci');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function compile(outDir) {
  log(`compiling TypeScript into ${outDir}`);
  rmSync(outDir, { recursive: true, force: true });
  run(process.execPath, [
    join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.build.json',
    '--outDir',
    outDir,
  ]);
}

/** package.json for the droplet: what the app needs at run time, nothing a developer needs. */
export function productionPackageJson(pkg) {
  return {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    type: pkg.type,
    private: true,
    license: pkg.license,
    bin: pkg.bin,
    engines: { node: PRODUCTION_NODE },
    // Cloud Foundry starts each app with the command from mta.yaml; `start` is the fallback.
    scripts: { start: 'node dist/cli.js web' },
    dependencies: pkg.dependencies,
    ...(pkg.overrides ? { overrides: pkg.overrides } : {}),
  };
}

/**
 * The lock without dev-only packages. npm marks them `"dev": true` in lockfile v2/v3; the root
 * entry must list exactly the production package.json's dependencies, or `npm ci` refuses
 * ("package.json and package-lock.json are not in sync").
 */
export function productionLock(lock, pkg) {
  if (!lock.packages || lock.lockfileVersion < 2) throw new Error('package-lock.json must be lockfileVersion 2 or 3');
  const packages = {};
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '') {
      const { devDependencies: _dev, ...rootEntry } = entry;
      packages[path] = { ...rootEntry, dependencies: pkg.dependencies, engines: pkg.engines };
    } else if (!entry.dev) {
      packages[path] = entry;
    }
  }
  return { ...lock, packages };
}

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

export function build({ out } = {}) {
  const genDir = resolve(out ?? join(root, 'gen'));
  const srv = join(genDir, 'srv');
  ensureDependencies();
  rmSync(srv, { recursive: true, force: true });
  if (out) {
    compile(join(srv, 'dist'));
  } else {
    compile(join(root, 'dist'));
    cpSync(join(root, 'dist'), join(srv, 'dist'), { recursive: true });
  }
  cpSync(join(root, 'migrations'), join(srv, 'migrations'), { recursive: true });
  mkdirSync(join(srv, 'bin'), { recursive: true });
  cpSync(join(root, 'bin', 'tandem.js'), join(srv, 'bin', 'tandem.js'));

  // The cockpit: `npm run build:cockpit` leaves its static files in cockpit/dist, and `web` serves
  // gen/srv/public (src/http/cockpit/routes.ts). Built here for `npm run build`; with --out (the
  // deployment test) an existing cockpit/dist is copied as is, to keep that test fast.
  if (!out) {
    log('building the cockpit (npm run build:cockpit)');
    run('npm', ['run', '--silent', 'build:cockpit']);
  }
  const cockpit = join(root, 'cockpit', 'dist');
  if (existsSync(cockpit)) {
    log('copying cockpit/dist into srv/public');
    cpSync(cockpit, join(srv, 'public'), { recursive: true });
  }

  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const productionPkg = productionPackageJson(pkg);
  writeJson(join(srv, 'package.json'), productionPkg);
  writeJson(join(srv, 'package-lock.json'), productionLock(lock, productionPkg));
  log(`deployable folder ready: ${srv}`);
  return { genDir, srv };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  try {
    build(values.out ? { out: values.out } : {});
  } catch (error) {
    log(`failed: ${error.message}`);
    process.exit(1);
  }
}
