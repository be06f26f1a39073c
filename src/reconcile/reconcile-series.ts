import type { Appointment } from '../connectors/exchange/types.js';
import type { S4Appointment } from '../connectors/s4/index.js';
import { TandemError, isTandemError } from '../errors/tandem-error.js';
import { writeJournal } from '../journal/journal.js';
import { syncOutcomes } from '../observability/metrics.js';
import { withTenant } from '../store/transaction.js';
import {
  decideSeries,
  exchangeItemQualifies,
  parseOccurrenceKey,
  instanceWindow,
  syncWindow,
  withDeletedFromInstances,
  type LinkedOccurrence,
} from '../sync/index.js';
import { appointmentOps } from './activity-kinds.js';
import { executeActions } from './execute-actions.js';
import { linksOfSeries, type StoredLink } from './link-store.js';
import { buildLookup, s4Writer, type ReconcileEnv } from './reconcile-env.js';
import type { MailboxInfo } from './tenant-context.js';
import { executeThroughValve } from './valve-gate.js';

/** A concurrent change (ETag, link written by another job) re-runs the series from fresh reads; this often, at most. */
const MAX_ROUNDS = 4;

export interface SeriesReconcileOptions {
  /** The master as just read (change tracking); `null` = known deleted; absent = read it. */
  master?: Appointment | null;
  /** Reconcile only this occurrence (an S/4 event about its activity); the others are left as they are. */
  only?: string;
}

/**
 * An Outlook series in one mailbox → one S/4 activity per occurrence inside the sync window
 * (setting `appointments.recurringToS4 = occurrences`). Reads the master, its exceptions in the
 * window and the occurrence links with their activities, lets the engine decide per occurrence
 * (`decideSeries`: create, follow exceptions, delete/set status for deleted occurrences, leave
 * occurrences behind the window alone) and executes each occurrence like a single appointment
 * whose Exchange id is the occurrence key `seriesId@originalStart`.
 */
export async function reconcileSeries(
  env: ReconcileEnv,
  mailbox: MailboxInfo,
  seriesId: string,
  options: SeriesReconcileOptions = {},
): Promise<void> {
  let current = options;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    try {
      await reconcileSeriesOnce(env, mailbox, seriesId, current);
      return;
    } catch (error) {
      if (
        !isTandemError(error, 'S4_ETAG_MISMATCH') &&
        !isTandemError(error, 'SYNC_LOCKED') &&
        !isTandemError(error, 'EXCHANGE_CONFLICT')
      )
        throw error;
      // Read everything again (the master too) and decide again.
      current = { ...(options.only ? { only: options.only } : {}) };
    }
  }
  throw new TandemError('SYNC_LOCKED', 'The series kept changing while being synced; will retry', { retryable: true });
}

