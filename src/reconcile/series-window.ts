import type { Appointment } from '../connectors/exchange/types.js';
import type { InboxWriter } from '../inbox/inbox-writer.js';
import { INBOX_EVENT_TYPES, subjects } from '../inbox/subjects.js';
import { claimMailboxesForSeriesWindow } from '../mailboxes/mailbox-repository.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { groupBy } from '../util/group-by.js';
import { syncWindow } from '../sync/index.js';
import { linkByExchangeItem } from './link-store.js';
import type { ReconcileEnv } from './reconcile-env.js';
import { reconcileSeries } from './reconcile-series.js';
import type { MailboxInfo } from './tenant-context.js';

/** Longer than workers reuse tenant settings (TenantContexts, 5 s). */
const SETTINGS_SETTLE_MS = 10_000;

/**
 * The sync window moves forward every day, and a series without end brings a new occurrence into
 * it as it does (and one the window left behind stays as it is). Change tracking reports nothing
 * then — the series did not change — so once a day per user (UTC date) each series is expanded
 * again. Users whose tenant has recurring sync off are skipped; switching it on resets the day so
 * series that exist already are brought in at the next maintenance run. Returns the users queued.
 *
 * Cost: per user and day one CalendarView over the window and one FindItem for the masters
 * (EWS; Graph: one calendarView), plus the reads of each series the pass reconciles.
 */
export async function queueSeriesWindows(
  pool: Pool,
  inbox: InboxWriter,
  limit = 200,
  now = new Date(),
): Promise<number> {
  const day = now.toISOString().slice(0, 10);
  const due = await claimMailboxesForSeriesWindow(pool, day, limit);
  for (const [tenantId, rows] of groupBy(due, (row) => row.tenant_id)) {
    await inbox.write(
      rows.map((row) => {
        const eventId = `series-window:${row.id}:${day}:${now.getTime()}`;
        // Started after the workers' cached settings have expired: right after recurring sync was
        // switched on, a worker still holding the old settings would skip the pass for the day.
        return {
          tenantId,
          source: 'system' as const,
          eventId,
          type: INBOX_EVENT_TYPES.seriesWindow,
          subject: subjects.seriesWindow(row.id),
          payload: { day },
          correlationId: eventId,
          delayMs: SETTINGS_SETTLE_MS,
        };
      }),
    );
  }
  return due.length;
}

/** The daily pass for one user: every series master in the window that is not linked as a single. */
export async function runSeriesWindow(env: ReconcileEnv, mailbox: MailboxInfo): Promise<void> {
  const { ctx } = env;
  const s = ctx.settings.appointments;
  if (!mailbox.enabled || !mailbox.kinds.includes('appointment') || !s.enabled || s.recurringToS4 !== 'occurrences')
    return;
  const connector = await ctx.connectorFor(mailbox);
  const window = syncWindow(ctx.settings, (env.now?.() ?? new Date()).toISOString());
  const items = (await connector.listItems({ smtpAddress: mailbox.smtp }, 'appointment', window)) as Appointment[];
  for (const master of items.filter((item) => item.type === 'seriesMaster')) {
    const single = await withTenant(
      ctx.tenantId,
      (tx) => linkByExchangeItem(tx, mailbox.id, mailbox.smtp, master.id),
      env.pool,
    );
    if (single) continue;
    await reconcileSeries(env, mailbox, master.id, { master });
  }
}
