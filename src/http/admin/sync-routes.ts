import { TandemError } from '../../errors/tandem-error.js';
import type { InboxWriter } from '../../inbox/inbox-writer.js';
import { countInitialLoadsInProgress, getMailbox } from '../../mailboxes/mailbox-repository.js';
import { enqueueInitialLoads, requestInitialLoad } from '../../mailboxes/initial-load-request.js';
import { decidePendingDeletion, listPendingDeletions } from '../../pending-deletions/pending-deletion-repository.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { Pool } from '../../store/pool.js';
import { withTenant } from '../../store/transaction.js';
import { tenantSettingsSchema } from '../../sync/index.js';
import {
  readS4Connection,
  s4ConnectionInput,
  s4ConnectionView,
  saveS4Connection,
} from '../../tenants/s4-connection.js';
import { runS4ConnectionTest } from '../../s4-connection/connection-test.js';
import { readSettings, saveSettings, settingsHistory } from '../../tenants/tenant-repository.js';
import { z } from '../../validation/zod.js';
import { runEnvironmentTest } from '../../environments/connection-test.js';
import type { Redis } from 'ioredis';
import type { Queues } from '../../queue/queues.js';
import { defineRoute, type AnyApiRoute } from './api-route.js';

export interface SyncRouteDeps {
  pool: Pool;
  redis: Redis;
  secretBox: SecretBox;
  inbox: InboxWriter;
  /** Producers enqueue through queues.lanes (fair between tenants). */
  queues: Pick<Queues, 'inbox' | 'lanes'>;
  keyPrefix: string;
  /** Initial loads one tenant may have queued or running at once before POST …/initial-load answers 429. */
  initialLoadsPerTenant?: number;
}

export const DEFAULT_INITIAL_LOADS_PER_TENANT = 5;

const idParams = z.object({ id: z.uuid() });
const settingsChange = z.object({ path: z.string(), from: z.unknown(), to: z.unknown() });
const settingsView = z
  .object({
    settings: z.record(z.string(), z.unknown()).describe('The tenant settings (see the TenantSettings schema of PUT)'),
    version: z.number().int(),
    changedBy: z.string().nullable(),
    changedAt: z.string().nullable(),
    history: z.array(
      z.object({
        version: z.number().int(),
        changedBy: z.string(),
        changedAt: z.string(),
        changes: z.array(settingsChange),
      }),
    ),
  })
  .openapi('SettingsView');
const pendingDeletion = z
  .object({
    id: z.number().int(),
    mailboxId: z.string().nullable(),
    scope: z.enum(['mailbox', 'tenant']),
    kind: z.string(),
    s4Key: z.string().nullable(),
    exchangeItemId: z.string().nullable(),
    summary: z.string(),
    createdAt: z.string(),
  })
  .openapi('PendingDeletion');

