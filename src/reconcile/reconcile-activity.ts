import type { MailboxConnector } from '../connectors/exchange/mailbox-connector.js';
import { inReachableMailbox } from './reachable-mailbox.js';
import type { Appointment, ItemKind, MailboxAddress } from '../connectors/exchange/types.js';
import { TandemError, isTandemError } from '../errors/tandem-error.js';
import { writeJournal, type JournalEntry } from '../journal/journal.js';
import { syncOutcomes } from '../observability/metrics.js';
import { withTenant } from '../store/transaction.js';
import type { PartnerLookup, SyncAction } from '../sync/index.js';
import {
  opsFor,
  type ActivityKind,
  type ActivityKindOps,
  type ExchangeActivity,
  type S4Activity,
} from './activity-kinds.js';
import { executeActions } from './execute-actions.js';
import { buildLookup, s4Writer, type ReconcileEnv } from './reconcile-env.js';
import {
  linkByExchangeItem,
  linkByS4Key,
  linksOfS4Object,
  linksOfSeries,
  movedOutlookLink,
  type StoredLink,
} from './link-store.js';
import { isOccurrenceReference, reconcileSeries } from './reconcile-series.js';
import { syncAttachments } from './sync-attachments.js';
import type { EnvironmentRef, MailboxInfo } from './tenant-context.js';
import { executeThroughValve } from './valve-gate.js';
import { findLookAlike } from './look-alike.js';

/** A write that met a concurrent change re-runs the step from a fresh read (docs/sync-engine.md, "For the worker"); this often, at most. */
const MAX_ROUNDS = 6;

/** `null` = known not to exist; `undefined` = not read yet. */
type Known<T> = T | null | undefined;

/** One object in one mailbox, as far as the caller knows it when it asks for a reconciliation. */
export interface MailboxStep<K extends ActivityKind> {
  ops: ActivityKindOps<K>;
  mailbox: MailboxInfo;
  s4: Known<S4Activity<K>>;
  exchange: Known<ExchangeActivity<K>>;
  link: StoredLink | undefined;
  s4Key: string | undefined;
  /** The partner lookup, when the caller built one for many objects at once. */
  lookup?: PartnerLookup | undefined;
  /** The user's environment as read with the links; without it the connector reads it. */
  environment?: EnvironmentRef | undefined;
  /**
   * Nothing of the job follows this step: its result may commit the job's completion with it
   * (withSyncWrite's `completesJob`), unless the step itself does more after the result.
   */
  completesJob?: boolean | undefined;
}

/** The state of one reconciliation between its rounds. */
interface Run<K extends ActivityKind> {
  env: ReconcileEnv;
  ops: ActivityKindOps<K>;
  mailbox: MailboxInfo;
  connector: MailboxConnector;
  address: MailboxAddress;
  s4: Known<S4Activity<K>>;
  exchange: Known<ExchangeActivity<K>>;
  link: StoredLink | undefined;
  s4Key: string | undefined;
  lookup: PartnerLookup | undefined;
  s4Searched: boolean;
  exchangeSearched: boolean;
  completesJob: boolean;
}

/**
 * One object in one mailbox, to a stable state: read what is missing, decide, resolve pending
 * creates by their marker, pass destructive actions through the safety valve, execute — and on a
 * concurrent change (ChangeKey or ETag), read again and decide again.
 */
export async function reconcileInMailbox<K extends ActivityKind>(
  env: ReconcileEnv,
  step: MailboxStep<K>,
): Promise<void> {
  const { ops, mailbox } = step;
  const run: Run<K> = {
    env,
    ops,
    mailbox,
    connector: await env.ctx.connectorFor(mailbox, step.environment),
    address: { smtpAddress: mailbox.smtp },
    s4: step.s4,
    exchange: step.exchange,
    link: step.link,
    s4Key: step.s4Key,
    lookup: step.lookup,
    s4Searched: false,
    exchangeSearched: false,
    completesJob: step.completesJob ?? false,
  };
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    await readMissing(run);
    if (await skippedAfterMove(run)) return;
    const actions = await decideRound(run);
    const resolve = actions.find((a) => a.type === 'resolvePendingCreate');
    if (resolve) {
      await resolvePendingCreate(run, resolve);
      continue;
    }
    try {
      await executeRound(run, actions);
      return;
    } catch (error) {
      if (!isConcurrentChange(error)) throw error;
      await rereadAfterConflict(run);
    }
  }
  throw new TandemError('SYNC_LOCKED', `The ${ops.kind} kept changing while being synced; will retry`, {
    retryable: true,
  });
}

