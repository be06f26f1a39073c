import type { Appointment, ItemKind, Task } from '../connectors/exchange/types.js';
import { TandemError, isTandemError } from '../errors/tandem-error.js';
import { syncOutcomes } from '../observability/metrics.js';
import { withTenant } from '../store/transaction.js';
import { writeJournal } from '../journal/journal.js';
import { applySafetyValve, isDestructive, partnerLookup, type PartnerInfo, type PartnerLookup, type SyncAction } from '../sync/index.js';
import { ACTIVITY_OPS, type AnyActivityOps } from './activity-kinds.js';
import { executeActions, type S4Writer } from './execute-actions.js';
import { linkByExchangeItem, linkByS4Key, linksOfS4Object, type StoredLink } from './link-store.js';
import type { MailboxInfo, TenantContext } from './tenant-context.js';
import { valveCounters } from './valve-counters.js';
import type { Pool } from '../store/pool.js';

/** A write that met a concurrent change re-runs the step from a fresh read (SYNC.md step 4); this often, at most. */
const MAX_ROUNDS = 6;

export interface ReconcileEnv {
  pool: Pool;
  ctx: TenantContext;
  correlationId: string;
  now?: () => Date;
}

/**
 * The engine's view of partners: every Tandem user (employee BP ↔ mailbox) plus the partners of
 * the object at hand, read from S/4 (cached).
 */
export async function buildLookup(ctx: TenantContext, partnerIds: Iterable<string>): Promise<PartnerLookup> {
  const infos = new Map<string, PartnerInfo>();
  for (const m of ctx.mailboxes) {
    if (!m.employeeBp) continue;
    infos.set(m.employeeBp, { id: m.employeeBp, email: m.smtp, isEmployee: true, user: { mailbox: m.smtp, kinds: m.kinds } });
  }
  for (const id of new Set(partnerIds)) {
    if (infos.has(id)) continue;
    const bp = await ctx.partner(id);
    if (!bp) continue;
    const name = bp.category === 'organization' ? bp.organizationName : [bp.firstName, bp.lastName].filter(Boolean).join(' ');
    infos.set(id, { id, isEmployee: bp.isEmployee, ...(bp.emails[0] ? { email: bp.emails[0] } : {}), ...(name ? { name } : {}) });
  }
  return partnerLookup([...infos.values()]);
}

function s4Writer(ops: AnyActivityOps, ctx: TenantContext, current: () => unknown): S4Writer {
  return {
    create: (write) => ops.create(ctx.s4, write),
    update: (key, etag, write) => ops.update(ctx.s4, key, etag, write, current()),
    setStatus: (key, etag, status) => ops.setStatus(ctx.s4, key, etag, status),
    remove: (key, etag) => ops.remove(ctx.s4, key, etag),
  };
}

/** `null` = known not to exist; `undefined` = not read yet. */
type Known<T> = T | null | undefined;

interface StepState<S, E> {
  s4: Known<S>;
  exchange: Known<E>;
  link: StoredLink | undefined;
  s4Key: string | undefined;
}

/**
 * One object in one mailbox, to a stable state: read what is missing, decide, resolve pending
 * creates by their marker, pass destructive actions through the safety valve, execute — and on a
 * concurrent change (ChangeKey or ETag), read again and decide again.
 */
export async function reconcileInMailbox<S extends { uuid: string; etag: string; partners: { businessPartner: string }[] }, E extends Appointment | Task>(
  env: ReconcileEnv, ops: AnyActivityOps, mailbox: MailboxInfo, initial: StepState<S, E>, lookupIn?: PartnerLookup): Promise<void> {
  const { ctx } = env;
  const kind = ops.kind as ItemKind;
  const address = { smtpAddress: mailbox.smtp };
  const connector = await ctx.connectorFor(mailbox);
  const state = { ...initial };
  let s4Searched = false;
  let exchangeSearched = false;
  let lookup = lookupIn;

  for (let round = 1; round <= MAX_ROUNDS; round++) {
    if (state.s4 === undefined) state.s4 = state.s4Key ? (await ops.get(ctx.s4, state.s4Key)) ?? null : null;
    if (state.exchange === undefined) {
      state.exchange = state.link?.exchangeId ? ((await connector.getItem(address, kind, state.link.exchangeId)) as E | undefined) ?? null : null;
      // Without a link, an item carrying our stamp is ours already (e.g. after switching EWS → Graph): adopt it, never duplicate.
      if (state.exchange === null && !state.link && state.s4) {
        state.exchange = ((await connector.findByStamp(address, kind, state.s4.uuid))[0] as E | undefined) ?? null;
      }
    }
    lookup ??= await buildLookup(ctx, state.s4 ? state.s4.partners.map((p) => p.businessPartner) : []);
    const now = (env.now?.() ?? new Date()).toISOString();
    let actions: SyncAction[] = ops.decide({
      settings: ctx.settings, lookup, now, mailbox: mailbox.smtp, mailboxPartnerId: mailbox.employeeBp ?? '',
      ...(state.s4 ? { s4: state.s4 } : {}), ...(state.exchange ? { exchange: state.exchange } : {}),
      ...(state.link ? { link: state.link } : {}), s4SearchedByMarker: s4Searched, exchangeSearchedByMarker: exchangeSearched,
    });

    const resolve = actions.find((a) => a.type === 'resolvePendingCreate');
    if (resolve) {
      if (resolve.side === 'exchange') {
        state.exchange = ((await connector.findByStamp(address, kind, resolve.marker))[0] as E | undefined) ?? null;
        exchangeSearched = true;
      } else {
        state.s4 = ((await ops.findByMarker(ctx.s4, resolve.marker))[0] as S | undefined) ?? null;
        s4Searched = true;
      }
      continue;
    }

    if (actions.some(isDestructive)) {
      const limits = ctx.settings.safetyValve;
      const counters = await withTenant(ctx.tenantId, (tx) => valveCounters(tx, mailbox.id, limits.windowMinutes), env.pool);
      actions = applySafetyValve(actions, limits, counters, now).actions;
    }

    try {
      await executeActions({
        pool: env.pool, tenantId: ctx.tenantId, kind, mailboxId: mailbox.id, mailbox: mailbox.smtp, connector,
        s4: s4Writer(ops, ctx, () => state.s4 ?? undefined), correlationId: env.correlationId, link: state.link,
        s4Etag: state.s4?.etag, s4Key: state.s4?.uuid, exchangeItemId: state.exchange?.id, exchangeChangeKey: state.exchange?.changeKey,
      }, actions);
      for (const action of actions) syncOutcomes.inc({ kind, outcome: action.journal.outcome });
      return;
    } catch (error) {
      if (!isTandemError(error, 'EXCHANGE_CONFLICT') && !isTandemError(error, 'S4_ETAG_MISMATCH')) throw error;
      // Someone changed the object while we decided: read both sides again and decide again.
      state.s4Key ??= state.s4?.uuid ?? state.link?.s4Key;
      state.s4 = undefined;
      state.exchange = undefined;
      state.link = await withTenant(ctx.tenantId, (tx) => state.s4Key
        ? linkByS4Key(tx, mailbox.id, mailbox.smtp, kind, state.s4Key)
        : state.link?.exchangeId ? linkByExchangeItem(tx, mailbox.id, mailbox.smtp, state.link.exchangeId) : Promise.resolve(undefined), env.pool);
      lookup = undefined;
    }
  }
  throw new TandemError('SYNC_LOCKED', `The ${kind} kept changing while being synced; will retry`, { retryable: true });
}