/** Admin routes that reach into sync: settings, the S/4 connection, the Test button, initial loads, the safety valve. */
export function syncAdminRoutes(deps: SyncRouteDeps): AnyApiRoute[] {
  const tx = <T>(tenantId: string, fn: Parameters<typeof withTenant<T>>[1]) => withTenant(tenantId, fn, deps.pool);
  return [
    defineRoute({
      method: 'get',
      path: '/settings',
      tag: 'Settings',
      summary: 'The sync settings with who changed them when',
      scopes: ['Admin', 'Support'],
      response: settingsView,
      handler: ({ principal }) =>
        tx(principal.tenantId, async (t) => ({ ...(await readSettings(t)), history: await settingsHistory(t, 20) })),
    }),
    defineRoute({
      method: 'put',
      path: '/settings',
      tag: 'Settings',
      summary: 'Replace the sync settings (validated; audited)',
      scopes: ['Admin'],
      query: z.object({
        expectedVersion: z.coerce.number().int().positive().optional().describe('Refuse when someone saved in between'),
      }),
      body: z.unknown().openapi({ description: 'TenantSettings', type: 'object' }),
      response: settingsView,
      handler: ({ principal, body, query }) =>
        tx(principal.tenantId, async (t) => {
          await saveSettings(t, principal.tenantId, body, principal.user, query.expectedVersion);
          return { ...(await readSettings(t)), history: await settingsHistory(t, 20) };
        }),
    }),
    defineRoute({
      method: 'get',
      path: '/settings/schema',
      tag: 'Settings',
      summary: 'JSON Schema of the settings with a one-line explanation per option',
      scopes: ['Admin', 'Support'],
      response: z.record(z.string(), z.unknown()),
      handler: async () => z.toJSONSchema(tenantSettingsSchema, { io: 'input' }) as Record<string, unknown>,
    }),

    defineRoute({
      method: 'get',
      path: '/s4-connection',
      tag: 'S/4 connection',
      summary: 'How Tandem reaches S/4HANA',
      scopes: ['Admin', 'Support'],
      response: s4ConnectionView,
      handler: async ({ principal }) => {
        const view = await tx(principal.tenantId, (t) => readS4Connection(t));
        if (!view) throw new TandemError('NOT_FOUND', 'No S/4HANA connection configured yet');
        return view;
      },
    }),
    defineRoute({
      method: 'put',
      path: '/s4-connection',
      tag: 'S/4 connection',
      summary: 'Set the S/4HANA destination (or URL outside BTP)',
      scopes: ['Admin'],
      body: s4ConnectionInput,
      response: s4ConnectionView,
      handler: ({ principal, body }) =>
        tx(principal.tenantId, async (t) => {
          await saveS4Connection(t, principal.tenantId, deps.secretBox, body);
          return (await readS4Connection(t))!;
        }),
    }),

    defineRoute({
      method: 'post',
      path: '/s4-connection/test',
      tag: 'S/4 connection',
      summary:
        "Test: reach S/4HANA through the configured destination, log on, compare each service's $metadata with what Tandem uses, read one entity of each, and the event sender's last heartbeat",
      scopes: ['Admin'],
      response: z
        .object({
          ok: z.boolean(),
          steps: z.array(
            z.object({
              step: z.enum(['reach', 'authenticate', 'metadata', 'read', 'heartbeat']),
              name: z.string(),
              service: z.string().optional(),
              ok: z.boolean(),
              message: z.string(),
              durationMs: z.number(),
              problems: z
                .array(z.string())
                .optional()
                .describe('Each mismatch (service: entity set.property) or refused entity set'),
            }),
          ),
        })
        .openapi('S4ConnectionTest'),
      handler: ({ principal }) =>
        runS4ConnectionTest({ pool: deps.pool, secretBox: deps.secretBox }, principal.tenantId),
    }),

    defineRoute({
      method: 'post',
      path: '/environments/:id/test',
      tag: 'Exchange environments',
      summary: 'Test button: authenticate, impersonate the test mailbox, read its calendar',
      scopes: ['Admin'],
      params: idParams,
      body: z
        .object({ mailbox: z.email().optional().describe('Mailbox to test instead of the configured test mailbox') })
        .optional(),
      response: z
        .object({
          ok: z.boolean(),
          steps: z.array(z.object({ step: z.string(), ok: z.boolean(), message: z.string(), durationMs: z.number() })),
        })
        .openapi('ConnectionTest'),
      handler: ({ principal, params, body }) => runEnvironmentTest(deps, principal.tenantId, params.id, body?.mailbox),
    }),

    defineRoute({
      method: 'post',
      path: '/users/:id/initial-load',
      tag: 'Users',
      summary:
        "Run the initial load of a user again (it starts by itself when a user is added or enabled; progress in the user's initialLoad)",
      scopes: ['Admin'],
      params: idParams,
      response: z.object({ id: z.uuid(), state: z.string() }),
      status: 202,
      handler: async ({ principal, params }) => {
        const user = await tx(principal.tenantId, (t) => getMailbox(t, params.id));
        if (!user.enabled) throw new TandemError('CONFLICT', 'Enable the user first');
        // Initial loads are the heaviest work there is; a tenant starting many at once would hold
        // the shared workers (and its own S/4 and Exchange) for a long time. Loads started by
        // adding or enabling users are not refused: they wait in the low-priority bulk lane.
        const limit = deps.initialLoadsPerTenant ?? DEFAULT_INITIAL_LOADS_PER_TENANT;
        const inProgress = await tx(principal.tenantId, (t) => countInitialLoadsInProgress(t, params.id));
        if (inProgress >= limit) {
          throw new TandemError(
            'RATE_LIMITED',
            `${inProgress} initial loads are queued or running; at most ${limit} at once — start this one when one has finished`,
            { retryAfterMs: 60_000, details: { inProgress, limit } },
          );
        }
        const load = await tx(principal.tenantId, (t) =>
          requestInitialLoad(t, principal.tenantId, params.id, {
            by: principal.user,
            reason: 'user.initialLoadRequested',
          }),
        );
        await enqueueInitialLoads(deps.queues.lanes, [load]);
        return { id: params.id, state: 'queued' };
      },
    }),

    defineRoute({
      method: 'get',
      path: '/safety-valve',
      tag: 'Safety valve',
      summary: 'Deletions held for confirmation',
      scopes: ['Admin', 'Support'],
      response: z.object({ items: z.array(pendingDeletion) }),
      handler: ({ principal }) =>
        tx(principal.tenantId, async (t) => ({
          items: (await listPendingDeletions(t)).map((d) => ({ ...d, createdAt: d.createdAt.toISOString() })),
        })),
    }),
    ...(['confirm', 'reject'] as const).map((decision) =>
      defineRoute({
        method: 'post',
        path: `/safety-valve/:id/${decision}`,
        tag: 'Safety valve',
        summary: decision === 'confirm' ? 'Let a held deletion happen' : 'Keep the item: drop the held deletion',
        scopes: ['Admin'],
        params: z.object({ id: z.coerce.number().int().positive() }),
        response: z.object({ id: z.number().int(), state: z.string() }),
        handler: ({ principal, params }) =>
          tx(principal.tenantId, async (t) => {
            const state = decision === 'confirm' ? 'confirmed' : 'rejected';
            if (!(await decidePendingDeletion(t, params.id, state, principal.user))) {
              throw new TandemError('NOT_FOUND', `No pending deletion ${params.id}`);
            }
            return { id: params.id, state };
          }),
      }),
    ),
  ];
}
