import { parseArgs } from 'node:util';
import { config } from '../config/config.js';
import { TandemError } from '../errors/tandem-error.js';
import { createPool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { journalQuerySchema, queryJournal, type JournalRecord } from './journal.js';

const HELP = `tandem journal --tenant T [filters] [--json]

  --tenant T            tenant id (required)
  --mailbox ID          mailbox id
  --object KEY          S/4 activity GUID or business partner number
  --item ID             Exchange item id
  --correlation ID      correlation id (S/4 event id, notification id)
  --outcome O           synced | skipped | echo | merged | conflict | deleted | pending | failed | retried | info
  --since ISO --until ISO   time range (or --last 2h / 30m / 7d)
  --limit N             entries per page (default 50)   --before ID   older than this entry (next page)
  --json                one JSON object per line instead of a table
`;

function parseDuration(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value);
  if (!match) throw new TandemError('BAD_REQUEST', `--last expects e.g. 30m, 2h, 7d, not "${value}"`);
  return Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
}

export function formatJournalLine(entry: JournalRecord): string {
  const what = [entry.objectKind, entry.s4Key].filter(Boolean).join(' ');
  const details = Object.keys(entry.details ?? {}).length ? ` ${JSON.stringify(entry.details)}` : '';
  return `${entry.at}  ${entry.outcome.padEnd(8)} ${entry.reason.padEnd(28)} ${(entry.direction ?? '').padEnd(15)} ${what}${entry.exchangeItemId ? ` item=${entry.exchangeItemId.slice(0, 24)}…` : ''}${entry.correlationId ? ` corr=${entry.correlationId}` : ''}${details}`;
}

/** Support's view of the journal in a terminal (`tandem journal`, see docs/support-runbook.md). */
export async function runJournalCli(
  args: string[],
  out: NodeJS.WritableStream = process.stdout,
  databaseUrl = config().databaseUrl,
): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      tenant: { type: 'string' },
      mailbox: { type: 'string' },
      object: { type: 'string' },
      item: { type: 'string' },
      correlation: { type: 'string' },
      outcome: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      last: { type: 'string' },
      limit: { type: 'string' },
      before: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    out.write(HELP);
    return;
  }
  if (!values.tenant) throw new TandemError('BAD_REQUEST', '--tenant is required (see tandem journal --help)');
  const parsed = journalQuerySchema.safeParse({
    mailboxId: values.mailbox,
    s4Key: values.object,
    exchangeItemId: values.item,
    correlationId: values.correlation,
    outcome: values.outcome,
    from: values.last ? new Date(Date.now() - parseDuration(values.last)).toISOString() : values.since,
    to: values.until,
    limit: values.limit,
    before: values.before,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TandemError('VALIDATION_FAILED', `${issue.path.join('.')}: ${issue.message}`);
  }
  const pool = createPool(databaseUrl, { max: 1 });
  try {
    const page = await withTenant(values.tenant, (tx) => queryJournal(tx, parsed.data), pool);
    for (const entry of page.items)
      out.write(values.json ? `${JSON.stringify(entry)}\n` : `${formatJournalLine(entry)}\n`);
    if (!values.json) {
      out.write(
        page.items.length === 0
          ? 'no journal entries match\n'
          : page.nextBefore
            ? `-- more: add --before ${page.nextBefore}\n`
            : '',
      );
    }
  } finally {
    await pool.end();
  }
}
