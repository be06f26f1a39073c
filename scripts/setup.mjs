#!/usr/bin/env node
// Prepares a fresh clone for `npm run demo` / `npm test` / `npm run bench` (each command does its
// own set-up, see README.md): installs npm dependencies when missing or stale, and makes sure
// PostgreSQL and Redis answer — starting the installed servers, or installing them from Debian
// packages when they are missing and we are root. With `--browser` (what `npm test` passes) it also
// makes sure Chromium is there for the cockpit's browser tests. Plain JavaScript on purpose: it must
// run before any dependency (tsx, TypeScript) is installed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (message) => process.stderr.write(`[setup] ${message}\n`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root, ...options });
  return result.status === 0;
}

function commandExists(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function installDependencies() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.tandem-lock-hash');
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  log('installing npm dependencies (npm ci)');
  if (!run('npm', ['ci', '--no-audit', '--no-fund'])) throw new Error('npm ci failed');
  writeFileSync(stamp, hash);
}

function portOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port, seconds) {
  for (let i = 0; i < seconds * 4; i++) {
    if (await portOpen(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

let aptUpdated = false;
function aptInstall(packages) {
  if (process.getuid?.() !== 0 || !commandExists('apt-get')) {
    throw new Error(`${packages.join(', ')} missing and cannot be installed automatically (needs root and apt-get)`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    run('apt-get', ['update', '-qq'], { env });
    aptUpdated = true;
  }
  log(`installing ${packages.join(' ')} from Debian packages`);
  if (!run('apt-get', ['install', '-y', '-qq', ...packages], { env }))
    throw new Error(`apt-get install ${packages.join(' ')} failed`);
}

function targetPort(envName, fallbackUrl, defaultPort) {
  const url = new URL(process.env[envName] || fallbackUrl);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(url.hostname);
  return { port: Number(url.port || defaultPort), local };
}

async function ensurePostgres() {
  const { port, local } = targetPort('DATABASE_URL', 'postgres://127.0.0.1:5432/tandem', 5432);
  if (!local || (await portOpen(port))) return;
  if (!existsSync('/etc/postgresql') || readdirSync('/etc/postgresql').length === 0) aptInstall(['postgresql']);
  const version = readdirSync('/etc/postgresql').sort().at(-1);
  log(`starting PostgreSQL ${version}`);
  run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
  if (!(await waitForPort(port, 30))) throw new Error(`PostgreSQL did not come up on port ${port}`);
  await allowLocalTrust(version);
}

/** A freshly installed Debian cluster wants peer/password auth; local tests and the demo use trust. */
async function allowLocalTrust(version) {
  const probe = spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-c', 'select 1'], {
    stdio: 'ignore',
  });
  if (probe.status === 0) return;
  const hba = `/etc/postgresql/${version}/main/pg_hba.conf`;
  const original = readFileSync(hba, 'utf8');
  writeFileSync(hba, `host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust\n${original}`);
  run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'reload']);
  const user = process.env.USER || 'root';
  spawnSync(
    'psql',
    ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-c', `CREATE ROLE "${user}" SUPERUSER LOGIN`],
    { stdio: 'ignore' },
  );
}

async function ensureRedis() {
  const { port, local } = targetPort('REDIS_URL', 'redis://127.0.0.1:6379', 6379);
  if (!local || (await portOpen(port))) return;
  if (!commandExists('redis-server')) aptInstall(['redis-server']);
  log('starting Redis');
  run('redis-server', [
    '--daemonize',
    'yes',
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--save',
    '',
    '--appendonly',
    'no',
  ]);
  if (!(await waitForPort(port, 15))) throw new Error(`Redis did not come up on port ${port}`);
}

/**
 * The cockpit tests drive Debian's Chromium through playwright-core: a browser download of
 * Playwright's own cannot work where only the npm registry and Debian packages are reachable.
 */
function ensureChromium() {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (existsSync(path)) return;
  if (process.getuid?.() === 0 && commandExists('apt-get')) {
    aptInstall(['chromium']);
    return;
  }
  // Not fatal here: the browser tests fail on their own with the same advice, the rest still runs.
  log(
    `Chromium not found at ${path}: run \`sudo apt-get install chromium\` (or set CHROMIUM_PATH); the cockpit browser tests need it`,
  );
}

try {
  installDependencies();
  await ensurePostgres();
  await ensureRedis();
  if (process.argv.includes('--browser')) ensureChromium();
} catch (error) {
  log(`failed: ${error.message}`);
  process.exit(1);
}
