import type { ItemKind } from '../connectors/exchange/types.js';
import { isTandemError } from '../errors/tandem-error.js';
import { writeJournal } from '../journal/journal.js';
import { logger } from '../logging/logger.js';
import { withSyncWrite, withTenant } from '../store/transaction.js';
import { FOLDER_OF_KIND } from '../inbox/subjects.js';
import { saveFolderSyncState, startFolderRun, type FolderRunStart } from '../subscriptions/subscription-repository.js';
import { syncWindow } from '../sync/index.js';
import { echoEntry, isEcho, reconcileExchangeItem } from './reconcile-activity.js';
import type { ReconcileEnv } from './reconcile-env.js';
import { exchangeItemsWrittenAfter, linksByExchangeItems } from './link-store.js';
import { syncOutcomes } from '../observability/metrics.js';
import { reconcileExchangeContact } from './reconcile-contacts.js';
import type { MailboxInfo } from './tenant-context.js';

/** Pages per run; a huge backlog continues in the next run instead of holding one job for minutes. */
const MAX_PAGES_PER_RUN = 50;
/**
 * For a state saved before runs stored their snapshot (migration 019): how far before the previous
 * run's end items Tandem wrote are checked for a silent delete. The previous run read its changes
 * some time before it saved its state (a run is bounded by its pages).
 */
const UNSEEN_DELETE_MARGIN_MS = 2 * 60_000;

export interface CatchUpResult {
  pages: number;
  changes: number;
  fullResync: boolean;
  /** True when the folder had more changes than one run takes. */
  more: boolean;
}

/**
 * Runs change tracking for one mailbox folder from its stored state (EWS SyncFolderItems / Graph
 * delta) and reconciles every changed item. The state advances only after a page's items were
 * reconciled and committed, so a crash replays a page rather than skipping it. An invalid state
 * restarts from the beginning; items then match by their stamp and links, so nothing duplicates.
 */
export async function catchUpFolder(env: ReconcileEnv, mailbox: MailboxInfo, kind: ItemKind): Promise<CatchUpResult> {
  const { ctx } = env;
  const folder = FOLDER_OF_KIND[kind];
  const address = { smtpAddress: mailbox.smtp };
  const connector = await ctx.connectorFor(mailbox);
  const window = syncWindow(ctx.settings, new Date().toISOString());
  const run = await withTenant(ctx.tenantId, (tx) => startFolderRun(tx, mailbox.id, folder), env.pool);
  const initialState = run.syncState;
  let syncState = initialState;
  const result: CatchUpResult = { pages: 0, changes: 0, fullResync: false, more: false };
  const reported = new Set<string>();

  for (let page = 0; page < MAX_PAGES_PER_RUN; page++) {
    let changes;
    try {
      changes = await connector.changesSince(address, kind, syncState, window);
    } catch (error) {
      if (!isTandemError(error, 'EXCHANGE_INVALID_SYNC_STATE') || syncState === undefined) throw error;
      logger.warn({ mailboxId: mailbox.id, folder }, 'sync state no longer valid; full resync matching by stamp');
      await withSyncWrite(
        ctx.tenantId,
        async (tx) => {
          await saveFolderSyncState(
            tx,
            ctx.tenantId,
            mailbox.id,
            folder,
            null,
            run.previousRun?.snapshot ?? null,
            'invalidSyncState',
          );
          await writeJournal(tx, ctx.tenantId, [
            {
              correlationId: env.correlationId,
              mailboxId: mailbox.id,
              objectKind: 'mailbox',
              outcome: 'info',
              reason: 'catchUp.fullResync',
              details: { folder, cause: 'invalidSyncState' },
            },
          ]);
        },
        env.pool,
      );
      syncState = undefined;
      result.fullResync = true;
      continue;
    }
    result.pages++;
    const changed = [...new Set([...changes.created, ...changes.updated])];
    for (const id of [...changed, ...changes.deleted]) reported.add(id);
    const echoes = await settleEchoes(env, kind, mailbox, changed, changes.changeKeys);
    result.changes += echoes.size;
    const ids = changed.filter((id) => !echoes.has(id));
    const items = ids.length ? await connector.getItems(address, kind, ids) : new Map();
    for (const id of ids) {
      result.changes++;
      await reconcileChanged(env, kind, mailbox, id, items.get(id) ?? null);
    }
    for (const id of changes.deleted) {
      result.changes++;
      await reconcileChanged(env, kind, mailbox, id, null);
    }
    syncState = changes.syncState;
    const finished = !changes.moreAvailable;
    // Checked before the last page's state is saved, so the snapshot saved with it is one whose
    // earlier link writes were all verified (see reconcileUnseenDeletes).
    let verified = run.previousRun?.snapshot ?? null;
    if (finished && initialState !== undefined && run.previousRun && !result.fullResync) {
      result.changes += await reconcileUnseenDeletes(env, kind, mailbox, run.previousRun, reported);
      verified = run.snapshot;
    }
    await withSyncWrite(
      ctx.tenantId,
      (tx) => saveFolderSyncState(tx, ctx.tenantId, mailbox.id, folder, syncState ?? null, verified),
      env.pool,
    );
    if (finished) return result;
  }
  result.more = true;
  return result;
}

