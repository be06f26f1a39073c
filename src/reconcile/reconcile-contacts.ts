import type { Contact } from '../connectors/exchange/types.js';
import type { S4BusinessPartner, S4Relationship } from '../connectors/s4/index.js';
import { isTandemError, TandemError } from '../errors/tandem-error.js';
import { syncOutcomes } from '../observability/metrics.js';
import { withTenant } from '../store/transaction.js';
import { contactsForEmployee, decideContact, type SyncAction } from '../sync/index.js';
import { executeActions } from './execute-actions.js';
import { linkByExchangeItem, linkByS4Key, linksOfMailbox, type StoredLink } from './link-store.js';
import type { ReconcileEnv } from './reconcile-env.js';
import { inReachableMailbox } from './reachable-mailbox.js';
import type { MailboxInfo } from './tenant-context.js';
import { executeThroughValve } from './valve-gate.js';

const MAX_ROUNDS = 4;

/** One contact person in one mailbox: S/4 → Exchange only (docs/sync-engine.md, "Contacts"). */
async function reconcileContactInMailbox(
  env: ReconcileEnv,
  mailbox: MailboxInfo,
  input: {
    bp: S4BusinessPartner | null;
    companyName: string | undefined;
    inScope: boolean;
    link: StoredLink | undefined;
    exchange?: Contact | null;
  },
): Promise<void> {
  const { ctx } = env;
  const address = { smtpAddress: mailbox.smtp };
  const connector = await ctx.connectorFor(mailbox);
  let exchange = input.exchange;
  let link = input.link;
  let searched = false;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    if (exchange === undefined) {
      exchange = link?.exchangeId ? ((await connector.getItem(address, 'contact', link.exchangeId)) ?? null) : null;
      // Not found under a known id: re-find our stamp (no link yet, or a link re-keyed by a move to
      // another environment — see reconcile-activity.ts). A contact really deleted in Outlook stays missing.
      const stampKey = link?.s4Key ?? input.bp?.id;
      if (exchange === null && stampKey && (input.bp || link?.exchangeId === undefined))
        exchange = (await connector.findByStamp(address, 'contact', stampKey))[0] ?? null;
    }
    const actions: SyncAction[] = decideContact({
      settings: ctx.settings,
      mailbox: mailbox.smtp,
      inScope: input.inScope,
      exchangeSearchedByMarker: searched,
      ...(input.bp ? { s4: input.bp } : {}),
      ...(input.companyName ? { companyName: input.companyName } : {}),
      ...(exchange ? { exchange } : {}),
      ...(link ? { link: link as never } : {}),
    }) as SyncAction[];
    const resolve = actions.find((a) => a.type === 'resolvePendingCreate');
    if (resolve) {
      exchange = (await connector.findByStamp(address, 'contact', resolve.marker))[0] ?? null;
      searched = true;
      continue;
    }
    try {
      const executed = await executeThroughValve(env, mailbox, actions, (passed) =>
        executeActions(
          {
            pool: env.pool,
            tenantId: ctx.tenantId,
            kind: 'contact',
            mailboxId: mailbox.id,
            mailbox: mailbox.smtp,
            connector,
            s4: undefined,
            correlationId: env.correlationId,
            link,
            s4Etag: input.bp?.changedAt,
            s4Key: input.bp?.id,
            exchangeItemId: exchange?.id,
            exchangeChangeKey: exchange?.changeKey,
          },
          passed,
        ),
      );
      for (const action of executed) syncOutcomes.inc({ kind: 'contact', outcome: action.journal.outcome });
      return;
    } catch (error) {
      if (!isTandemError(error, 'EXCHANGE_CONFLICT') && !isTandemError(error, 'SYNC_LOCKED')) throw error;
      exchange = undefined;
      link = input.bp
        ? await withTenant(
            ctx.tenantId,
            (tx) => linkByS4Key(tx, mailbox.id, mailbox.smtp, 'contact', input.bp!.id),
            env.pool,
          )
        : link;
    }
  }
  throw new TandemError('SYNC_LOCKED', 'The contact kept changing while being synced; will retry', { retryable: true });
}

/**
 * Brings a user's contacts folder in line with S/4: the contact persons reachable through the
 * employee's relationships (directly, or through a customer to all its contact persons) are
 * added or updated; linked ones no longer reachable are removed (only items carrying our stamp).
 */