const isConcurrentChange = (error: unknown): boolean =>
  isTandemError(error, 'EXCHANGE_CONFLICT') ||
  isTandemError(error, 'S4_ETAG_MISMATCH') ||
  isTandemError(error, 'SYNC_LOCKED');

async function readMissing<K extends ActivityKind>(run: Run<K>): Promise<void> {
  if (run.s4 === undefined) run.s4 = run.s4Key ? ((await run.ops.get(run.env.ctx.s4, run.s4Key)) ?? null) : null;
  if (run.exchange === undefined) run.exchange = await readExchange(run);
}

/**
 * The Exchange item by the link's id. Not found under a known id: an item carrying our stamp is ours
 * already — a link re-keyed by a move to another environment (ids cleared), a link still holding the
 * other backend's id while the move propagates, or no link yet in a mailbox whose initial load has
 * not run. Adopt it, never duplicate. A real Outlook delete leaves no stamped item behind, so it is
 * still seen as "deleted in Outlook". Without a link after the initial load there is nothing to
 * find, and the search (one Exchange call per new object) is skipped.
 */
async function readExchange<K extends ActivityKind>(run: Run<K>): Promise<ExchangeActivity<K> | null> {
  const { connector, address, ops, link, s4, mailbox } = run;
  const byId = link?.exchangeId ? await connector.getItem(address, ops.kind, link.exchangeId) : undefined;
  if (byId) return byId;
  const stampKey = link?.s4Key ?? s4?.uuid;
  const unlinkedCopyPossible = link !== undefined || !mailbox.initialLoadDone;
  if (stampKey && (s4 || link?.exchangeId === undefined) && unlinkedCopyPossible) {
    const stamped = (await connector.findByStamp(address, ops.kind, stampKey))[0];
    if (stamped) return stamped;
  }
  // Before the initial load, a copy the user made by hand is adopted as the initial load would.
  if (s4 && !link && !mailbox.initialLoadDone) return (await findLookAlike(connector, address, ops.kind, s4)) ?? null;
  return null;
}

/**
 * Linked, but its item id was cleared by a move to another environment and no item carries the
 * stamp (an Outlook-created item has none until S/4 changes it): unknown, not deleted. Change
 * tracking on the new backend re-links it (reconcileExchangeItem); never delete or recreate here.
 */
async function skippedAfterMove<K extends ActivityKind>(run: Run<K>): Promise<boolean> {
  const { env, s4, link, mailbox } = run;
  if (run.exchange !== null || !s4 || link?.state !== 'linked' || link.exchangeId) return false;
  const entry: JournalEntry = {
    correlationId: env.correlationId,
    mailboxId: mailbox.id,
    objectKind: run.ops.kind,
    s4Key: s4.uuid,
    direction: 'none',
    outcome: 'skipped',
    reason: 'environmentMove.itemNotFound',
  };
  await withTenant(env.ctx.tenantId, (tx) => writeJournal(tx, env.ctx.tenantId, [entry]), env.pool);
  return true;
}

async function decideRound<K extends ActivityKind>(run: Run<K>): Promise<SyncAction[]> {
  const { env, ops, mailbox, s4, exchange, link } = run;
  const { ctx } = env;
  // Outlook attendees matter only where Outlook writes to S/4.
  const attendees = exchange && ctx.settings.appointments.exchangeToS4 !== 'off' ? ops.attendeeEmails(exchange) : [];
  run.lookup ??= await buildLookup(ctx, s4 ? s4.partners.map((p) => p.businessPartner) : [], attendees);
  return ops.decide({
    settings: ctx.settings,
    lookup: run.lookup,
    now: (env.now?.() ?? new Date()).toISOString(),
    mailbox: mailbox.smtp,
    mailboxPartnerId: mailbox.employeeBp ?? '',
    ...(s4 ? { s4 } : {}),
    ...(exchange ? { exchange } : {}),
    ...(link ? { link } : {}),
    s4SearchedByMarker: run.s4Searched,
    exchangeSearchedByMarker: run.exchangeSearched,
  });
}

