import { mkdtemp, writeFile, copyFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connectionOptions } from '../../../src/store/pool.js';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrate } from '../../../src/store/migrate.js';
import { isTandemError } from '../../../src/errors/tandem-error.js';
import { ADMIN_DATABASE_URL, testDatabaseUrl } from '../../support/database.js';

const created: string[] = [];
function freshDatabaseName(): string {
  const name = `tandem_t_${process.env.TANDEM_TEST_RUN ?? process.pid}_mig${created.length}_${Math.random().toString(36).slice(2, 8)}`;
  created.push(name);
  return name;
}

afterAll(async () => {
  const admin = new pg.Client(connectionOptions(ADMIN_DATABASE_URL));
  await admin.connect();
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

describe('migrate', () => {
  it('creates the database when missing and applies every migration once, however often it runs', async () => {
    const url = testDatabaseUrl(freshDatabaseName());
    const first = await migrate(url);
    expect(first.applied.length).toBeGreaterThan(0);
    const second = await migrate(url);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(first.applied.length);
  });

  it('is safe when several processes migrate the same database at once', async () => {
    const url = testDatabaseUrl(freshDatabaseName());
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    const appliedCounts = results.map((result) => result.applied.length).sort();
    const total = (await readdir(MIGRATIONS_DIR)).filter((file) => file.endsWith('.sql')).length;
    // Exactly one runner applied everything; the others found nothing left to do.
    expect(appliedCounts).toEqual([0, 0, total]);
  });

  it('refuses to run when an applied migration was edited afterwards', async () => {
    const url = testDatabaseUrl(freshDatabaseName());
    const dir = await mkdtemp(join(tmpdir(), 'tandem-migrations-'));
    for (const file of await readdir(MIGRATIONS_DIR)) await copyFile(join(MIGRATIONS_DIR, file), join(dir, file));
    await writeFile(join(dir, '900_extra.sql'), 'CREATE TABLE extra (id int);');
    await migrate(url, dir);
    await writeFile(join(dir, '900_extra.sql'), 'CREATE TABLE extra (id bigint);');
    const error = await migrate(url, dir).catch((e: unknown) => e);
    expect(isTandemError(error, 'MIGRATION_CHECKSUM_MISMATCH')).toBe(true);
  });

  it('rolls a failing migration back completely and records nothing', async () => {
    const url = testDatabaseUrl(freshDatabaseName());
    const dir = await mkdtemp(join(tmpdir(), 'tandem-migrations-'));
    for (const file of await readdir(MIGRATIONS_DIR)) await copyFile(join(MIGRATIONS_DIR, file), join(dir, file));
    await writeFile(join(dir, '901_broken.sql'), 'CREATE TABLE half_done (id int); SELECT no_such_function();');
    const error = await migrate(url, dir).catch((e: unknown) => e);
    expect(isTandemError(error, 'MIGRATION_FAILED')).toBe(true);
    const client = new pg.Client(connectionOptions(url));
    await client.connect();
    const table = await client.query(`SELECT to_regclass('half_done') AS t`);
    const recorded = await client.query(`SELECT 1 FROM schema_migrations WHERE version = 901`);
    await client.end();
    expect(table.rows[0].t).toBeNull();
    expect(recorded.rowCount).toBe(0);
  });
});
