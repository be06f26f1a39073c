import { parseArgs } from 'node:util';
import { config, loadConfig } from './config/config.js';
import { isTandemError } from './errors/tandem-error.js';
import { SCOPES, signDevToken, type Scope } from './security/dev-token.js';
import { migrate } from './store/migrate.js';
import { untilSignal } from './runtime/signals.js';

const USAGE = `tandem <command>

  web                          HTTP service on $PORT (default 8080)
  worker                       queue workers and scheduled jobs
  migrate                      apply pending SQL migrations
  demo                         everything with emulators and a demo tenant on 127.0.0.1, AUTH_MODE=dev (Ctrl-C stops it)
  emulate ews|graph|s4|btp [--port N] [--events-url URL] [--mailboxes a@x,b@x] [--time-scale F]
  journal [filters]            query the sync journal (see \`tandem journal --help\`)
  dev-token --tenant T --scopes Admin,Support   a token for AUTH_MODE=dev
  rotate-secrets               re-encrypt stored secrets with the first key of TANDEM_SECRET_KEY
  retention                    run the retention job once now (the worker runs it hourly)
  bench                        benchmarks (results in docs/benchmarks.md)
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'web': {
      const { startWeb } = await import('./runtime/web.js');
      const web = await startWeb(config());
      untilSignal(web.stop);
      return;
    }
    case 'worker': {
      const { startWorkerProcess } = await import('./runtime/worker.js');
      const worker = await startWorkerProcess(config());
      untilSignal(worker.stopAll);
      return;
    }
    case 'migrate': {
      const result = await migrate(config().databaseUrl);
      process.stdout.write(
        `applied ${result.applied.length} migration(s)${result.applied.length ? `: ${result.applied.join(', ')}` : ''}; ${result.alreadyApplied} already applied\n`,
      );
      return;
    }
    case 'dev-token': {
      const { values } = parseArgs({
        args: rest,
        options: {
          tenant: { type: 'string' },
          scopes: { type: 'string', default: 'Admin,Support' },
          user: { type: 'string' },
        },
      });
      if (!values.tenant) throw new Error('--tenant is required');
      const scopes = values.scopes
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
      if (unknown.length) throw new Error(`unknown scope(s) ${unknown.join(', ')}; known: ${SCOPES.join(', ')}`);
      const settings = loadConfig();
      if (settings.authMode !== 'dev') throw new Error('dev tokens are only accepted with AUTH_MODE=dev');
      process.stdout.write(
        `${await signDevToken(settings.devTokenSecret, { tenantId: values.tenant, scopes: scopes as Scope[], ...(values.user ? { user: values.user } : {}) })}\n`,
      );
      return;
    }
    case 'demo': {
      // The demo is the local system by definition: dev tokens, web on 127.0.0.1 only.
      process.env.AUTH_MODE = 'dev';
      const { runDemo } = await import('./demo/run-demo.js');
      await runDemo(rest);
      return;
    }
    case 'emulate': {
      const { runEmulator } = await import('./demo/run-emulator.js');
      await runEmulator(rest);
      return;
    }
    case 'journal': {
      const { runJournalCli } = await import('./journal/journal-cli.js');
      await runJournalCli(rest);
      return;
    }
    case 'rotate-secrets': {
      const [{ rotateStoredSecrets }, { SecretBox }, { createPool }] = await Promise.all([
        import('./security/rotate-secrets.js'),
        import('./security/secret-box.js'),
        import('./store/pool.js'),
      ]);
      const pool = createPool(config().databaseUrl, { max: 2 });
      try {
        const result = await rotateStoredSecrets(pool, new SecretBox(config().secretKeys));
        process.stdout.write(
          `re-encrypted ${result.rotated} secret(s) with key "${config().secretKeys.activeKeyId}"; ${result.alreadyCurrent} already used it\n`,
        );
      } finally {
        await pool.end();
      }
      return;
    }
    case 'retention': {
      // What the worker's hourly job does, on demand: an operator who lowered a retention need not wait.
      const [{ runRetention }, { createPool }] = await Promise.all([
        import('./maintenance/retention.js'),
        import('./store/pool.js'),
      ]);
      const settings = config();
      const pool = createPool(settings.databaseUrl, { max: 1 });
      try {
        const result = await runRetention(pool, {
          inboxDoneDays: settings.inboxDoneRetentionDays,
          journalDefaultDays: settings.journalRetentionDays,
        });
        process.stdout.write(
          `removed ${result.journal} journal entr${result.journal === 1 ? 'y' : 'ies'}, ${result.inbox} handled inbox entr${result.inbox === 1 ? 'y' : 'ies'}, ${result.fences} fence(s)\n`,
        );
      } finally {
        await pool.end();
      }
      return;
    }
    case 'bench': {
      // Benchmarks run the local system too (their children get AUTH_MODE=dev from this environment).
      process.env.AUTH_MODE = 'dev';
      const { runBench } = await import('./bench/run-bench.js');
      await runBench(rest);
      return;
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(
    `tandem: ${isTandemError(error) ? `${error.code}: ` : ''}${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
