import type { ItemKind } from './model/exchange-items.js';

/**
 * What the engine needs to know about business partners it meets in partner lists, handed in by
 * the worker (read from S/4 and the tenant's user table). The engine itself never looks anything up.
 */
export interface PartnerInfo {
  id: string;
  email?: string;
  name?: string;
  isEmployee: boolean;
  /** Present when the partner is an employee enabled as a Tandem user. */
  user?: { mailbox: string; kinds: ItemKind[]; timeZone?: string };
}

export interface PartnerLookup {
  byId(id: string): PartnerInfo | undefined;
  byEmail(email: string): PartnerInfo | undefined;
}

export function partnerLookup(partners: PartnerInfo[]): PartnerLookup {
  const ids = new Map(partners.map((p) => [p.id, p]));
  const emails = new Map<string, PartnerInfo>();
  for (const p of partners) {
    for (const e of [p.email, p.user?.mailbox]) if (e && !emails.has(e.toLowerCase())) emails.set(e.toLowerCase(), p);
  }
  return { byId: (id) => ids.get(id), byEmail: (e) => emails.get(e.trim().toLowerCase()) };
}

/** Looks in `first`, then in `second`: the tenant's users (built once) before one object's partners. */
export function layeredLookup(first: PartnerLookup, second: PartnerLookup): PartnerLookup {
  return { byId: (id) => first.byId(id) ?? second.byId(id), byEmail: (e) => first.byEmail(e) ?? second.byEmail(e) };
}

/** Canonical token for a partner that has no e-mail address and so cannot appear in Outlook. */
export function partnerToken(id: string): string {
  return `bp:${id}`;
}

export function isPartnerToken(s: string): boolean {
  return s.startsWith('bp:');
}
