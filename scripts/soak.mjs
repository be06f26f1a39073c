#!/usr/bin/env node
// `npm run soak -- --minutes N`: the convergence suite (test/e2e/convergence) for N minutes instead
// of its 25 sequences in `npm test` — longer sequences, with faults, until the time is up or a
// sequence fails (its seed and replay command are printed). docs/operations.md "Convergence soak".
// Plain JavaScript, like setup.mjs: it only parses its arguments and starts vitest.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const at = args.indexOf('--minutes');
const minutes = at >= 0 ? Number(args[at + 1]) : 10;
if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) {
  process.stderr.write('usage: npm run soak -- --minutes N   (0 < N <= 1440; default 10)\n');
  process.exit(2);
}
const setup = spawnSync(process.execPath, [join(root, 'scripts', 'setup.mjs')], { stdio: 'inherit', cwd: root });
if (setup.status !== 0) process.exit(setup.status ?? 1);
const result = spawnSync(
  join(root, 'node_modules', '.bin', 'vitest'),
  ['run', 'test/e2e/convergence/convergence.test.ts'],
  { stdio: 'inherit', cwd: root, env: { ...process.env, CONVERGENCE_MINUTES: String(minutes) } },
);
process.exit(result.status ?? 1);
