import type { Appointment, ItemKind, Task } from '../connectors/exchange/types.js';
import type { MailboxConnector } from '../connectors/exchange/mailbox-connector.js';
import type { TimeWindow } from '../connectors/exchange/types.js';
import { writeJournal } from '../journal/journal.js';
import {
  readInitialLoadCheckpoint,
  saveInitialLoadCheckpoint,
  setInitialLoad,
} from '../mailboxes/mailbox-repository.js';
import { withSyncWrite, withTenant, type Tx } from '../store/transaction.js';
import { matchForInitialLoad, syncWindow } from '../sync/index.js';
import { opsFor, type ActivityKind, type ExchangeActivity } from './activity-kinds.js';
import { catchUpFolder } from './catch-up.js';
import { linkByS4Key } from './link-store.js';
import { exchangeCandidate, s4Candidate } from './look-alike.js';
import { isOccurrenceReference, reconcileSeries } from './reconcile-series.js';
import { reconcileExchangeItem, reconcileInMailbox } from './reconcile-activity.js';
import { buildLookup, type ReconcileEnv } from './reconcile-env.js';
import { reconcileEmployeeContacts } from './reconcile-contacts.js';
import type { MailboxInfo } from './tenant-context.js';

/**
 * Plans per job. One job per chunk keeps a subject lock short, lets other tenants' work in between,
 * and a crash or shutdown costs at most one chunk (the next job resumes from the checkpoint).
 */
export const INITIAL_LOAD_CHUNK = 200;

interface Checkpoint {
  startedAt: string;
  /** Key of the last plan done. */
  after: string;
  done: number;
}

function previousKey(plans: Array<{ key: string }>, next: { key: string }): string {
  return plans[plans.indexOf(next) - 1]!.key;
}

/** The checkpoint of the run in progress, if the user's initial load is still that run. */
async function readCheckpoint(tx: Tx, mailboxId: string): Promise<Checkpoint | undefined> {
  const row = await readInitialLoadCheckpoint<Checkpoint>(tx, mailboxId);
  if (!row?.checkpoint || row.progress?.state !== 'running' || row.progress.startedAt !== row.checkpoint.startedAt)
    return undefined;
  return row.checkpoint;
}

async function saveCheckpoint(tx: Tx, mailboxId: string, checkpoint: Checkpoint | null): Promise<void> {
  await saveInitialLoadCheckpoint(tx, mailboxId, checkpoint);
}

/** One unit of initial-load work, keyed so that it orders stably between runs. */
interface Plan {
  key: string;
  run: () => Promise<void>;
}

/**
 * The plans for one kind: series through their master, matched pairs, S/4 objects to create in
 * Outlook, Outlook items that may create S/4 objects. The key's digit orders them in that sequence.
 */
async function planKind<K extends ActivityKind>(
  env: ReconcileEnv,
  mailbox: MailboxInfo,
  connector: MailboxConnector,
  window: TimeWindow,
  kind: K,
): Promise<Plan[]> {
  const { ctx } = env;
  const ops = opsFor(kind);
  const range = { from: window.start, to: window.end };
  const address = { smtpAddress: mailbox.smtp };
  const s4Listed = await ops.listOfEmployee(ctx.s4, mailbox.employeeBp!, range, ctx.settings);
  const listed = await connector.listItems(address, kind, window);
  // Series are reconciled through their master (one S/4 activity per occurrence), never matched
  // item by item: neither an exception nor an activity made from an occurrence is a single's pair.
  const masters = listed.filter(isSeriesMaster);
  const items = listed.filter((item) => !isSeriesItem(item));
  const s4Objects = s4Listed.filter((o) => !isOccurrenceReference(o.externalReference));
  const match = matchForInitialLoad(
    s4Objects.map((o) => s4Candidate(kind, o)),
    items.map((i) => exchangeCandidate(kind, i)),
  );
  const s4ByKey = new Map(s4Objects.map((o) => [o.uuid, o]));
  const itemById = new Map(items.map((i) => [i.id, i]));
  const lookup = await buildLookup(
    ctx,
    s4Objects.flatMap((o) => o.partners.map((p) => p.businessPartner)),
  );
  // A re-run (after a crash, or as the full resync after a move to another environment) meets links made before.
  const existingLink = (s4Key: string) =>
    withTenant(ctx.tenantId, (tx) => linkByS4Key(tx, mailbox.id, mailbox.smtp, kind, s4Key), env.pool);
  const step = { ops, mailbox, lookup };
  const plans: Plan[] = masters.map((master) => ({
    key: `${kind}:0:${master.id}`,
    run: () => reconcileSeries(env, mailbox, master.id, { master }),
  }));
  for (const pair of match.pairs) {
    plans.push({
      key: `${kind}:1:${pair.s4Key}`,
      run: async () =>
        reconcileInMailbox(env, {
          ...step,
          s4: s4ByKey.get(pair.s4Key),
          exchange: itemById.get(pair.exchangeId),
          link: await existingLink(pair.s4Key),
          s4Key: pair.s4Key,
        }),
    });
  }
  for (const create of match.createInExchange) {
    plans.push({
      key: `${kind}:2:${create.s4Key}`,
      run: async () => {
        if (create.journal.outcome === 'ambiguous') await journalAmbiguous(env, mailbox, kind, create);
        // An explicit "no item" keeps the reconciler from adopting an ambiguous look-alike.
        const link = await existingLink(create.s4Key);
        // Linked already (a re-run, or a user moved to another environment): the reconciler reads the item by its link or stamp.
        await reconcileInMailbox(env, {
          ...step,
          s4: s4ByKey.get(create.s4Key),
          exchange: link ? undefined : null,
          link,
          s4Key: create.s4Key,
        });
      },
    });
  }
  for (const only of match.exchangeOnly) {
    if (!only.mayCreateInS4) continue;
    plans.push({
      key: `${kind}:3:${only.exchangeId}`,
      run: () => reconcileExchangeItem(env, kind, mailbox, only.exchangeId, itemById.get(only.exchangeId)!),
    });
  }
  return plans;
}

