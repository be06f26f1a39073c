import type { MailboxConnector } from '../connectors/exchange/mailbox-connector.js';
import type { Appointment, MailboxAddress, Task } from '../connectors/exchange/types.js';
import type { S4Appointment, S4Task } from '../connectors/s4/index.js';
import type { ActivityKind, ExchangeActivity, S4Activity } from './activity-kinds.js';
import { matchForInitialLoad, type ExchangeCandidate, type S4Candidate } from '../sync/index.js';

/**
 * The conservative "same item" test of the initial load (stamp first, then the same subject, start
 * and end with exactly one candidate), for one object at a time: an S/4 event may be handled before
 * the user's initial load has run, and must then adopt the copy a user made by hand, not add a second.
 */
const minute = (iso: string | undefined) =>
  iso ? new Date(Math.floor(Date.parse(iso) / 60_000) * 60_000).toISOString() : undefined;
const day = (iso: string | undefined) => iso?.slice(0, 10);

export function s4Candidate(kind: 'appointment' | 'task', o: S4Appointment | S4Task): S4Candidate {
  if (kind === 'appointment') {
    const a = o as S4Appointment;
    return { key: a.uuid, subject: a.subject, start: minute(a.start), end: minute(a.end) };
  }
  const t = o as S4Task;
  return {
    key: t.uuid,
    subject: t.subject,
    ...(t.start ? { start: day(t.start) } : {}),
    ...(t.due ? { end: day(t.due) } : {}),
  };
}

export function exchangeCandidate(kind: 'appointment' | 'task', item: Appointment | Task): ExchangeCandidate {
  const base = { id: item.id, subject: item.subject, ...(item.stamp ? { stamp: item.stamp } : {}) };
  if (kind === 'appointment') {
    const a = item as Appointment;
    return { ...base, start: minute(a.start), end: minute(a.end) };
  }
  const t = item as Task;
  return { ...base, ...(t.startDate ? { start: t.startDate } : {}), ...(t.dueDate ? { end: t.dueDate } : {}) };
}

/** The one unstamped item in the mailbox that looks like the S/4 object (subject, start, end), if exactly one does. */
export async function findLookAlike<K extends ActivityKind>(
  connector: MailboxConnector,
  mailbox: MailboxAddress,
  kind: K,
  s4: S4Activity<K>,
): Promise<ExchangeActivity<K> | undefined> {
  const candidate = s4Candidate(kind, s4);
  if (!candidate.start || !candidate.end) return undefined;
  // Appointments: the calendar view of the object's own time; tasks have no view and are listed whole.
  const object: S4Appointment | S4Task = s4;
  const items = await connector.listItems(
    mailbox,
    kind,
    'end' in object ? { start: object.start, end: object.end } : undefined,
  );
  const unstamped = items.filter((item) => !item.stamp);
  const pair = matchForInitialLoad(
    [candidate],
    unstamped.map((item) => exchangeCandidate(kind, item)),
  ).pairs[0];
  return pair ? unstamped.find((item) => item.id === pair.exchangeId) : undefined;
}
