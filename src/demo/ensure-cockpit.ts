import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logger } from '../logging/logger.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The demo prints a cockpit link, so a fresh clone (or a pull that changed the cockpit) gets its
 * build first: `npm run build:cockpit` when cockpit/dist is missing or older than cockpit/src.
 * A checkout without the cockpit sources (the deployed droplet) has nothing to build.
 */
export function ensureCockpitBuilt(): void {
  const sources = join(ROOT, 'cockpit', 'src');
  const index = join(ROOT, 'cockpit', 'dist', 'index.html');
  if (!existsSync(sources)) return;
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(sources)) return;
  logger.info('building the cockpit (npm run build:cockpit)…');
  const result = spawnSync('npm', ['run', '--silent', 'build:cockpit'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0)
    logger.warn(
      { status: result.status },
      'the cockpit did not build; /cockpit/ answers 404 until `npm run build:cockpit` succeeds',
    );
}