/**
 * Change tracking reports nothing about an item created and deleted between two runs ("Create +
 * Delete → nothing": the client never saw it, so it is told of no delete). When Tandem created that
 * item (an S/4 appointment the user deleted in Outlook before the next run), the delete would be
 * lost and the S/4 activity would stay. So the items whose links were written after the stored
 * snapshot and that this run did not report are read back; those gone are reconciled as deleted, as
 * a reported delete is.
 *
 * The stored snapshot is the one a run began with that finished this check (catchUpFolder saves
 * it only then; a run cut short by its page limit, a full resync or a first run keeps the one
 * before). A link that snapshot saw was written after its item was created, so before that run
 * read its changes: the run reported the item, or this check of that run read it back. Before
 * any run stored a snapshot (migration 019, or after a first run), the check falls back to a time:
 * two minutes before the previous run ended.
 */
async function reconcileUnseenDeletes(
  env: ReconcileEnv,
  kind: ItemKind,
  mailbox: MailboxInfo,
  previousRun: NonNullable<FolderRunStart['previousRun']>,
  reported: ReadonlySet<string>,
): Promise<number> {
  const after = previousRun.snapshot
    ? { snapshot: previousRun.snapshot }
    : { since: new Date(previousRun.at.getTime() - UNSEEN_DELETE_MARGIN_MS) };
  const ids = (
    await withTenant(env.ctx.tenantId, (tx) => exchangeItemsWrittenAfter(tx, mailbox.id, kind, after), env.pool)
  ).filter((id) => !reported.has(id));
  if (ids.length === 0) return 0;
  const connector = await env.ctx.connectorFor(mailbox);
  const present = await connector.getItems({ smtpAddress: mailbox.smtp }, kind, ids);
  const gone = ids.filter((id) => !present.has(id));
  for (const id of gone) await reconcileChanged(env, kind, mailbox, id, null);
  return gone.length;
}

/**
 * Our own writes come back through change tracking. When the change list carries ChangeKeys (EWS),
 * the items whose ChangeKey equals their link's are recognised and journalled as echoes in one
 * query and one insert, without fetching them — after a burst of S/4 changes most of a page is
 * echoes. Returns the ids settled here; the rest are reconciled one by one.
 */
async function settleEchoes(
  env: ReconcileEnv,
  kind: ItemKind,
  mailbox: MailboxInfo,
  ids: string[],
  changeKeys: Record<string, string> | undefined,
): Promise<Set<string>> {
  // Contacts have their own reconciliation; only activities take the shortcut.
  if (!changeKeys || kind === 'contact' || ids.length === 0) return new Set();
  const { ctx } = env;
  const settled = await withTenant(
    ctx.tenantId,
    async (tx) => {
      const links = await linksByExchangeItems(tx, mailbox.id, mailbox.smtp, ids);
      const echoes = ids.filter((id) => {
        const link = links.get(id);
        return link !== undefined && isEcho(link, changeKeys[id]);
      });
      await writeJournal(
        tx,
        ctx.tenantId,
        echoes.map((id) => echoEntry(env, mailbox, kind, links.get(id)!, id)),
      );
      return echoes;
    },
    env.pool,
  );
  if (settled.length) syncOutcomes.inc({ kind, outcome: 'echo' }, settled.length);
  return new Set(settled);
}

async function reconcileChanged(
  env: ReconcileEnv,
  kind: ItemKind,
  mailbox: MailboxInfo,
  id: string,
  item: unknown,
): Promise<void> {
  if (kind === 'contact') await reconcileExchangeContact(env, mailbox, id, item as never);
  else await reconcileExchangeItem(env, kind, mailbox, id, item as never);
}
