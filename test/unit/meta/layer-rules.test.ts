import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layer rules of docs/architecture.md run as the repository's own lint configuration does (issue
 * #17: "the lint rule fails on an emulator → connector import"). Linted as text under a path in the
 * tree, so nothing is written to the repository.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
  return (result?.messages ?? []).filter((m) => m.ruleId?.endsWith('layers')).map((m) => m.message);
}

async function sqlErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'tandem/sql-in-repositories').map((m) => m.message);
}

/** A use case that runs its own statement, as the modules did before their SQL moved (issue #21). */
const SQL_IN_USE_CASE = `import type { Tx } from '../store/transaction.js';
export async function markDone(tx: Tx, id: number): Promise<void> {
  await tx.query<{ id: number }>('UPDATE pending_deletions SET state = $2 WHERE id = $1', [id, 'done']);
}
`;

describe('layer lint rules', () => {
  it('fail on an emulator importing a connector (the codec an emulator must not share), by any path form', async () => {
    const errors = await layerErrors(
      'src/emulators/graph/probe.ts',
      "import { eventToAppointment } from '../../connectors/exchange/graph/mapping.js';\nexport const x = eventToAppointment;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/emulators-standalone/);
    const typeOnly = await layerErrors(
      'src/emulators/ews/probe.ts',
      "export type { MailboxConnector } from '../../connectors/exchange/mailbox-connector.js';\n",
    );
    expect(typeOnly).toHaveLength(1);
    const dynamic = await layerErrors(
      'src/emulators/s4/probe.ts',
      "export const load = () => import('../../connectors/s4/client.js');\n",
    );
    expect(dynamic).toHaveLength(1);
  });

  it('let an emulator import its own tree and packages', async () => {
    expect(
      await layerErrors(
        'src/emulators/graph/probe.ts',
        "import { z } from 'zod';\nimport { GraphError } from './odata.js';\nexport const x = [z, GraphError];\n",
      ),
    ).toEqual([]);
  });

  it('fail on SQL outside a repository: a use case calling .query() on a transaction or the pool', async () => {
    const errors = await sqlErrors('src/reconcile/probe.ts', SQL_IN_USE_CASE);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/sql-in-repositories: src\/reconcile\/probe\.ts runs SQL/);
    const onPool = await sqlErrors(
      'src/mailboxes/probe.ts',
      "import type { Pool } from '../store/pool.js';\nexport const count = (pool: Pool) => pool.query('SELECT 1');\n",
    );
    expect(onPool).toHaveLength(1);
  });

  it('let repositories, the journal, the store and the listed exceptions run SQL', async () => {
    for (const allowed of [
      'src/reconcile/probe-repository.ts',
      'src/journal/journal.ts',
      'src/store/probe.ts',
      'src/bench/probe.ts',
      'src/reconcile/link-store.ts',
    ]) {
      expect(await sqlErrors(allowed, SQL_IN_USE_CASE), allowed).toEqual([]);
    }
  });
});