function isSeriesMaster<K extends ActivityKind>(item: ExchangeActivity<K>): item is ExchangeActivity<K> & Appointment {
  return 'type' in item && item.type === 'seriesMaster';
}
const isSeriesItem = (item: Appointment | Task): boolean => 'type' in item && item.type !== 'single';

async function journalAmbiguous(
  env: ReconcileEnv,
  mailbox: MailboxInfo,
  kind: ActivityKind,
  create: { s4Key: string; journal: { reason: string } },
): Promise<void> {
  const { ctx } = env;
  await withTenant(
    ctx.tenantId,
    (tx) =>
      writeJournal(tx, ctx.tenantId, [
        {
          correlationId: env.correlationId,
          mailboxId: mailbox.id,
          objectKind: kind,
          s4Key: create.s4Key,
          direction: 'none',
          outcome: 'ambiguous',
          reason: create.journal.reason,
        },
      ]),
    env.pool,
  );
}

/**
 * A user was enabled: load both directions for the sync window, matching what exists on both
 * sides instead of duplicating it (stamp first, then a conservative subject+start+end match), then
 * establish change tracking. Progress (done/total) is stored on the user for the cockpit. Safe to
 * re-run after a crash: linked objects are recognised and cost one comparison each.
 */
export async function runInitialLoad(
  env: ReconcileEnv,
  mailbox: MailboxInfo,
  options: { chunkSize?: number } = {},
): Promise<{ finished: boolean }> {
  const { ctx } = env;
  const chunkSize = options.chunkSize ?? INITIAL_LOAD_CHUNK;
  const resume = await withTenant(ctx.tenantId, (tx) => readCheckpoint(tx, mailbox.id), env.pool);
  const startedAt = resume?.startedAt ?? new Date().toISOString();
  let done = resume?.done ?? 0;
  let total = 0;
  const progress = (state: 'running' | 'done' | 'failed', error?: string) =>
    withSyncWrite(
      ctx.tenantId,
      (tx) =>
        setInitialLoad(tx, mailbox.id, {
          state,
          done,
          total,
          startedAt,
          finishedAt: state === 'running' ? null : new Date().toISOString(),
          ...(error ? { error } : {}),
        }),
      env.pool,
    );
  if (!resume) await progress('running');
  try {
    const window = syncWindow(ctx.settings, startedAt);
    const connector = await ctx.connectorFor(mailbox);
    // Each plan has a key that orders it stably between runs, so a later chunk knows where to go on.
    const plans: Plan[] = [];
    for (const kind of ['appointment', 'task'] as const) {
      if (!mailbox.kinds.includes(kind) || !mailbox.employeeBp) continue;
      plans.push(...(await planKind(env, mailbox, connector, window, kind)));
    }
    plans.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    // What a crash or an earlier chunk did not finish: everything after the checkpoint's key.
    const remaining = resume?.after ? plans.filter((plan) => plan.key > resume.after!) : plans;
    total = done + remaining.length + (mailbox.kinds.includes('contact') ? 1 : 0);
    await progress('running');
    let inThisChunk = 0;
    for (const plan of remaining) {
      if (inThisChunk >= chunkSize) {
        await withSyncWrite(
          ctx.tenantId,
          async (tx) => {
            await saveCheckpoint(tx, mailbox.id, { startedAt, after: previousKey(remaining, plan), done });
            await setInitialLoad(tx, mailbox.id, {
              state: 'running',
              done,
              total,
              startedAt,
              finishedAt: null,
            });
          },
          env.pool,
        );
        return { finished: false };
      }
      await plan.run();
      done++;
      inThisChunk++;
      if (done % 20 === 0) await progress('running');
    }
    if (mailbox.kinds.includes('contact')) {
      await reconcileEmployeeContacts(env, mailbox);
      done++;
    }
    // Establish change tracking from here on; what it reports now was just reconciled and ends as echoes.
    for (const kind of mailbox.kinds as ItemKind[]) await catchUpFolder(env, mailbox, kind);
    await withSyncWrite(ctx.tenantId, (tx) => saveCheckpoint(tx, mailbox.id, null), env.pool);
    await progress('done');
    return { finished: true };
  } catch (error) {
    await progress('failed', error instanceof Error ? error.message : String(error)).catch(() => undefined);
    throw error;
  }
}
