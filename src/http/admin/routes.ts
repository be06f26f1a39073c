import type { Router } from 'express';
import {
  createEnvironment,
  getEnvironment,
  listEnvironments,
  removeEnvironment,
  updateEnvironment,
} from '../../environments/environment-repository.js';
import { environmentInput, environmentView } from '../../environments/environment-schema.js';
import { retryDeadLetter } from '../../inbox/dead-letters.js';
import { backlogStats, lastEventPerSource, listDeadLetters } from '../../inbox/inbox-repository.js';
import { hourlyActivity, journalQuerySchema, queryJournal, JOURNAL_OUTCOMES } from '../../journal/journal.js';
import { importMailboxesCsv, importRowResult } from '../../mailboxes/csv-import.js';
import { employeeDirectoryFor, lazyDirectory } from '../../mailboxes/employee-directory.js';
import { enqueueInitialLoads } from '../../mailboxes/initial-load-request.js';
import {
  BULK_MOVE_BATCH,
  checkBulkMove,
  journalBulkMove,
  moveEnvironmentUsersBatch,
} from '../../mailboxes/environment-move.js';
import {
  countMailboxesByStatus,
  getMailbox,
  listMailboxes,
  removeMailbox,
} from '../../mailboxes/mailbox-repository.js';
import { endSubscriptionsOfUser } from '../../subscriptions/end-subscriptions.js';
import { subscriptionCounts } from '../../subscriptions/subscription-repository.js';
import { userLifecycle } from '../../mailboxes/user-lifecycle.js';
import { mailboxInput, mailboxListQuery, mailboxPatch, mailboxView } from '../../mailboxes/mailbox-schema.js';
import type { Queues } from '../../queue/queues.js';
import { issueCallbackCredential } from '../../security/callback-credentials.js';
import { listCallbackCredentials, revokeCallbackCredential } from '../../security/secret-repository.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { Pool } from '../../store/pool.js';
import { withTenant, type Tx } from '../../store/transaction.js';
import { TandemError } from '../../errors/tandem-error.js';
import { z } from '../../validation/zod.js';
import type { TokenVerifier } from '../auth/authenticate.js';
import { API_BASE, buildOpenApiDocument, defineRoute, mountRoutes, type AnyApiRoute } from './api-route.js';
import { syncAdminRoutes } from './sync-routes.js';
import type { Redis } from 'ioredis';
import type { InboxWriter } from '../../inbox/inbox-writer.js';

export interface AdminDeps {
  pool: Pool;
  secretBox: SecretBox;
  /** Producers enqueue through queues.lanes (fair between tenants). */
  queues: Pick<Queues, 'inbox' | 'lanes'>;
  verifyToken: TokenVerifier;
  redis: Redis;
  inbox: InboxWriter;
  /** Redis key prefix of this deployment (limits used by the Test button's connector). */
  keyPrefix: string;
}

const idParams = z.object({ id: z.uuid() });

const bulkMoveInput = z
  .object({ to: z.uuid().describe('The environment the users move to, e.g. the new Microsoft Graph environment') })
  .openapi('BulkMoveInput');
const bulkMoveResult = z
  .object({
    from: z.uuid(),
    to: z.uuid(),
    fromKind: z.string(),
    toKind: z.string(),
    moved: z.number().int().describe('Users moved'),
    initialLoadsQueued: z.number().int().describe('Full resyncs queued (enabled users with an employee)'),
  })
  .openapi('BulkMoveResult');
const page = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), total: z.number().int() }).openapi(name);
const READ = ['Admin', 'Support'] as const;