/** A create whose outcome is unknown (a crash after the write): look for its marker on that side. */
async function resolvePendingCreate<K extends ActivityKind>(
  run: Run<K>,
  resolve: Extract<SyncAction, { type: 'resolvePendingCreate' }>,
): Promise<void> {
  if (resolve.side === 'exchange') {
    run.exchange = (await run.connector.findByStamp(run.address, run.ops.kind, resolve.marker))[0] ?? null;
    run.exchangeSearched = true;
  } else {
    run.s4 = (await run.ops.findByMarker(run.env.ctx.s4, resolve.marker))[0] ?? null;
    run.s4Searched = true;
  }
}

async function executeRound<K extends ActivityKind>(run: Run<K>, actions: SyncAction[]): Promise<void> {
  const { env, ops, mailbox, connector } = run;
  const { ctx } = env;
  const copiesAttachments = ops.kind === 'appointment' && ctx.settings.appointments.attachments.enabled;
  const executed = await executeThroughValve(env, mailbox, actions, (passed) =>
    executeActions(
      {
        pool: env.pool,
        tenantId: ctx.tenantId,
        kind: ops.kind,
        mailboxId: mailbox.id,
        mailbox: mailbox.smtp,
        connector,
        s4: s4Writer(ops, ctx, () => run.s4 ?? undefined),
        correlationId: env.correlationId,
        link: run.link,
        s4Etag: run.s4?.etag,
        s4Key: run.s4?.uuid,
        exchangeItemId: run.exchange?.id,
        exchangeChangeKey: run.exchange?.changeKey,
        // The attachments' copy comes after the result: then the result is not the job's last write.
        completesJob: run.completesJob && !copiesAttachments,
      },
      passed,
    ),
  );
  for (const action of executed) syncOutcomes.inc({ kind: ops.kind, outcome: action.journal.outcome });
  if (copiesAttachments) {
    // The link as just committed (a create has its other end only now): copy what one side's files lack.
    const s4Key = run.s4?.uuid ?? run.link?.s4Key;
    const link = await currentLink(run, s4Key, run.exchange?.id ?? run.link?.exchangeId);
    if (link) await syncAttachments(env, mailbox, connector, link);
  }
}

/** The object's link as stored now, by its S/4 key or else by its Exchange id. */
function currentLink<K extends ActivityKind>(
  run: Run<K>,
  s4Key: string | undefined,
  exchangeId: string | undefined,
): Promise<StoredLink | undefined> {
  const { env, mailbox, ops } = run;
  return withTenant(
    env.ctx.tenantId,
    (tx) =>
      s4Key
        ? linkByS4Key(tx, mailbox.id, mailbox.smtp, ops.kind, s4Key)
        : exchangeId
          ? linkByExchangeItem(tx, mailbox.id, mailbox.smtp, exchangeId)
          : Promise.resolve(undefined),
    env.pool,
  );
}

/** Someone changed (or linked) the object while we decided: forget both sides and the lookup, re-read the link. */
async function rereadAfterConflict<K extends ActivityKind>(run: Run<K>): Promise<void> {
  run.s4Key ??= run.s4?.uuid ?? run.link?.s4Key;
  const exchangeId = run.link?.exchangeId ?? run.exchange?.id;
  run.s4 = undefined;
  run.exchange = undefined;
  run.lookup = undefined;
  run.link = await currentLink(run, run.s4Key, exchangeId);
  // An item not linked after all is read by its id (the read above goes through the link).
  if (!run.link && exchangeId)
    run.exchange = (await run.connector.getItem(run.address, run.ops.kind, exchangeId)) ?? null;
}

/**
 * An S/4 event named an activity: bring every mailbox that holds or should hold it up to date.
 * `completesJob`: the caller's job ends with this reconciliation, so the last mailbox's result may
 * commit the job's completion with it (one commit fewer per sync operation).
 */