export async function reconcileEmployeeContacts(env: ReconcileEnv, mailbox: MailboxInfo): Promise<void> {
  const { ctx } = env;
  if (!mailbox.employeeBp || !mailbox.kinds.includes('contact')) return;
  const s = ctx.settings.contacts;
  // The relationship types of the triggers switched on (one read when both use the same type).
  const types = new Set([s.viaContactPerson, s.viaCustomer].filter((t) => t.enabled).map((t) => t.relationship));
  const relationships: S4Relationship[] = [];
  for (const type of types) relationships.push(...(await ctx.s4.listEmployeeRelationships(mailbox.employeeBp, type)));
  const partners = new Map<string, S4BusinessPartner>();
  for (const r of relationships) {
    const other = r.bp1 === mailbox.employeeBp ? r.bp2 : r.bp1;
    const bp = await ctx.partner(other);
    if (!bp) continue;
    partners.set(bp.id, bp);
    if (bp.category === 'organization' && s.viaCustomer.enabled && r.category === s.viaCustomer.relationship) {
      for (const person of await ctx.s4.listContactPersons(bp.id, s.customerContactRelationship)) {
        partners.set(person.id, person);
        relationships.push({ bp1: person.id, bp2: bp.id, category: s.customerContactRelationship });
      }
    }
  }
  const desired = contactsForEmployee(mailbox.employeeBp, relationships, partners, s, new Date().toISOString());
  const links = await withTenant(
    ctx.tenantId,
    (tx) => linksOfMailbox(tx, mailbox.id, mailbox.smtp, 'contact'),
    env.pool,
  );
  for (const [id, want] of desired) {
    const bp = partners.get(id)!;
    const company = want.companyId ? partners.get(want.companyId)?.organizationName : undefined;
    await reconcileContactInMailbox(env, mailbox, {
      bp,
      companyName: company,
      inScope: true,
      link: links.find((l) => l.s4Key === id),
    });
  }
  for (const link of links) {
    if (!link.s4Key || desired.has(link.s4Key) || link.state === 'detached') continue;
    const bp = (await ctx.partner(link.s4Key)) ?? null;
    await reconcileContactInMailbox(env, mailbox, { bp, companyName: undefined, inScope: false, link });
  }
}

/** A business partner changed in S/4: update every mailbox's copy of it. */
export async function reconcileBusinessPartner(env: ReconcileEnv, bpId: string): Promise<void> {
  const { ctx } = env;
  const bp = (await ctx.s4.getBusinessPartner(bpId)) ?? null;
  for (const mailbox of ctx.mailboxes) {
    const link = await withTenant(
      ctx.tenantId,
      (tx) => linkByS4Key(tx, mailbox.id, mailbox.smtp, 'contact', bpId),
      env.pool,
    );
    if (!link || link.state === 'detached') continue;
    await inReachableMailbox(env, mailbox, () =>
      reconcileContactInMailbox(env, mailbox, { bp, companyName: undefined, inScope: bp !== null, link }),
    );
  }
}

/**
 * A relationship changed. When one side is a Tandem user's employee BP, that user's contacts are
 * recomputed; a customer ↔ contact person relationship can concern any user, so all users with
 * contacts enabled are recomputed (bounded by the tenant's user count).
 */
export async function reconcileRelationshipChange(env: ReconcileEnv, bp1: string, bp2: string): Promise<void> {
  const direct = env.ctx.mailboxes.filter((m) => m.employeeBp === bp1 || m.employeeBp === bp2);
  const affected = direct.length ? direct : env.ctx.mailboxes.filter((m) => m.kinds.includes('contact'));
  for (const mailbox of affected) await inReachableMailbox(env, mailbox, () => reconcileEmployeeContacts(env, mailbox));
}

/** Change tracking named a contact in Tandem's folder: Outlook edits stay, deletes leave a tombstone. */
export async function reconcileExchangeContact(
  env: ReconcileEnv,
  mailbox: MailboxInfo,
  itemId: string,
  item: Contact | null,
): Promise<void> {
  const { ctx } = env;
  let link = await withTenant(ctx.tenantId, (tx) => linkByExchangeItem(tx, mailbox.id, mailbox.smtp, itemId), env.pool);
  if (!link && item?.stamp)
    link = await withTenant(
      ctx.tenantId,
      (tx) => linkByS4Key(tx, mailbox.id, mailbox.smtp, 'contact', item.stamp!.s4Key),
      env.pool,
    );
  if (!link?.s4Key) return; // contacts flow S/4 → Exchange only; an unlinked Outlook contact is the user's own
  const bp = (await ctx.partner(link.s4Key)) ?? null;
  await reconcileContactInMailbox(env, mailbox, {
    bp,
    companyName: undefined,
    inScope: link.state === 'linked',
    link,
    exchange: item,
  });
}