const journalEntry = z
  .object({
    id: z.number().int(),
    tenantId: z.string(),
    at: z.string(),
    correlationId: z.string().optional(),
    mailboxId: z.string().optional(),
    objectKind: z.string().optional(),
    s4Key: z.string().optional(),
    exchangeItemId: z.string().optional(),
    direction: z.string().optional(),
    outcome: z.enum(JOURNAL_OUTCOMES),
    reason: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('JournalEntry');

const deadLetter = z
  .object({
    id: z.number().int(),
    source: z.string(),
    eventId: z.string(),
    type: z.string(),
    subject: z.string(),
    correlationId: z.string(),
    attempts: z.number().int(),
    lastError: z.unknown(),
    receivedAt: z.string(),
  })
  .openapi('DeadLetter');

const credentialSummary = z
  .object({
    id: z.uuid(),
    username: z.string(),
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('CallbackCredential');
const issuedCredential = z
  .object({
    id: z.uuid(),
    username: z.string(),
    password: z.string().describe('Shown once; store it in the SM59 destination now'),
    createdAt: z.string(),
  })
  .openapi('IssuedCallbackCredential');

const statusView = z
  .object({
    mailboxes: z.record(z.string(), z.number().int()).describe('Users by status'),
    backlog: z.object({
      pending: z.number().int(),
      processing: z.number().int(),
      dead: z.number().int(),
      oldestPendingAt: z.string().nullable(),
    }),
    lastEvents: z
      .record(z.string(), z.string().nullable())
      .describe('Newest accepted event by source (s4, ews, graph)'),
    subscriptions: z.object({
      active: z.number().int(),
      pending: z.number().int(),
      stale: z.number().int().describe('Active but without a notification or heartbeat for too long'),
    }),
    activity: z
      .array(z.object({ hour: z.string(), outcome: z.string(), count: z.number().int() }))
      .describe('Journal outcomes per hour, last 24 hours'),
  })
  .openapi('SyncStatus');

/** Runs `fn` in a transaction scoped to the tenant (row-level security sees only its rows). */
type TenantTx = <T>(tenantId: string, fn: Parameters<typeof withTenant<T>>[1]) => Promise<T>;

/** The admin API: one group of routes per feature, each a thin edge over that feature's repository. */
export function adminRouteDefinitions(deps: AdminDeps): AnyApiRoute[] {
  const tenantTx: TenantTx = (tenantId, fn) => withTenant(tenantId, fn, deps.pool);
  return [
    ...environmentRoutes(deps, tenantTx),
    ...userRoutes(deps, tenantTx),
    ...callbackCredentialRoutes(tenantTx),
    ...journalRoutes(tenantTx),
    ...deadLetterRoutes(deps, tenantTx),
    ...statusRoutes(tenantTx),
    ...syncAdminRoutes(deps),
  ];
}

/** Exchange environments: list, add, read, change, remove. */
function environmentRoutes(deps: AdminDeps, tenantTx: TenantTx): AnyApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/environments',
      tag: 'Exchange environments',
      summary: 'List Exchange environments',
      scopes: [...READ],
      response: z.object({ items: z.array(environmentView) }),
      handler: async ({ principal }) => ({
        items: await tenantTx(principal.tenantId, (tx) => listEnvironments(tx, deps.secretBox)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/environments',
      tag: 'Exchange environments',
      summary: 'Add an Exchange environment',
      scopes: ['Admin'],
      body: environmentInput,
      response: environmentView,
      status: 201,
      handler: ({ principal, body }) =>
        tenantTx(principal.tenantId, (tx) => createEnvironment(tx, deps.secretBox, principal.tenantId, body)),
    }),
    defineRoute({
      method: 'get',
      path: '/environments/:id',
      tag: 'Exchange environments',
      summary: 'One Exchange environment',
      scopes: [...READ],
      params: idParams,
      response: environmentView,
      handler: ({ principal, params }) =>
        tenantTx(principal.tenantId, (tx) => getEnvironment(tx, deps.secretBox, params.id)),
    }),
    defineRoute({
      method: 'put',
      path: '/environments/:id',
      tag: 'Exchange environments',
      summary: 'Change an Exchange environment (secrets left out stay set unless an endpoint or authority changes)',
      scopes: ['Admin'],
      params: idParams,
      body: environmentInput,
      response: environmentView,
      handler: ({ principal, params, body }) =>
        tenantTx(principal.tenantId, (tx) => updateEnvironment(tx, deps.secretBox, params.id, body)),
    }),
    defineRoute({
      method: 'post',
      path: '/environments/:id/move-users',
      tag: 'Exchange environments',
      summary:
        'Move every user of this environment to another one (e.g. ews-online to Graph before EWS ends): each as PATCH /users/{id} with environmentId moves one, with its full resync queued',
      scopes: ['Admin'],
      params: idParams,
      body: bulkMoveInput,
      response: bulkMoveResult,
      handler: async ({ principal, params, body }) => {
        const move = { from: params.id, to: body.to, by: principal.user };
        const checked = await tenantTx(principal.tenantId, (tx) => checkBulkMove(tx, move));
        let moved = 0;
        let initialLoadsQueued = 0;
        // Batches of BULK_MOVE_BATCH users per transaction; each batch's resyncs are queued after its commit.
        for (;;) {
          const batch = await tenantTx(principal.tenantId, (tx) =>
            moveEnvironmentUsersBatch(tx, principal.tenantId, move),
          );
          await enqueueInitialLoads(deps.queues.lanes, batch.initialLoads);
          moved += batch.moved;
          initialLoadsQueued += batch.initialLoads.length;
          if (batch.moved < BULK_MOVE_BATCH) break;
        }
        const result = {
          from: move.from,
          to: move.to,
          fromKind: checked.fromKind,
          toKind: checked.toKind,
          moved,
          initialLoadsQueued,
        };
        await tenantTx(principal.tenantId, (tx) =>
          journalBulkMove(tx, principal.tenantId, { ...result, by: principal.user }),
        );
        return result;
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/environments/:id',
      tag: 'Exchange environments',
      summary: 'Remove an unused Exchange environment',
      scopes: ['Admin'],
      params: idParams,
      response: z.void(),
      status: 204,
      handler: ({ principal, params }) => tenantTx(principal.tenantId, (tx) => removeEnvironment(tx, params.id)),
    }),
  ];
}

/** Users (their mailboxes): search, add, CSV import, read, change, remove. */
function userRoutes(deps: AdminDeps, tenantTx: TenantTx): AnyApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/users',
      tag: 'Users',
      summary: 'Search, filter and page users',
      scopes: [...READ],
      query: mailboxListQuery,
      response: page(mailboxView, 'UserPage'),
      handler: ({ principal, query }) => tenantTx(principal.tenantId, (tx) => listMailboxes(tx, query)),
    }),
    defineRoute({
      method: 'post',
      path: '/users',
      tag: 'Users',
      summary: "Add a user (mailbox); an enabled user's initial load starts at once (progress in initialLoad)",
      scopes: ['Admin'],
      body: mailboxInput,
      response: mailboxView,
      status: 201,
      handler: async ({ principal, body }) => {
        // Checked against S/4 before the transaction: a user S/4 does not know would sync nothing.
        const identity = await (
          await employeeDirectoryFor(deps.pool, principal.tenantId, deps.secretBox)
        ).resolve(body);
        const change = await tenantTx(principal.tenantId, (tx) =>
          userLifecycle.add(tx, principal.tenantId, body, identity, principal.user),
        );
        if (change.initialLoad) await enqueueInitialLoads(deps.queues.lanes, [change.initialLoad]);
        return change.user;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/users/import',
      tag: 'Users',
      summary: 'Import users from CSV; a report per row',
      scopes: ['Admin'],
      body: z.string().min(1, 'the file is empty'),
      bodyContentType: 'text/csv',
      response: z.object({
        created: z.number().int(),
        updated: z.number().int(),
        failed: z.number().int(),
        rows: z.array(importRowResult),
      }),
      handler: async ({ principal, body }) => {
        const employees = await employeeDirectoryFor(deps.pool, principal.tenantId, deps.secretBox);
        const { rows, initialLoads } = await tenantTx(principal.tenantId, (tx) =>
          importMailboxesCsv(tx, principal.tenantId, body, employees, principal.user),
        );
        await enqueueInitialLoads(deps.queues.lanes, initialLoads);
        return {
          created: rows.filter((r) => r.outcome === 'created').length,
          updated: rows.filter((r) => r.outcome === 'updated').length,
          failed: rows.filter((r) => r.outcome === 'error').length,
          rows,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/users/:id',
      tag: 'Users',
      summary: 'One user with status and initial-load progress',
      scopes: [...READ],
      params: idParams,
      response: mailboxView,
      handler: ({ principal, params }) => tenantTx(principal.tenantId, (tx) => getMailbox(tx, params.id)),
    }),
    defineRoute({
      method: 'patch',
      path: '/users/:id',
      tag: 'Users',
      summary:
        'Enable/disable a user or an object type, or move the user to another Exchange environment (enabling starts the initial load)',
      scopes: ['Admin'],
      params: idParams,
      body: mailboxPatch,
      response: mailboxView,
      handler: async ({ principal, params, body }) => {
        const employees = lazyDirectory(() => employeeDirectoryFor(deps.pool, principal.tenantId, deps.secretBox));
        const change = await tenantTx(principal.tenantId, (tx) =>
          userLifecycle.change(tx, principal.tenantId, params.id, body, employees, principal.user),
        );
        if (change.initialLoad) await enqueueInitialLoads(deps.queues.lanes, [change.initialLoad]);
        return change.user;
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/users/:id',
      tag: 'Users',
      summary: 'Remove a user: their Exchange subscriptions are deleted; items stay in the mailbox',
      scopes: ['Admin'],
      params: idParams,
      response: z.void(),
      status: 204,
      handler: async ({ principal, params }) => {
        await endSubscriptionsOfUser(deps, principal.tenantId, params.id);
        await tenantTx(principal.tenantId, (tx) => removeMailbox(tx, params.id));
      },
    }),
  ];
}

/** The credentials S/4 posts its events with. */
function callbackCredentialRoutes(tenantTx: TenantTx): AnyApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/callback-credentials',
      tag: 'S/4 callback credentials',
      summary: 'Credentials S/4 uses to post events',
      scopes: ['Admin'],
      response: z.object({ items: z.array(credentialSummary) }),
      handler: async ({ principal }) => ({
        items: await tenantTx(principal.tenantId, (tx) => listCallbackCredentials(tx)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/callback-credentials',
      tag: 'S/4 callback credentials',
      summary: 'Issue a credential (the password is shown once; two may be active)',
      scopes: ['Admin'],
      response: issuedCredential,
      status: 201,
      handler: ({ principal }) =>
        tenantTx(principal.tenantId, (tx) => issueCallbackCredential(tx, principal.tenantId, principal.user)),
    }),
    defineRoute({
      method: 'delete',
      path: '/callback-credentials/:id',
      tag: 'S/4 callback credentials',
      summary: 'Revoke a credential',
      scopes: ['Admin'],
      params: idParams,
      response: z.void(),
      status: 204,
      handler: async ({ principal, params }) => {
        if (!(await tenantTx(principal.tenantId, (tx) => revokeCallbackCredential(tx, params.id))))
          throw new TandemError('NOT_FOUND', 'No active credential with this id');
      },
    }),
  ];
}

/** The journal: every sync decision with its outcome and reason. */
function journalRoutes(tenantTx: TenantTx): AnyApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/journal',
      tag: 'Journal',
      summary: 'What happened to items: filter by mailbox, object, item, correlation id, outcome, time',
      scopes: [...READ],
      query: journalQuerySchema,
      response: z
        .object({ items: z.array(journalEntry), nextBefore: z.number().int().optional() })
        .openapi('JournalPage'),
      handler: ({ principal, query }) => tenantTx(principal.tenantId, (tx) => queryJournal(tx, query)),
    }),
  ];
}

