#!/usr/bin/env node
// One entry for every environment: in a checkout (sources + tsx present) it runs the TypeScript
// sources, so `tandem` never runs a stale build; in a deployed build (no tsx, only dist/) it runs
// the compiled CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'src', 'cli.ts');
const tsxApi = join(root, 'node_modules', 'tsx', 'dist', 'esm', 'api', 'index.mjs');
if (existsSync(sources) && existsSync(tsxApi)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(sources).href);
} else {
  await import(pathToFileURL(join(root, 'dist', 'cli.js')).href);
}
