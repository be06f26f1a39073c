import { applySelect, badRequest, GraphError, type EmuRequest, type EmuResponse } from './odata.js';
import type { GraphStore, Json, Mailbox } from './store.js';

/**
 * The directory part Tandem needs: "Get user" (learn.microsoft.com/graph/api/user-get) by object id
 * or userPrincipalName, and "List users" (learn.microsoft.com/graph/api/user-list) with
 * `$filter=mail eq '…'` (or userPrincipalName), both needing User.Read.All (or Directory.Read.All)
 * as application permission. An SMTP address that is not the UPN is not a key of /users/{id}.
 */
const READ_ROLES = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

function userJson(m: Mailbox): Json {
  return {
    '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
    id: m.id,
    userPrincipalName: m.userPrincipalName,
    mail: m.smtpAddress,
    displayName: m.smtpAddress.split('@')[0] ?? '',
  };
}

function requireRole(roles: string[]): void {
  if (!roles.some((r) => READ_ROLES.includes(r))) {
    throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
}

export function getUser(store: GraphStore, req: EmuRequest, idOrUpn: string, roles: string[]): EmuResponse {
  requireRole(roles);
  const mailbox = store.find(idOrUpn);
  if (!mailbox) {
    throw new GraphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${decodeURIComponent(idOrUpn)}' does not exist or one of its queried reference-property objects are not present.`,
    );
  }
  return { status: 200, body: applySelect(userJson(mailbox), req.query.get('$select')) };
}

/** `mail eq '…'` and `userPrincipalName eq '…'`, joined by `or`. */
function parseFilter(filter: string): Array<{ property: 'mail' | 'userPrincipalName'; value: string }> {
  return filter.split(/\s+or\s+/i).map((clause) => {
    const m = /^\s*(mail|userPrincipalName)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(clause);
    if (!m)
      throw badRequest(
        `Unsupported or invalid query filter clause specified for property '${clause.trim()}'.`,
        'Request_UnsupportedQuery',
      );
    return {
      property: m[1]!.toLowerCase() === 'mail' ? ('mail' as const) : ('userPrincipalName' as const),
      value: m[2]!.replace(/''/g, "'").toLowerCase(),
    };
  });
}

export function listUsers(store: GraphStore, req: EmuRequest, roles: string[]): EmuResponse {
  requireRole(roles);
  const filter = req.query.get('$filter');
  const clauses = filter ? parseFilter(filter) : undefined;
  const users = [...store.mailboxes.values()].filter(
    (m) => !clauses || clauses.some((c) => (c.property === 'mail' ? m.smtpAddress : m.userPrincipalName) === c.value),
  );
  return { status: 200, body: { value: users.map((m) => applySelect(userJson(m), req.query.get('$select'))) } };
}
