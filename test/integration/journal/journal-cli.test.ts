import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJournalCli } from '../../../src/journal/journal-cli.js';
import { writeJournal } from '../../../src/journal/journal.js';
import { withSystemScope, withTenant } from '../../../src/store/transaction.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await withSystemScope((tx) => tx.query(`INSERT INTO tenants (id) VALUES ('acme'), ('other')`), db.pool);
  await withTenant(
    'acme',
    (tx) =>
      writeJournal(tx, 'acme', [
        {
          correlationId: 'evt-1',
          objectKind: 'appointment',
          s4Key: 'A-1',
          direction: 's4-to-exchange',
          outcome: 'synced',
          reason: 'created.exchange',
          details: { fields: ['subject'] },
        },
        {
          correlationId: 'evt-2',
          objectKind: 'appointment',
          s4Key: 'A-1',
          direction: 'none',
          outcome: 'echo',
          reason: 'echo.sameChangeKey',
        },
        {
          correlationId: 'evt-3',
          objectKind: 'appointment',
          s4Key: 'A-2',
          direction: 'none',
          outcome: 'skipped',
          reason: 'filtered.processType',
        },
      ]),
    db.pool,
  );
  await withTenant(
    'other',
    (tx) =>
      writeJournal(tx, 'other', [
        { objectKind: 'appointment', s4Key: 'A-1', outcome: 'synced', reason: 'secret-other-tenant' },
      ]),
    db.pool,
  );
});
afterAll(async () => db.drop());

async function run(args: string[]): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  await runJournalCli(args, out, db.url);
  return text;
}

describe('tandem journal', () => {
  it('answers "what happened to this object?" newest first, in a terminal table', async () => {
    const text = await run(['--tenant', 'acme', '--object', 'A-1']);
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('echo.sameChangeKey');
    expect(lines[1]).toContain('created.exchange');
    expect(text).not.toContain('secret-other-tenant');
  });

  it('filters by outcome and correlation id, pages, and prints JSON lines', async () => {
    expect(await run(['--tenant', 'acme', '--outcome', 'skipped'])).toContain('filtered.processType');
    const json = (await run(['--tenant', 'acme', '--correlation', 'evt-1', '--json']))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(json).toEqual([
      expect.objectContaining({ s4Key: 'A-1', reason: 'created.exchange', details: { fields: ['subject'] } }),
    ]);
    const page = await run(['--tenant', 'acme', '--limit', '1']);
    expect(page).toMatch(/-- more: add --before \d+/);
    expect(await run(['--tenant', 'acme', '--object', 'nothing'])).toContain('no journal entries match');
  });

  it('refuses bad input with a clear message', async () => {
    await expect(run(['--object', 'A-1'])).rejects.toThrow(/--tenant is required/);
    await expect(run(['--tenant', 'acme', '--outcome', 'exploded'])).rejects.toThrow(/outcome/);
    await expect(run(['--tenant', 'acme', '--last', 'yesterday'])).rejects.toThrow(/--last expects/);
  });
});
