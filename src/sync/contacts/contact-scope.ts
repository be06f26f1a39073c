import type { S4BusinessPartner, S4Relationship } from '../model/s4-objects.js';
import type { ContactSettings } from '../settings.js';

/**
 * Which contact persons belong in an employee's mailbox: two independent triggers, each with its
 * own switch and relationship type (both default BUR011) — a relationship from the employee's BP
 * to a contact person puts that person in (`viaContactPerson`); one to a customer puts all the
 * customer's contact persons (relationship type default BUR001) in (`viaCustomer`).
 * Relationships are read in either direction and only while valid.
 */
export interface DesiredContact {
  id: string;
  /** The customer whose contact person this is, for the company name. */
  companyId?: string;
  /** Why it is in the mailbox: 'direct' or 'viaCustomer'. */
  via: 'direct' | 'viaCustomer';
}

function validOn(r: S4Relationship, today: string): boolean {
  const from = r.validFrom?.slice(0, 10);
  const to = r.validTo?.slice(0, 10);
  return (!from || from <= today) && (!to || to >= today);
}

function other(r: S4Relationship, id: string): string | undefined {
  if (r.bp1 === id) return r.bp2;
  if (r.bp2 === id) return r.bp1;
  return undefined;
}

export function contactsForEmployee(
  employeeId: string,
  relationships: readonly S4Relationship[],
  partners: ReadonlyMap<string, S4BusinessPartner>,
  s: ContactSettings,
  now: string,
): Map<string, DesiredContact> {
  const today = now.slice(0, 10);
  const valid = relationships.filter((r) => validOn(r, today));
  const out = new Map<string, DesiredContact>();
  if (!s.enabled) return out;
  const isContactPerson = (id: string) => {
    const bp = partners.get(id);
    return bp !== undefined && bp.category === 'person' && !bp.isEmployee;
  };
  const companyOf = (personId: string) =>
    valid
      .filter((r) => r.category === s.customerContactRelationship)
      .map((r) => other(r, personId))
      .find((id) => id !== undefined && partners.get(id)?.category === 'organization');

  for (const r of valid) {
    const target = other(r, employeeId);
    if (!target) continue;
    const bp = partners.get(target);
    if (!bp) continue;
    // Two triggers, each with its own switch and relationship type: to a customer, to a contact person.
    const trigger = bp.category === 'organization' ? s.viaCustomer : s.viaContactPerson;
    if (!trigger.enabled || r.category !== trigger.relationship) continue;
    if (bp.category === 'organization') {
      for (const cr of valid) {
        if (cr.category !== s.customerContactRelationship) continue;
        const person = other(cr, target);
        if (person && isContactPerson(person) && !out.has(person))
          out.set(person, { id: person, companyId: target, via: 'viaCustomer' });
      }
    } else if (isContactPerson(target)) {
      const company = companyOf(target);
      out.set(target, { id: target, ...(company ? { companyId: company } : {}), via: 'direct' });
    }
  }
  return out;
}

export interface ContactDiff {
  add: string[];
  keep: string[];
  remove: string[];
}

/** Desired contact ids vs the ids linked in the mailbox. */
export function diffContacts(desired: Iterable<string>, linked: Iterable<string>): ContactDiff {
  const want = new Set(desired);
  const have = new Set(linked);
  return {
    add: [...want].filter((id) => !have.has(id)).sort(),
    keep: [...want].filter((id) => have.has(id)).sort(),
    remove: [...have].filter((id) => !want.has(id)).sort(),
  };
}
