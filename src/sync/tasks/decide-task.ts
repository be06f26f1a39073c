import type { Task, TaskDraft } from '../model/exchange-items.js';
import type { S4Task } from '../model/s4-objects.js';
import type { SyncAction, SyncLink } from '../actions.js';
import { activityDecideInput, activityDecideSettings } from '../activity-decision.js';
import { decide, type KindSpec } from '../decide.js';
import type { PartnerLookup } from '../directory.js';
import { exchangeItemQualifies, IN_SCOPE, inWindow, out, syncWindow, type ScopeVerdict } from '../scope.js';
import type { TaskSettings, TenantSettings } from '../settings.js';
import { TASK_EXCHANGE_FIELDS, TASK_FIELDS, type CanonicalTask } from './canonical-task.js';
import {
  canonicalToS4TaskCreate,
  canonicalToS4TaskUpdate,
  canonicalToTaskDraft,
  exchangeTaskToCanonical,
  s4TaskToCanonical,
  taskDraftChanges,
  type S4TaskWrite,
} from './task-mapping.js';

export type TaskAction = SyncAction<CanonicalTask, TaskDraft, S4TaskWrite>;

/** Tasks go to the employee responsible's mailbox only (To Do / Outlook tasks have no attendees). */
export function taskScopeFor(
  t: S4Task,
  mailbox: string,
  s: TaskSettings,
  lookup: PartnerLookup,
  window?: { start: string; end: string },
): ScopeVerdict {
  if (!s.enabled) return out('disabled');
  if (!s.processTypes.some((p) => p.processType === t.processType)) return out('filtered.processType');
  if (t.isPrivate && !s.syncPrivate) return out('filtered.private');
  const mine = t.partners.some((p) => {
    if (p.partnerFunction !== s.partnerFunctions.responsible) return false;
    const user = lookup.byId(p.businessPartner)?.user;
    return user !== undefined && user.kinds.includes('task') && user.mailbox.toLowerCase() === mailbox.toLowerCase();
  });
  if (!mine) return out('filtered.notPartner');
  if (window && !inWindow(t.start, t.due, window)) return out('outOfWindow');
  return IN_SCOPE;
}

export function taskQualifies(t: Task, s: TaskSettings): ScopeVerdict {
  if (!s.enabled) return out('disabled');
  return exchangeItemQualifies(t, s);
}

export interface TaskDecisionInput {
  settings: TenantSettings;
  lookup: PartnerLookup;
  now: string;
  mailbox: string;
  mailboxPartnerId: string;
  /** The mailbox user's zone: S/4 instants become Outlook days in it. */
  zone?: string;
  s4?: S4Task;
  s4SearchedByMarker?: boolean;
  exchange?: Task;
  exchangeSearchedByMarker?: boolean;
  link?: SyncLink<CanonicalTask>;
}

export function decideTask(input: TaskDecisionInput): TaskAction[] {
  const { settings, lookup, mailbox, link } = input;
  const s = settings.tasks;
  const zone = input.zone ?? 'UTC';
  const processType = input.s4?.processType ?? s.defaultProcessType ?? '';
  const spec: KindSpec<CanonicalTask, TaskDraft, S4TaskWrite> = {
    kind: 'task',
    fields: TASK_FIELDS,
    exchangeFields: TASK_EXCHANGE_FIELDS,
    toDraft: (c) => canonicalToTaskDraft(c, s),
    draftChanges: taskDraftChanges,
    toS4Create: (c, marker) =>
      canonicalToS4TaskCreate(c, s, { processType, responsible: input.mailboxPartnerId, marker, zone }),
    toS4Update: (_b, after, changed) => canonicalToS4TaskUpdate(after, changed, processType, s, zone),
  };
  const s4c = input.s4 ? s4TaskToCanonical(input.s4, s, zone) : undefined;
  const scope = input.s4
    ? taskScopeFor(input.s4, mailbox, s, lookup, link ? undefined : syncWindow(settings, input.now))
    : undefined;
  const q = input.exchange ? taskQualifies(input.exchange, s) : undefined;
  const exc = input.exchange ? exchangeTaskToCanonical(input.exchange) : undefined;
  return decide(
    spec,
    activityDecideSettings(s, settings.conflicts),
    activityDecideInput({
      mailbox,
      settings: s,
      ...(input.s4 && s4c && scope ? { s4: { uuid: input.s4.uuid, etag: input.s4.etag, canonical: s4c, scope } } : {}),
      ...(input.exchange && q && exc
        ? {
            exchange: {
              id: input.exchange.id,
              changeKey: input.exchange.changeKey,
              ...(input.exchange.stamp ? { stamp: input.exchange.stamp } : {}),
              canonical: exc,
              qualifies: q,
            },
          }
        : {}),
      ...(input.s4SearchedByMarker ? { s4SearchedByMarker: true } : {}),
      ...(input.exchangeSearchedByMarker ? { exchangeSearchedByMarker: true } : {}),
      ...(link ? { link } : {}),
    }),
  );
}
