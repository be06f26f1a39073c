import { createS4Client, type S4Client } from '../connectors/s4/index.js';
import type { S4BusinessPartner } from '../connectors/s4/types.js';
import { TandemError } from '../errors/tandem-error.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Pool } from '../store/pool.js';
import { withTenant } from '../store/transaction.js';
import { s4TargetOf } from '../tenants/s4-connection.js';

/** Who a Tandem user is in S/4: the employee business partner, and the S/4 user when known. */
export interface EmployeeIdentity {
  employeeBp: string;
  s4User: string | undefined;
}

/** What user changes need of S/4: the identity behind an S/4 user and/or employee BP, or a VALIDATION_FAILED error. */
export interface EmployeeResolver {
  resolve(input: { s4User?: string | undefined; employeeBp?: string | undefined }): Promise<EmployeeIdentity>;
}

/**
 * Checks the S/4 identity given for a user against S/4 before the user is saved, so a user who
 * would sync nothing is refused at input instead of silently doing nothing:
 * - an employee business partner must exist and have the employee role (BUP003);
 * - an S/4 user name alone is resolved to the employee BP whose identification of type ZUSER holds
 *   it (API_BUSINESS_PARTNER, entity A_BuPaIdentification: BPIdentificationType /
 *   BPIdentificationNumber — the user assignment an S/4 employee BP carries; the type is the
 *   customer's, 'ZUSER' by default);
 * - both given must name the same person.
 * Answers are cached for the directory's lifetime (one request or one import file).
 */
export class EmployeeDirectory implements EmployeeResolver {
  private readonly byBp = new Map<string, Promise<S4BusinessPartner | undefined>>();
  private readonly byUser = new Map<string, Promise<S4BusinessPartner | undefined>>();

  constructor(private readonly s4: S4Client) {}

  async resolve(input: { s4User?: string | undefined; employeeBp?: string | undefined }): Promise<EmployeeIdentity> {
    const user = input.s4User?.trim().toUpperCase() || undefined;
    if (input.employeeBp) {
      const bp = await this.partner(input.employeeBp);
      if (!bp) throw invalid('employeeBp', `business partner ${input.employeeBp} does not exist in S/4HANA`);
      if (!bp.isEmployee)
        throw invalid(
          'employeeBp',
          `business partner ${input.employeeBp} is not an employee in S/4HANA (no role BUP003)`,
        );
      if (user && bp.userId && bp.userId.toUpperCase() !== user) {
        throw invalid(
          's4User',
          `S/4 user ${user} does not belong to business partner ${input.employeeBp} (its user is ${bp.userId})`,
        );
      }
      return { employeeBp: bp.id, s4User: user ?? bp.userId };
    }
    if (!user) throw invalid('employeeBp', 'give the S/4 user or the employee business partner');
    const bp = await this.employeeOf(user);
    if (!bp)
      throw invalid('s4User', `no employee business partner in S/4HANA has the user ${user} (BP identification)`);
    return { employeeBp: bp.id, s4User: user };
  }

  private partner(id: string): Promise<S4BusinessPartner | undefined> {
    let found = this.byBp.get(id);
    if (!found) this.byBp.set(id, (found = this.s4.getBusinessPartner(id)));
    return found;
  }

  private employeeOf(user: string): Promise<S4BusinessPartner | undefined> {
    let found = this.byUser.get(user);
    if (!found) this.byUser.set(user, (found = this.s4.findEmployeeByUser(user)));
    return found;
  }
}

function invalid(field: 's4User' | 'employeeBp', message: string): TandemError {
  return new TandemError('VALIDATION_FAILED', `${field}: ${message}`, {
    fieldErrors: [{ path: `body.${field}`, message }],
  });
}

// One S/4 client per tenant and connection (clients hold keep-alive connections; users are added in bursts).
const clients = new Map<string, { key: string; client: S4Client }>();

/** The directory of a tenant, over its configured S/4 connection (none configured: S4_DESTINATION_NOT_FOUND — users cannot be checked). */
export async function employeeDirectoryFor(
  pool: Pool,
  tenantId: string,
  secretBox: SecretBox,
): Promise<EmployeeDirectory> {
  const target = await withTenant(tenantId, (tx) => s4TargetOf(tx, tenantId, secretBox), pool);
  const key = JSON.stringify(target);
  let cached = clients.get(tenantId);
  if (!cached || cached.key !== key) {
    cached = { key, client: createS4Client(target, { resilience: { timeoutMs: 15_000, readRetries: 1 } }) };
    clients.set(tenantId, cached);
  }
  return new EmployeeDirectory(cached.client);
}

/** A directory created on first use: a change that leaves the S/4 identity alone needs no S/4 connection. */
export function lazyDirectory(create: () => Promise<EmployeeResolver>): EmployeeResolver {
  let directory: Promise<EmployeeResolver> | undefined;
  return { resolve: async (input) => (await (directory ??= create())).resolve(input) };
}