export async function reconcileS4Activity<K extends ActivityKind>(
  env: ReconcileEnv,
  kind: K,
  uuid: string,
  options: { completesJob?: boolean } = {},
): Promise<void> {
  const { ctx } = env;
  const ops = opsFor(kind);
  const s4 = (await ops.get(ctx.s4, uuid)) ?? null;
  const lookup = await buildLookup(ctx, s4 ? s4.partners.map((p) => p.businessPartner) : []);
  const targets = new Map<string, MailboxInfo>();
  if (s4) {
    for (const partnerId of ops.concernedPartners(s4, ctx.settings, lookup)) {
      const mailbox = ctx.byEmployee(partnerId);
      if (mailbox?.enabled && mailbox.kinds.includes(kind)) targets.set(mailbox.id, mailbox);
    }
  }
  // The object's links and the targets' current environments in one transaction.
  const { links, environments } = await withTenant(
    ctx.tenantId,
    async (tx) => {
      const found = await linksOfS4Object(tx, kind, uuid, ctx.mailboxMap());
      for (const link of found) {
        const mailbox = ctx.byId(link.mailboxId);
        if (mailbox) targets.set(mailbox.id, mailbox);
      }
      return { links: found, environments: await ctx.currentEnvironments(tx, [...targets.keys()]) };
    },
    env.pool,
  );
  const lastTarget = [...targets.values()].at(-1);
  for (const mailbox of targets.values()) {
    const link = links.find((l) => l.mailboxId === mailbox.id);
    await inReachableMailbox(env, mailbox, async () => {
      if (kind === 'appointment' && (await handledAsOccurrence(env, mailbox, s4, link))) return;
      await reconcileInMailbox(env, {
        ops,
        mailbox,
        s4,
        exchange: undefined,
        link,
        s4Key: uuid,
        lookup,
        environment: environments.get(mailbox.id),
        completesJob: options.completesJob === true && mailbox === lastTarget,
      });
    });
  }
}

/**
 * An activity made from an occurrence of an Outlook series belongs to that series in the
 * organiser's mailbox: it is reconciled through the series (Outlook is the master of occurrences),
 * never copied into that calendar as an item of its own. Our own write coming back (same ETag) is
 * an echo; a create still in flight is left to the job creating it.
 */
async function handledAsOccurrence(
  env: ReconcileEnv,
  mailbox: MailboxInfo,
  s4: {
    etag: string;
    uuid: string;
    externalReference?: string;
    partners: { partnerFunction: string; businessPartner: string }[];
  } | null,
  link: StoredLink | undefined,
): Promise<boolean> {
  const { ctx } = env;
  let occurrenceLink = link?.occurrenceKey ? link : undefined;
  if (!link && s4 && isOccurrenceReference(s4.externalReference)) {
    // The create of this activity may not have committed its S/4 key yet: its link holds the occurrence key.
    occurrenceLink = await withTenant(
      ctx.tenantId,
      (tx) => linkByExchangeItem(tx, mailbox.id, mailbox.smtp, s4.externalReference!),
      env.pool,
    );
    if (!occurrenceLink?.occurrenceKey) {
      const responsible = ctx.settings.appointments.partnerFunctions.responsible;
      const isOrganiser = s4.partners.some(
        (p) => p.partnerFunction === responsible && p.businessPartner === mailbox.employeeBp,
      );
      if (!isOrganiser) return false;
      await withTenant(
        ctx.tenantId,
        (tx) =>
          writeJournal(tx, ctx.tenantId, [
            {
              correlationId: env.correlationId,
              mailboxId: mailbox.id,
              objectKind: 'appointment',
              s4Key: s4.uuid,
              direction: 'none',
              outcome: 'skipped',
              reason: 'series.occurrenceNotLinked',
            },
          ]),
        env.pool,
      );
      return true;
    }
  }
  if (!occurrenceLink?.occurrenceKey || !occurrenceLink.seriesId) return false;
  if (occurrenceLink.state === 'creating') return true;
  if (s4 && occurrenceLink.s4Etag === s4.etag) {
    await withTenant(
      ctx.tenantId,
      (tx) =>
        writeJournal(tx, ctx.tenantId, [
          {
            correlationId: env.correlationId,
            mailboxId: mailbox.id,
            objectKind: 'appointment',
            s4Key: s4.uuid,
            exchangeItemId: occurrenceLink.occurrenceKey,
            direction: 'none',
            outcome: 'echo',
            reason: 'echo.sameEtag',
          },
        ]),
      env.pool,
    );
    syncOutcomes.inc({ kind: 'appointment', outcome: 'echo' });
    return true;
  }
  await reconcileSeries(env, mailbox, occurrenceLink.seriesId, { only: occurrenceLink.occurrenceKey });
  return true;
}

