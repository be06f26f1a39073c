import { TandemError } from '../errors/tandem-error.js';
import { INITIAL_LOAD } from '../mailboxes/initial-load-request.js';
import type { InboxHandlerRegistry, InboxWork } from '../worker/inbox-handlers.js';
import { KIND_OF_FOLDER, type Folder } from '../subscriptions/subscription-repository.js';
import { catchUpFolder } from './catch-up.js';
import { driftType } from './drift-check.js';
import { runInitialLoad } from './initial-load.js';
import { reconcileS4Activity, type ReconcileEnv } from './reconcile-activity.js';
import { reconcileBusinessPartner, reconcileRelationshipChange } from './reconcile-contacts.js';
import { SERIES_WINDOW, runSeriesWindow } from './series-window.js';
import type { TenantContexts } from './tenant-context.js';
import type { Pool } from '../store/pool.js';

/** Inbox event types Tandem raises itself. */
export const FOLDER_CHANGED = 'exchange.folder.changed';
export { INITIAL_LOAD } from '../mailboxes/initial-load-request.js';

export const folderSubject = (mailboxId: string, folder: Folder) => `mailbox:${mailboxId}:${folder}`;
export { initialLoadSubject } from '../mailboxes/initial-load-request.js';

function parseSubject(subject: string, pattern: RegExp): RegExpExecArray {
  const match = pattern.exec(subject);
  if (!match) throw new TandemError('BAD_REQUEST', `Unexpected inbox subject ${subject}`, { retryable: false });
  return match;
}

/**
 * The sync engine's entry points for inbox events: S/4 objects by key, Exchange folders by change
 * tracking, and initial loads. Each handler reads fresh state; the events only say where to look.
 */
export function registerSyncHandlers(registry: InboxHandlerRegistry, deps: { pool: Pool; contexts: TenantContexts; initialLoadChunk?: number }): InboxHandlerRegistry {
  const env = async (work: InboxWork): Promise<ReconcileEnv> => ({ pool: deps.pool, ctx: await deps.contexts.get(work.tenantId), correlationId: work.correlationId });
  /**
   * The user named by a mailbox event, with the context to work in. The tenant context is cached
   * for seconds, so a user added just now (POST /users, then POST …/initial-load at once, as the
   * cockpit does) is missing from it: reload once before calling the user gone — otherwise the
   * initial load is dead-lettered as NOT_FOUND.
   */
  const mailboxOf = async (work: InboxWork, id: string) => {
    let environment = await env(work);
    let mailbox = environment.ctx.byId(id);
    if (!mailbox) {
      deps.contexts.invalidate(work.tenantId);
      environment = await env(work);
      mailbox = environment.ctx.byId(id);
    }
    if (!mailbox) throw new TandemError('NOT_FOUND', `User ${id} no longer exists`, { retryable: false });
    return { environment, mailbox };
  };

  return registry
    .register('sap.s4.beh.appointment.', async (work) => {
      await reconcileS4Activity(await env(work), 'appointment', parseSubject(work.subject, /^s4:appointment:(.+)$/)[1]!);
    })
    .register('sap.s4.beh.task.', async (work) => {
      await reconcileS4Activity(await env(work), 'task', parseSubject(work.subject, /^s4:task:(.+)$/)[1]!);
    })
    .register('sap.s4.beh.businesspartner.', async (work) => {
      await reconcileBusinessPartner(await env(work), parseSubject(work.subject, /^s4:bp:(.+)$/)[1]!);
    })
    .register('sap.s4.beh.bprelationship.', async (work) => {
      const environment = await env(work);
      const pairs = new Set(work.rows.map((row) => {
        const data = (row.payload as { data?: { BusinessPartner1?: string; BusinessPartner2?: string } }).data ?? {};
        return `${data.BusinessPartner1 ?? ''}|${data.BusinessPartner2 ?? ''}`;
      }));
      for (const pair of pairs) {
        const [bp1, bp2] = pair.split('|') as [string, string];
        await reconcileRelationshipChange(environment, bp1, bp2);
      }
    })
    // The drift check found an activity whose event was lost: reconcile it as that event would have.
    .register(driftType('appointment'), async (work) => {
      await reconcileS4Activity(await env(work), 'appointment', parseSubject(work.subject, /^s4:appointment:(.+)$/)[1]!);
    })
    .register(driftType('task'), async (work) => {
      await reconcileS4Activity(await env(work), 'task', parseSubject(work.subject, /^s4:task:(.+)$/)[1]!);
    })
    .register(FOLDER_CHANGED, async (work) => {
      const [, mailboxId, folder] = parseSubject(work.subject, /^mailbox:([0-9a-f-]{36}):(calendar|tasks|contacts)$/);
      const { environment, mailbox } = await mailboxOf(work, mailboxId!);
      if (!mailbox.enabled) return;
      const result = await catchUpFolder(environment, mailbox, KIND_OF_FOLDER[folder as Folder]);
      if (result.more) throw new TandemError('EXCHANGE_THROTTLED', 'More changes than one run takes; continuing', { retryable: true, retryAfterMs: 1_000 });
    })
    .register(SERIES_WINDOW, async (work) => {
      const [, mailboxId] = parseSubject(work.subject, /^mailbox:([0-9a-f-]{36}):series-window$/);
      const { environment, mailbox } = await mailboxOf(work, mailboxId!);
      await runSeriesWindow(environment, mailbox);
    })
    .register(INITIAL_LOAD, async (work) => {
      const [, mailboxId] = parseSubject(work.subject, /^mailbox:([0-9a-f-]{36}):initial-load$/);
      const { environment, mailbox } = await mailboxOf(work, mailboxId!);
      const { finished } = await runInitialLoad(environment, mailbox, deps.initialLoadChunk ? { chunkSize: deps.initialLoadChunk } : {});
      return finished ? undefined : { continue: true as const };
    });
}