/** Dead letters: list and retry. */
function deadLetterRoutes(deps: AdminDeps, tenantTx: TenantTx): AnyApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/dead-letters',
      tag: 'Dead letters',
      summary: 'Events that failed for good',
      scopes: [...READ],
      query: z.object({
        limit: z.coerce.number().int().min(1).max(200).default(50),
        offset: z.coerce.number().int().min(0).default(0),
      }),
      response: page(deadLetter, 'DeadLetterPage'),
      handler: async ({ principal, query }) => {
        const result = await tenantTx(principal.tenantId, (tx) => listDeadLetters(tx, query));
        return {
          total: result.total,
          items: result.items.map((row) => ({
            id: row.id,
            source: row.source,
            eventId: row.eventId,
            type: row.type,
            subject: row.subject,
            correlationId: row.correlationId,
            attempts: row.attempts,
            lastError: row.lastError,
            receivedAt: row.receivedAt.toISOString(),
          })),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/dead-letters/:id/retry',
      tag: 'Dead letters',
      summary: 'Retry a dead letter',
      scopes: ['Admin'],
      params: z.object({ id: z.coerce.number().int().positive() }),
      response: z.object({ id: z.number().int(), status: z.string() }),
      status: 202,
      handler: async ({ principal, params }) => {
        const row = await retryDeadLetter(deps.pool, deps.queues, principal.tenantId, params.id);
        return { id: row.id, status: row.status };
      },
    }),
  ];
}

