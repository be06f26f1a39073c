import type { S4BusinessPartner } from '../connectors/s4/index.js';
import type { Pool } from '../store/pool.js';
import { layeredLookup, partnerLookup, type PartnerInfo, type PartnerLookup } from '../sync/index.js';
import type { ActivityKind, ActivityKindOps, S4Activity, S4ActivityWrite } from './activity-kinds.js';
import type { S4Writer } from './execute-actions.js';
import type { TenantContext } from './tenant-context.js';

/**
 * What every reconciliation works with (activities, series, attachments, contacts, the safety
 * valve): the environment of one run, the engine's partner lookup, and the S/4 writes of a kind.
 */

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
export async function buildLookup(
  ctx: TenantContext,
  partnerIds: Iterable<string>,
  attendeeEmails: Iterable<string> = [],
): Promise<PartnerLookup> {
  const users = ctx.userLookup();
  const infos = new Map<string, PartnerInfo>();
  const add = (bp: S4BusinessPartner, email?: string) => {
    const name =
      bp.category === 'organization' ? bp.organizationName : [bp.firstName, bp.lastName].filter(Boolean).join(' ');
    const address = email ?? bp.emails[0];
    infos.set(bp.id, {
      id: bp.id,
      isEmployee: bp.isEmployee,
      ...(address ? { email: address } : {}),
      ...(name ? { name } : {}),
    });
  };
  for (const id of new Set(partnerIds)) {
    if (users.byId(id)) continue;
    const bp = await ctx.partner(id);
    if (bp) add(bp);
  }
  // Outlook attendees who are no Tandem user: the S/4 person with that e-mail address, where one exists.
  const known = new Set([...infos.values()].map((i) => i.email?.toLowerCase()));
  for (const email of new Set([...attendeeEmails].map((e) => e.toLowerCase()))) {
    if (known.has(email) || users.byEmail(email)) continue;
    const bp = await ctx.personByEmail(email);
    if (bp && !users.byId(bp.id)) add(bp, email);
  }
  return layeredLookup(users, partnerLookup([...infos.values()]));
}

export function s4Writer<K extends ActivityKind>(
  ops: ActivityKindOps<K>,
  ctx: TenantContext,
  current: () => S4Activity<K> | undefined,
): S4Writer {
  // The engine's S/4 actions for an object of kind K carry K's write instruction.
  return {
    create: (write) => ops.create(ctx.s4, write as S4ActivityWrite<K>),
    update: (key, etag, write) => ops.update(ctx.s4, key, etag, write as S4ActivityWrite<K>, current()),
    setStatus: (key, etag, status) => ops.setStatus(ctx.s4, key, etag, status),
    remove: (key, etag) => ops.remove(ctx.s4, key, etag),
  };
}
