import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The emulators' one layout (docs/emulators.md, "One layout"; issue #21): every emulator names its
 * entry, start, HTTP side and control API the same, TLS is shared in common, and a start function
 * only wires parts together. Read from the source tree; nothing is written.
 */
const EMULATORS = fileURLToPath(new URL('../../../src/emulators/', import.meta.url));
const NAMES = ['s4', 'ews', 'graph', 'btp'];
const MAX_START_LINES = 40;

const source = (emulator: string, file: string): string => readFileSync(`${EMULATORS}${emulator}/${file}`, 'utf8');

/** Lines of `export async function start…Emulator` up to its closing brace at column 0. */
function startFunctionLines(text: string): number {
  const lines = text.split('\n');
  const first = lines.findIndex((l) => /^export async function start\w*Emulator\(/.test(l));
  const last = lines.findIndex((l, i) => i > first && l.startsWith('}'));
  if (first < 0 || last < 0) throw new Error('no start function');
  return last - first + 1;
}

describe('emulator layout', () => {
  it('is the same in every emulator and covers all of them', () => {
    const dirs = readdirSync(EMULATORS, { withFileTypes: true })
      .filter((d) => d.isDirectory() && d.name !== 'common')
      .map((d) => d.name);
    expect(dirs.sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) {
      for (const file of ['index.ts', 'emulator.ts', 'server.ts', 'control.ts'])
        expect(existsSync(`${EMULATORS}${name}/${file}`), `${name}/${file}`).toBe(true);
      expect(existsSync(`${EMULATORS}${name}/tls.ts`), `${name}/tls.ts (TLS is common/tls.ts)`).toBe(false);
    }
    for (const name of ['s4', 'ews', 'graph']) expect(existsSync(`${EMULATORS}${name}/faults.ts`), name).toBe(true);
  });

  it('has entries that only re-export', () => {
    for (const name of NAMES) {
      const statements = source(name, 'index.ts')
        .split(/;\s*\n/)
        .map((s) => s.trim())
        .filter(Boolean);
      expect(
        statements.filter((s) => !s.startsWith('export ')),
        name,
      ).toEqual([]);
    }
  });

  it(`has start functions of at most ${MAX_START_LINES} lines`, () => {
    for (const name of NAMES) {
      expect(startFunctionLines(source(name, 'emulator.ts')), name).toBeLessThanOrEqual(MAX_START_LINES);
    }
  });
});