/** The tenant's sync health at a glance. */
function statusRoutes(tenantTx: TenantTx): AnyApiRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/status',
      tag: 'Status',
      summary: 'Sync health of the tenant: users, backlog, last events, subscriptions, activity',
      scopes: [...READ],
      response: statusView,
      handler: ({ principal }) => tenantTx(principal.tenantId, readStatus),
    }),
  ];
}

/** The status page's figures, read in one tenant-scoped transaction. */
async function readStatus(tx: Tx): Promise<z.infer<typeof statusView>> {
  const [mailboxes, backlog, lastEvents, subscriptions, activity] = await Promise.all([
    countMailboxesByStatus(tx),
    backlogStats(tx),
    lastEventPerSource(tx),
    subscriptionCounts(tx),
    hourlyActivity(tx),
  ]);
  return {
    mailboxes,
    backlog: {
      ...backlog,
      oldestPendingAt: backlog.oldestPendingAt ? new Date(backlog.oldestPendingAt).toISOString() : null,
    },
    lastEvents: Object.fromEntries(
      ['s4', 'ews', 'graph'].map((source) => [source, lastEvents.get(source)?.toISOString() ?? null]),
    ),
    subscriptions,
    activity: activity.map((r) => ({ hour: r.hour.toISOString(), outcome: r.outcome, count: r.count })),
  };
}

export function adminRoutes(deps: AdminDeps): Router {
  const routes = adminRouteDefinitions(deps);
  const router = mountRoutes(routes, deps.verifyToken);
  const document = buildOpenApiDocument(routes);
  router.get(`${API_BASE}/openapi.json`, (_req, res) => {
    res.json(document);
  });
  return router;
}
