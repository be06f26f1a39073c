import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connectionOptions } from './pool.js';
import { TandemError } from '../errors/tandem-error.js';
import { logger } from '../logging/logger.js';

/** migrations/ at the repository root, next to src/ and dist/. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/** Any constant works; it only has to be the same for every Tandem process. */
const MIGRATION_LOCK_KEY = 7_413_820_001;

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: MigrationFile[] = [];
  for (const file of files) {
    const match = /^(\d{3,})_([a-z0-9_-]+)\.sql$/.exec(file);
    if (!match) throw new TandemError('MIGRATION_FAILED', `Migration file name "${file}" must look like 001_name.sql`);
    const sql = await readFile(join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: file,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  const versions = new Set<number>();
  for (const migration of migrations) {
    if (versions.has(migration.version))
      throw new TandemError('MIGRATION_FAILED', `Two migrations share version ${migration.version}`);
    versions.add(migration.version);
  }
  return migrations;
}

/** Creates the database named in the URL when it does not exist yet (so `tandem migrate` works on a fresh server). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) return;
  const probe = new pg.Client(connectionOptions(databaseUrl));
  try {
    await probe.connect();
    return;
  } catch (error) {
    if ((error as { code?: string }).code !== '3D000') throw error; // 3D000 = invalid_catalog_name
  } finally {
    await probe.end().catch(() => undefined);
  }
  url.pathname = '/postgres';
  const admin = new pg.Client(connectionOptions(url.toString()));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    logger.info({ database }, 'created database');
  } catch (error) {
    // Another process created it between our probe and now: 42P04 duplicate_database, or 23505
    // when both CREATE DATABASE statements race on the catalog's unique index.
    const code = (error as { code?: string }).code;
    if (code !== '42P04' && code !== '23505') throw error;
  } finally {
    await admin.end();
  }
}

/**
 * Applies pending migrations. Safe to run from several processes at once (an advisory lock
 * serialises them; the later ones find nothing to do) and repeatedly. Each file runs in its own
 * transaction. Refuses to run when an already applied file was edited: migrations are append-only.
 */
export async function migrate(databaseUrl: string, dir: string = MIGRATIONS_DIR): Promise<MigrationResult> {
  await ensureDatabase(databaseUrl);
  const migrations = await readMigrations(dir);
  const client = new pg.Client({ ...connectionOptions(databaseUrl), application_name: 'tandem-migrate' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations',
    );
    const applied = new Map(rows.map((row) => [row.version, row]));
    for (const migration of migrations) {
      const previous = applied.get(migration.version);
      if (previous && previous.checksum !== migration.checksum) {
        throw new TandemError(
          'MIGRATION_CHECKSUM_MISMATCH',
          `Migration ${migration.name} was edited after it was applied; add a new migration instead`,
          { details: { migration: migration.name } },
        );
      }
    }
    const result: MigrationResult = { applied: [], alreadyApplied: applied.size };
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      try {
        await client.query('BEGIN');
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new TandemError('MIGRATION_FAILED', `Migration ${migration.name} failed: ${(error as Error).message}`, {
          cause: error,
          details: { migration: migration.name },
        });
      }
      result.applied.push(migration.name);
      logger.info({ migration: migration.name }, 'applied migration');
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

/** True when every migration file is applied with its current checksum (the /ready check). */
export async function migrationsUpToDate(client: pg.ClientBase, dir: string = MIGRATIONS_DIR): Promise<boolean> {
  const migrations = await readMigrations(dir);
  const { rows } = await client
    .query<{ version: number; checksum: string }>(`SELECT version, checksum FROM schema_migrations`)
    .catch(() => ({ rows: [] as { version: number; checksum: string }[] }));
  const applied = new Map(rows.map((row) => [row.version, row.checksum]));
  return migrations.every((migration) => applied.get(migration.version) === migration.checksum);
}