/** An S/4 event named an activity: bring every mailbox that holds or should hold it up to date. */
export async function reconcileS4Activity(env: ReconcileEnv, kind: 'appointment' | 'task', uuid: string): Promise<void> {
  const { ctx } = env;
  const ops = ACTIVITY_OPS[kind];
  const s4 = (await ops.get(ctx.s4, uuid)) ?? null;
  const links = await withTenant(ctx.tenantId, (tx) => linksOfS4Object(tx, kind, uuid, ctx.mailboxMap()), env.pool);
  const lookup = await buildLookup(ctx, s4 ? s4.partners.map((p: { businessPartner: string }) => p.businessPartner) : []);
  const targets = new Map<string, MailboxInfo>();
  for (const link of links) {
    const mailbox = ctx.byId(link.mailboxId);
    if (mailbox) targets.set(mailbox.id, mailbox);
  }
  if (s4) {
    for (const partnerId of ops.candidatePartners(s4, ctx.settings, lookup)) {
      const mailbox = ctx.byEmployee(partnerId);
      if (mailbox?.enabled && mailbox.kinds.includes(kind)) targets.set(mailbox.id, mailbox);
    }
  }
  for (const mailbox of targets.values()) {
    const link = links.find((l) => l.mailboxId === mailbox.id);
    await reconcileInMailbox(env, ops, mailbox, { s4, exchange: undefined, link, s4Key: uuid }, lookup);
  }
}

/**
 * Change tracking named an Outlook item (created, changed or deleted): reconcile it with its S/4
 * activity, or create one when the item qualifies for Exchange → S/4.
 */
export async function reconcileExchangeItem(env: ReconcileEnv, kind: 'appointment' | 'task', mailbox: MailboxInfo, itemId: string,
  item: Appointment | Task | null): Promise<void> {
  const { ctx } = env;
  const ops = ACTIVITY_OPS[kind];
  let link = await withTenant(ctx.tenantId, (tx) => linkByExchangeItem(tx, mailbox.id, mailbox.smtp, itemId), env.pool);
  // An item we wrote but whose link was lost or re-keyed (backend switch): find the link by the stamp's S/4 key.
  if (!link && item?.stamp) link = await withTenant(ctx.tenantId, (tx) => linkByS4Key(tx, mailbox.id, mailbox.smtp, kind, item.stamp!.s4Key), env.pool);
  if (!link && item === null) return; // deleted, and never ours: nothing to do
  // The item is exactly the version we last wrote or saw (same ChangeKey): this trigger is the echo
  // of our own write. S/4-side changes arrive with their own events, so there is nothing to read here.
  if (link?.state === 'linked' && item && link.changeKey === item.changeKey) {
    await withTenant(ctx.tenantId, (tx) => writeJournal(tx, ctx.tenantId, [{ correlationId: env.correlationId, mailboxId: mailbox.id, objectKind: kind,
      ...(link.s4Key ? { s4Key: link.s4Key } : {}), exchangeItemId: itemId, direction: 'none', outcome: 'echo', reason: 'echo.sameChangeKey' }]), env.pool);
    syncOutcomes.inc({ kind, outcome: 'echo' });
    return;
  }
  const s4Key = link?.s4Key ?? item?.stamp?.s4Key;
  await reconcileInMailbox(env, ops, mailbox, { s4: s4Key ? undefined : null, exchange: item, link, s4Key });
}
