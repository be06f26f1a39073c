import { createHash } from 'node:crypto';
import pg from 'pg';
import { connectionOptions } from '../../src/store/pool.js';
import { migrate, readMigrations } from '../../src/store/migrate.js';
import { ADMIN_DATABASE_URL, TEMPLATE_ENV, testDatabaseUrl } from './database.js';

/**
 * Once per `vitest run`: build a migrated template database (reused while the migrations are
 * unchanged) that every test file copies into a database of its own, and drop databases left
 * behind by runs that died.
 */
export default async function globalSetup(): Promise<void> {
  const migrations = await readMigrations();
  const digest = createHash('sha256')
    .update(migrations.map((m) => m.checksum).join())
    .digest('hex')
    .slice(0, 12);
  const template = `tandem_tpl_${digest}`;
  const admin = new pg.Client(connectionOptions(ADMIN_DATABASE_URL));
  await admin.connect();
  try {
    await dropOrphans(admin);
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount === 0) {
      const building = `${template}_build_${process.pid}`;
      await admin.query(`DROP DATABASE IF EXISTS ${building}`);
      await admin.query(`CREATE DATABASE ${building}`);
      await migrate(testDatabaseUrl(building));
      // Rename makes the finished template appear atomically; a concurrent run may win the race.
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`).catch(async () => {
        await admin.query(`DROP DATABASE IF EXISTS ${building}`);
      });
    }
  } finally {
    await admin.end();
  }
  process.env[TEMPLATE_ENV] = template;
  process.env.TANDEM_TEST_RUN = String(process.pid);
}

/** Test databases are named tandem_t_<pid of the vitest run>_…; a dead pid means a dead run. */
async function dropOrphans(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'tandem\\_t\\_%' OR datname LIKE 'tandem\\_tpl\\_%\\_build\\_%'`,
  );
  for (const { datname } of rows) {
    const pid = Number(/_(\d+)(?:_|$)/.exec(datname.replace(/^tandem_tpl_[0-9a-f]+_build/, ''))?.[1]);
    if (!Number.isFinite(pid) || isAlive(pid)) continue;
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
