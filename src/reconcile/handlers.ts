import { TandemError } from '../errors/tandem-error.js';
import { S4_EVENT_TYPE_PREFIX } from '../inbox/s4-event.js';
import { INBOX_EVENT_TYPES, KIND_OF_FOLDER, parseSubject, type InboxSubject } from '../inbox/subjects.js';
import type { InboxHandlerRegistry, InboxWork } from '../inbox/inbox-handlers.js';
import { catchUpFolder } from './catch-up.js';
import { driftType } from './drift-report.js';
import { runInitialLoad } from './initial-load.js';
import { reconcileS4Activity } from './reconcile-activity.js';
import type { ReconcileEnv } from './reconcile-env.js';
import { reconcileBusinessPartner, reconcileRelationshipChange } from './reconcile-contacts.js';
import { inReachableMailbox } from './reachable-mailbox.js';
import { runSeriesWindow } from './series-window.js';
import type { TenantContexts } from './tenant-context.js';
import type { Pool } from '../store/pool.js';

/** The subject of the work, of the kind its event type promises; anything else is a bug upstream. */
function subjectOf<K extends InboxSubject['kind']>(work: InboxWork, kind: K): Extract<InboxSubject, { kind: K }> {
  const subject = parseSubject(work.subject);
  if (subject?.kind !== kind)
    throw new TandemError('BAD_REQUEST', `Unexpected inbox subject ${work.subject}`, { retryable: false });
  return subject as Extract<InboxSubject, { kind: K }>;
}

/** The reconciliation is all the handler does: its last write may complete the job (see reconcileS4Activity). */
const LAST_STEP = { completesJob: true };

/**
 * The sync engine's entry points for inbox events: S/4 objects by key, Exchange folders by change
 * tracking, and initial loads. Each handler reads fresh state; the events only say where to look.
 */
export function registerSyncHandlers(
  registry: InboxHandlerRegistry,
  deps: { pool: Pool; contexts: TenantContexts; initialLoadChunk?: number },
): InboxHandlerRegistry {
  const env = async (work: InboxWork): Promise<ReconcileEnv> => ({
    pool: deps.pool,
    ctx: await deps.contexts.get(work.tenantId),
    correlationId: work.correlationId,
  });
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

  return (
    registry
      .register(S4_EVENT_TYPE_PREFIX.appointment, async (work) => {
        await reconcileS4Activity(await env(work), 'appointment', subjectOf(work, 's4Activity').uuid, LAST_STEP);
      })
      .register(S4_EVENT_TYPE_PREFIX.task, async (work) => {
        await reconcileS4Activity(await env(work), 'task', subjectOf(work, 's4Activity').uuid, LAST_STEP);
      })
      .register(S4_EVENT_TYPE_PREFIX.businessPartner, async (work) => {
        await reconcileBusinessPartner(await env(work), subjectOf(work, 's4BusinessPartner').partner);
      })
      .register(S4_EVENT_TYPE_PREFIX.relationship, async (work) => {
        const environment = await env(work);
        const pairs = new Set(
          work.rows.map((row) => {
            const data =
              (row.payload as { data?: { BusinessPartner1?: string; BusinessPartner2?: string } }).data ?? {};
            return `${data.BusinessPartner1 ?? ''}|${data.BusinessPartner2 ?? ''}`;
          }),
        );
        for (const pair of pairs) {
          const [bp1, bp2] = pair.split('|') as [string, string];
          await reconcileRelationshipChange(environment, bp1, bp2);
        }
      })
      // The drift check found an activity whose event was lost: reconcile it as that event would have.
      .register(driftType('appointment'), async (work) => {
        await reconcileS4Activity(await env(work), 'appointment', subjectOf(work, 's4Activity').uuid, LAST_STEP);
      })
      .register(driftType('task'), async (work) => {
        await reconcileS4Activity(await env(work), 'task', subjectOf(work, 's4Activity').uuid, LAST_STEP);
      })
      // A contact person changed in S/4 whose event was lost: update every user's copy, as the event would have.
      .register(driftType('businessPartner'), async (work) => {
        await reconcileBusinessPartner(await env(work), subjectOf(work, 's4BusinessPartner').partner);
      })
      .register(INBOX_EVENT_TYPES.folderChanged, async (work) => {
        const { mailboxId, folder } = subjectOf(work, 'mailboxFolder');
        const { environment, mailbox } = await mailboxOf(work, mailboxId);
        if (!mailbox.enabled) return;
        let more = false;
        await inReachableMailbox(environment, mailbox, async () => {
          more = (await catchUpFolder(environment, mailbox, KIND_OF_FOLDER[folder])).more;
        });
        // More changes than one run takes: what was read is committed; the rest is a continuation, not a failure.
        if (more) return { continue: true as const };
      })
      .register(INBOX_EVENT_TYPES.seriesWindow, async (work) => {
        const { environment, mailbox } = await mailboxOf(work, subjectOf(work, 'seriesWindow').mailboxId);
        await inReachableMailbox(environment, mailbox, () => runSeriesWindow(environment, mailbox));
      })
      .register(INBOX_EVENT_TYPES.initialLoad, async (work) => {
        // An initial load follows a change of its user (added, enabled, moved) that a cached tenant
        // context may predate: one cached with the user still disabled planned nothing for them.
        deps.contexts.invalidate(work.tenantId);
        const { environment, mailbox } = await mailboxOf(work, subjectOf(work, 'initialLoad').mailboxId);
        // A refused mailbox loads nothing now; the access probe queues the load again once access is granted.
        let finished = true;
        await inReachableMailbox(environment, mailbox, async () => {
          ({ finished } = await runInitialLoad(
            environment,
            mailbox,
            deps.initialLoadChunk ? { chunkSize: deps.initialLoadChunk } : {},
          ));
        });
        return finished ? undefined : { continue: true as const };
      })
  );
}
