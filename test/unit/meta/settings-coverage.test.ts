import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tenantSettingsSchema } from '../../../src/sync/settings.js';

/**
 * Every setting the cockpit offers must be proven end to end: an end-to-end test that changes it
 * and observes its effect names it as `setting:<path>` in its title (e.g.
 * `setting:appointments.recurringToS4`). This test walks the settings schema's leaves and fails
 * for any that no end-to-end test names — so a new setting cannot ship without one.
 *
 * NOT_YET_COVERED lists the settings still without such a test. It may only shrink: an entry that
 * a test now names, or that is no setting, fails too. It is empty (every setting is covered) and
 * stays as the place a reviewer would see an exception argued — none should be needed.
 */
const NOT_YET_COVERED = new Set<string>([]);

interface SchemaNode {
  def: { type: string; innerType?: SchemaNode; shape?: Record<string, SchemaNode>; in?: SchemaNode };
  shape?: Record<string, SchemaNode>;
}

/** Leaf paths of the settings: objects are walked, everything else (values, lists, maps) is one setting. */
function leaves(node: SchemaNode, path: string[] = []): string[] {
  let current = node;
  while (
    ['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch'].includes(current.def.type) &&
    current.def.innerType
  )
    current = current.def.innerType;
  if (current.def.type === 'pipe' && current.def.in) return leaves(current.def.in, path);
  const shape = current.def.type === 'object' ? (current.shape ?? current.def.shape) : undefined;
  if (!shape) return [path.join('.')];
  return Object.entries(shape).flatMap(([key, child]) => leaves(child, [...path, key]));
}

function e2eSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return e2eSources(full);
    return entry.name.endsWith('.test.ts') ? [readFileSync(full, 'utf8')] : [];
  });
}

const settings = leaves(tenantSettingsSchema as unknown as SchemaNode);
const named = new Set(
  e2eSources(join(import.meta.dirname, '../../e2e')).flatMap((source) =>
    [...source.matchAll(/setting:([A-Za-z0-9_.]+[A-Za-z0-9_])/g)].map((m) => m[1]!),
  ),
);

describe('every setting has an end-to-end test', () => {
  it('walks the whole schema', () => {
    expect(settings).toContain('appointments.recurringToS4');
    expect(settings).toContain('appointments.attachments.maxSizeKb');
    expect(settings).toContain('contacts.viaCustomer.relationship');
    expect(settings.length).toBeGreaterThan(50);
  });

  it('each setting is named by an end-to-end test (setting:<path>) or still listed as not yet covered', () => {
    const uncovered = settings.filter((s) => !named.has(s) && !NOT_YET_COVERED.has(s));
    expect(uncovered).toEqual([]);
  });

  it('names only settings that exist', () => {
    expect([...named].filter((n) => !settings.includes(n))).toEqual([]);
  });

  it('the not-yet-covered list only shrinks: no entry that a test names or that is no setting', () => {
    expect([...NOT_YET_COVERED].filter((s) => named.has(s) || !settings.includes(s))).toEqual([]);
  });
});