/**
 * The item is exactly the version we last wrote or saw (same ChangeKey): the change is the echo of
 * our own write. S/4-side changes arrive with their own events, so there is nothing to read.
 */
export function isEcho(link: StoredLink, changeKey: string | undefined): boolean {
  return link.state === 'linked' && changeKey !== undefined && link.changeKey === changeKey;
}

export function echoEntry(
  env: ReconcileEnv,
  mailbox: MailboxInfo,
  kind: ItemKind,
  link: StoredLink,
  itemId: string,
): JournalEntry {
  return {
    correlationId: env.correlationId,
    mailboxId: mailbox.id,
    objectKind: kind,
    ...(link.s4Key ? { s4Key: link.s4Key } : {}),
    exchangeItemId: itemId,
    direction: 'none',
    outcome: 'echo',
    reason: 'echo.sameChangeKey',
  };
}

/**
 * Change tracking named an Outlook item (created, changed or deleted): reconcile it with its S/4
 * activity, or create one when the item qualifies for Exchange → S/4.
 */
export async function reconcileExchangeItem<K extends ActivityKind>(
  env: ReconcileEnv,
  kind: K,
  mailbox: MailboxInfo,
  itemId: string,
  item: ExchangeActivity<K> | null,
): Promise<void> {
  const { ctx } = env;
  const ops = opsFor(kind);
  // An occurrence or exception changed: its series decides (Outlook reports them under the master, Graph may name them).
  if (
    kind === 'appointment' &&
    item &&
    (item as Appointment).seriesMasterId &&
    ((item as Appointment).type === 'occurrence' || (item as Appointment).type === 'exception')
  ) {
    await reconcileSeries(env, mailbox, (item as Appointment).seriesMasterId!);
    return;
  }
  let link = await withTenant(ctx.tenantId, (tx) => linkByExchangeItem(tx, mailbox.id, mailbox.smtp, itemId), env.pool);
  if (!link && kind === 'appointment') {
    const appointment = item as Appointment | null;
    if (appointment?.type === 'seriesMaster') {
      await reconcileSeries(env, mailbox, itemId, { master: appointment });
      return;
    }
    // A deleted series (or one made a single appointment) whose occurrences are in S/4.
    if (appointment === null || appointment.type === 'single') {
      const occurrences = await withTenant(
        ctx.tenantId,
        (tx) => linksOfSeries(tx, mailbox.id, mailbox.smtp, itemId),
        env.pool,
      );
      if (occurrences.length > 0) await reconcileSeries(env, mailbox, itemId, { master: null });
      if (appointment === null) return;
    }
  }
  // An item we wrote but whose link was lost or re-keyed (backend switch): find the link by the stamp's S/4 key.
  if (!link && item?.stamp)
    link = await withTenant(
      ctx.tenantId,
      (tx) => linkByS4Key(tx, mailbox.id, mailbox.smtp, kind, item.stamp!.s4Key),
      env.pool,
    );
  // An Outlook-created item carries no stamp: after a move its new id matches no link, but the link
  // re-keyed by the move still holds what it last agreed on. One such link with the same subject,
  // start and end is this item; anything less certain is left alone (and journalled by the engine).
  if (!link && item && !item.stamp)
    link = await withTenant(ctx.tenantId, (tx) => movedOutlookLink(tx, mailbox.id, mailbox.smtp, kind, item), env.pool);
  if (!link && item === null) return; // deleted, and never ours: nothing to do
  if (link && item && isEcho(link, item.changeKey)) {
    await withTenant(
      ctx.tenantId,
      (tx) => writeJournal(tx, ctx.tenantId, [echoEntry(env, mailbox, kind, link, itemId)]),
      env.pool,
    );
    syncOutcomes.inc({ kind, outcome: 'echo' });
    return;
  }
  const s4Key = link?.s4Key ?? item?.stamp?.s4Key;
  await reconcileInMailbox(env, { ops, mailbox, s4: s4Key ? undefined : null, exchange: item, link, s4Key });
}