async function reconcileSeriesOnce(
  env: ReconcileEnv,
  mailbox: MailboxInfo,
  seriesId: string,
  options: SeriesReconcileOptions,
): Promise<void> {
  const { ctx } = env;
  const s = ctx.settings.appointments;
  const address = { smtpAddress: mailbox.smtp };
  const connector = await ctx.connectorFor(mailbox);
  const now = (env.now?.() ?? new Date()).toISOString();
  let master =
    options.master === undefined
      ? ((await connector.getItem(address, 'appointment', seriesId)) ?? null)
      : options.master;
  // A series turned into a single appointment has no occurrences any more.
  if (master && master.type !== 'seriesMaster') master = null;
  const links = await withTenant(
    ctx.tenantId,
    (tx) => linksOfSeries(tx, mailbox.id, mailbox.smtp, seriesId, options.only),
    env.pool,
  );

  // As decideSeries judges it: a series it expands.
  const wanted =
    master !== null && s.enabled && s.recurringToS4 === 'occurrences' && exchangeItemQualifies(master, s).inScope;
  if (master && (!wanted || s.exchangeToS4 === 'off') && links.length === 0) {
    // Nothing of this series is in S/4 and nothing goes there: say why, as for a single item.
    const reason = !s.enabled
      ? 'disabled'
      : s.exchangeToS4 === 'off'
        ? 'exchangeToS4.off'
        : s.recurringToS4 === 'off'
          ? 'filtered.recurring'
          : (exchangeItemQualifies(master, s).reason ?? 'filtered');
    await withTenant(
      ctx.tenantId,
      (tx) =>
        writeJournal(tx, ctx.tenantId, [
          {
            correlationId: env.correlationId,
            mailboxId: mailbox.id,
            objectKind: 'appointment',
            exchangeItemId: seriesId,
            direction: 'none',
            outcome: 'skipped',
            reason,
          },
        ]),
      env.pool,
    );
    syncOutcomes.inc({ kind: 'appointment', outcome: 'skipped' });
    return;
  }

  const window = syncWindow(ctx.settings, now);
  // Exceptions (moved or edited occurrences) are items of their own; the pattern gives the rest.
  // An occurrence the pattern has but the instances lack was deleted (Graph tells it no other way).
  const instances =
    wanted && master ? await connector.expandSeries(address, seriesId, instanceWindow(master, window)) : [];
  const exceptions = instances.filter((o) => o.type === 'exception');
  if (wanted && master) master = withDeletedFromInstances(master, instances, window);
  const linked = await linkedOccurrences(env, links);
  const lookup = await buildLookup(
    ctx,
    [...linked.values()].flatMap((l) => l.s4?.partners.map((p) => p.businessPartner) ?? []),
  );
  let decisions = decideSeries({
    settings: ctx.settings,
    lookup,
    now,
    mailbox: mailbox.smtp,
    mailboxPartnerId: mailbox.employeeBp ?? '',
    ...(master ? { master } : {}),
    exceptions,
    linked,
  });
  if (options.only) decisions = decisions.filter((d) => d.key === options.only);

  for (const decision of decisions) {
    const occurrence = linked.get(decision.key);
    const executed = await executeThroughValve(env, mailbox, decision.actions, (passed) =>
      executeActions(
        {
          pool: env.pool,
          tenantId: ctx.tenantId,
          kind: 'appointment',
          mailboxId: mailbox.id,
          mailbox: mailbox.smtp,
          connector,
          s4: s4Writer(appointmentOps, ctx, () => occurrence?.s4),
          correlationId: env.correlationId,
          link: occurrence?.link as StoredLink | undefined,
          s4Etag: occurrence?.s4?.etag,
          s4Key: occurrence?.s4?.uuid,
          exchangeItemId: decision.key,
          exchangeChangeKey: master?.changeKey,
          occurrence: { key: decision.key, seriesId },
        },
        passed,
      ),
    );
    for (const action of executed) syncOutcomes.inc({ kind: 'appointment', outcome: action.journal.outcome });
  }
}

/** Each occurrence link with its activity read fresh; a create in flight is looked up by its marker. */
async function linkedOccurrences(env: ReconcileEnv, links: StoredLink[]): Promise<Map<string, LinkedOccurrence>> {
  const { ctx } = env;
  const out = new Map<string, LinkedOccurrence>();
  for (const link of links) {
    if (!link.occurrenceKey) continue;
    let s4: S4Appointment | undefined;
    let searched = false;
    if (link.s4Key) s4 = await appointmentOps.get(ctx.s4, link.s4Key);
    else if (link.state === 'creating') {
      s4 = (await ctx.s4.findAppointmentsByExternalReference(link.marker))[0];
      searched = true;
    }
    out.set(link.occurrenceKey, {
      link: link as LinkedOccurrence['link'],
      ...(s4 ? { s4 } : {}),
      ...(searched && !s4 ? { s4SearchedByMarker: true } : {}),
    });
  }
  return out;
}

/** Whether an S/4 external reference is the key of an Outlook occurrence (`seriesId@originalStart`). */
export function isOccurrenceReference(reference: string | undefined): boolean {
  const parsed = reference ? parseOccurrenceKey(reference) : undefined;
  return (
    parsed !== undefined &&
    /^\d{4}-\d{2}-\d{2}T/.test(parsed.originalStart) &&
    !Number.isNaN(Date.parse(parsed.originalStart))
  );
}
