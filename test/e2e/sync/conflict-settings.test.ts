import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S4AppointmentChanges, S4TaskChanges } from '../../../src/connectors/s4/index.js';
import type { ItemDump } from '../../../src/emulators/ews/index.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import {
  adminApi,
  changeSettings,
  inDays,
  journalEventually,
  journalWhere,
  type JournalRow,
  linksWhere,
  mailboxIdOf,
  outlookAppointment,
  settle,
  startSubscribedSystem,
} from './support.js';

/**
 * The conflict settings, changed as an admin does, observed on both systems: one linked object per
 * case is changed in S/4 and in Outlook while S/4's events are held back, so the Outlook change
 * makes the worker read both edits at once — a true conflict — and the configured side must win in
 * S/4 and in Outlook.
 */
let system: RunningSystem;
beforeAll(async () => {
  // Exchange's clock at half speed (heartbeats every 30 s, silence noticed after 45 s): the first-pairing
  // test holds Outlook's notifications back for a few seconds and must not look like a lost subscription.
  system = await startSubscribedSystem({ ewsTimeScale: 0.5 });
}, 120_000);
afterAll(async () => system.stop());

const ALICE = 'alice@demo.example';
/** Many objects sync at once here: on a loaded machine one can take longer than waitFor's default. */
const LOADED = 90_000;
const itemsOf = (folder: 'calendar' | 'tasks') => system.ews.listItems(ALICE).filter((item) => item.folder === folder);

/** S/4 stops posting events (as when the event mesh lags): the worker learns of S/4 edits only by reading S/4. */
async function s4Events(action: 'pause' | 'resume'): Promise<void> {
  const response = await fetch(`${system.s4Emulator.url}/_emulator/events/${action}`, { method: 'POST' });
  expect(response.status).toBe(200);
}

/** The EWS emulator holds back push notifications (a Mailbox server that cannot reach Tandem for a moment). */
async function ewsPush(action: 'pause' | 'resume'): Promise<void> {
  const response = await fetch(`${system.ews.url}/_emulator/push/${action}`, { method: 'POST' });
  expect(response.status).toBe(200);
}

/** Midnight in Berlin `days` from today (UTC date), as an instant. */
function berlinMidnight(days: number): string {
  const date = new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
  const noon = new Date(`${date}T12:00:00Z`);
  const offset = new Intl.DateTimeFormat('en', { timeZone: 'Europe/Berlin', timeZoneName: 'longOffset' })
    .formatToParts(noon)
    .find((p) => p.type === 'timeZoneName')!
    .value.replace('GMT', '');
  return new Date(`${date}T00:00:00${offset || '+00:00'}`).toISOString();
}

const isBobAttendee = (p: { partnerFunction: string; businessPartner: string }) =>
  p.partnerFunction === '00000032' && p.businessPartner === 'EMP002';

type Kind = 'appointment' | 'task';
interface Linked {
  uuid: string;
  itemId: string;
}

/** An S/4 object for Alice, synced to her mailbox and linked, with change tracking's report of our own write behind it. */
async function linked(kind: Kind, subject: string, day: number): Promise<Linked> {
  const partners = [{ partnerFunction: '00000014', businessPartner: 'EMP001' }];
  const texts = [{ textType: 'A002', text: 'The agenda' }];
  const created =
    kind === 'appointment'
      ? await system.s4.createAppointment({
          processType: 'ZVIS',
          subject,
          start: inDays(day, 9),
          end: inDays(day, 10),
          timeZone: 'Europe/Berlin',
          location: 'Walldorf',
          status: 'E0001',
          priority: '5',
          texts,
          partners,
        })
      : await system.s4.createTask({
          processType: 'ZTSK',
          subject,
          start: inDays(day, 12),
          due: inDays(day + 2, 12),
          timeZone: 'Europe/Berlin',
          status: 'E0001',
          priority: '5',
          percentComplete: 0,
          texts,
          partners,
        });
  const item = await waitFor(
    async () => itemsOf(kind === 'appointment' ? 'calendar' : 'tasks').find((i) => i.subject === subject),
    `“${subject}” in Alice’s mailbox`,
    LOADED,
  );
  await waitFor(
    async () => (await journalWhere(system, 's4_key = $1', [created.uuid])).length >= 2 || undefined,
    'change tracking to report the create back',
    LOADED,
  );
  return { uuid: created.uuid, itemId: item.id };
}

interface ConflictCase {
  field: string;
  kind: Kind;
  /** The side the settings under test make win. */
  winner: 's4' | 'exchange';
  s4: S4AppointmentChanges & S4TaskChanges;
  outlook: (item: ews.Appointment & ews.Task) => void;
  /** The winning value as S/4 and Outlook show it. */
  inS4: (s4: Record<string, unknown>) => boolean;
  inOutlook: (item: ItemDump) => boolean;
}

async function editInOutlook(kind: Kind, itemId: string, edit: ConflictCase['outlook']): Promise<void> {
  const service = makeService(system.ews, { impersonate: ALICE });
  if (kind === 'appointment') {
    const appointment = await ews.Appointment.Bind(service, new ews.ItemId(itemId));
    edit(appointment as ews.Appointment & ews.Task);
    await appointment.Update(
      ews.ConflictResolutionMode.AlwaysOverwrite,
      ews.SendInvitationsOrCancellationsMode.SendToNone,
    );
  } else {
    const task = await ews.Task.Bind(service, new ews.ItemId(itemId));
    edit(task as ews.Appointment & ews.Task);
    await task.Update(ews.ConflictResolutionMode.AlwaysOverwrite);
  }
}

const s4Of = async (kind: Kind, uuid: string) =>
  ((kind === 'appointment' ? await system.s4.getAppointment(uuid) : await system.s4.getTask(uuid)) ??
    {}) as unknown as Record<string, unknown>;

/**
 * Runs every case at once: link each object, hold S/4's events, edit both sides, and wait until
 * S/4 and Outlook both show the winner's value; the journal must record each as a conflict.
 */
async function runConflicts(cases: ConflictCase[], day: number): Promise<void> {
  // The day in the subject keeps each run's objects apart from an earlier run's on the same field.
  const objects = await Promise.all(
    cases.map((c, i) => linked(c.kind, `Conflict ${day}: ${c.field} (${c.winner})`, day + i)),
  );
  await s4Events('pause');
  try {
    for (const [i, c] of cases.entries()) {
      const { uuid, itemId } = objects[i]!;
      const before = await s4Of(c.kind, uuid);
      if (c.kind === 'appointment') await system.s4.updateAppointment(uuid, String(before.etag), c.s4);
      else await system.s4.updateTask(uuid, String(before.etag), c.s4);
      await editInOutlook(c.kind, itemId, c.outlook);
    }
    await Promise.all(
      cases.map(async (c, i) => {
        const { uuid, itemId } = objects[i]!;
        const entry = await waitFor(
          async () => (await journalWhere(system, `s4_key = $1 AND outcome = 'conflict'`, [uuid]))[0],
          `the conflict over ${c.field} in the journal`,
          LOADED,
        );
        expect(entry.details.overwritten, c.field).toContainEqual(
          expect.objectContaining({ field: c.field, side: c.winner === 's4' ? 'exchange' : 's4' }),
        );
        await waitFor(
          async () => c.inS4(await s4Of(c.kind, uuid)) || undefined,
          `${c.field}: the winner in S/4`,
          LOADED,
        );
        await waitFor(
          async () => c.inOutlook(system.ews.listItems(ALICE).find((item) => item.id === itemId)!) || undefined,
          `${c.field}: the winner in Outlook`,
          LOADED,
        );
      }),
    );
  } finally {
    await s4Events('resume');
  }
  // The held-back S/4 events and our own writes come back as echoes: the winners stay.
  await system.s4Emulator.waitForEvents((entries) => entries.every((e) => e.state !== 'pending'));
  await settle(3_000);
  for (const [i, c] of cases.entries()) {
    const { uuid, itemId } = objects[i]!;
    expect(c.inS4(await s4Of(c.kind, uuid)), `${c.field} in S/4 at the end`).toBe(true);
    expect(c.inOutlook(system.ews.listItems(ALICE).find((item) => item.id === itemId)!), `${c.field} in Outlook`).toBe(
      true,
    );
  }
}

const minute = (iso: unknown) => (typeof iso === 'string' ? new Date(iso).toISOString().slice(0, 16) : undefined);
const dateOf = (iso: string) => iso.slice(0, 10);

describe('conflict settings end to end', { timeout: 300_000 }, () => {
  it('setting:conflicts.policy s4Wins and exchangeWins: one side wins every conflicting field, whatever its owner', async () => {
    await changeSettings(system, (s) => {
      s.conflicts!.policy = 's4Wins';
    });
    // The subject's owner is Exchange; under s4Wins S/4's subject wins.
    await runConflicts(
      [
        {
          field: 'subject',
          kind: 'appointment',
          winner: 's4',
          s4: { subject: 'Policy: the S/4 title' },
          outlook: (a) => (a.Subject = 'Policy: the Outlook title'),
          inS4: (s4) => s4.subject === 'Policy: the S/4 title',
          inOutlook: (item) => item.subject === 'Policy: the S/4 title',
        },
      ],
      20,
    );
    await changeSettings(system, (s) => {
      s.conflicts!.policy = 'exchangeWins';
    });
    // Importance belongs to S/4; under exchangeWins Outlook's importance wins (low → priority 9).
    await runConflicts(
      [
        {
          field: 'importance',
          kind: 'appointment',
          winner: 'exchange',
          s4: { priority: '1' },
          outlook: (a) => (a.Importance = ews.Importance.Low),
          inS4: (s4) => s4.priority === '9',
          inOutlook: (item) => item.props.Importance === 'Low',
        },
      ],
      22,
    );
  });

  it('setting:conflicts.fieldOwners.subject, setting:conflicts.fieldOwners.body, setting:conflicts.fieldOwners.start, setting:conflicts.fieldOwners.end, setting:conflicts.fieldOwners.location, setting:conflicts.fieldOwners.importance, setting:conflicts.fieldOwners.status, setting:conflicts.fieldOwners.percentComplete, setting:conflicts.fieldOwners.due under the merge policy: each field goes to its configured owner (every default turned around)', async () => {
    const day = 30;
    const cases: ConflictCase[] = [
      {
        // subject
        field: 'subject',
        kind: 'appointment',
        winner: 's4',
        s4: { subject: 'Owner: the S/4 title' },
        outlook: (a) => (a.Subject = 'Owner: the Outlook title'),
        inS4: (s4) => s4.subject === 'Owner: the S/4 title',
        inOutlook: (item) => item.subject === 'Owner: the S/4 title',
      },
      {
        // body
        field: 'body',
        kind: 'appointment',
        winner: 's4',
        s4: { texts: [{ textType: 'A002', text: 'The S/4 agenda' }] },
        outlook: (a) => (a.Body = new ews.MessageBody(ews.BodyType.Text, 'The Outlook agenda')),
        inS4: (s4) => (s4.texts as { text: string }[]).some((t) => t.text === 'The S/4 agenda'),
        inOutlook: (item) => item.props.Body?.includes('The S/4 agenda') === true,
      },
      {
        // start — S/4 starts at 9:30, Outlook at 8:30 (same end).
        field: 'start',
        kind: 'appointment',
        winner: 's4',
        s4: { start: inDays(day + 2, 9, 30) },
        outlook: (a) => (a.Start = ews.DateTime.Parse(inDays(day + 2, 8, 30))),
        inS4: (s4) => minute(s4.start) === minute(inDays(day + 2, 9, 30)),
        inOutlook: (item) => minute(item.start) === minute(inDays(day + 2, 9, 30)),
      },
      {
        // end
        field: 'end',
        kind: 'appointment',
        winner: 's4',
        s4: { end: inDays(day + 3, 10, 30) },
        outlook: (a) => (a.End = ews.DateTime.Parse(inDays(day + 3, 11))),
        inS4: (s4) => minute(s4.end) === minute(inDays(day + 3, 10, 30)),
        inOutlook: (item) => minute(item.end) === minute(inDays(day + 3, 10, 30)),
      },
      {
        // location
        field: 'location',
        kind: 'appointment',
        winner: 's4',
        s4: { location: 'Room S/4' },
        outlook: (a) => (a.Location = 'Room Outlook'),
        inS4: (s4) => s4.location === 'Room S/4',
        inOutlook: (item) => item.props.Location === 'Room S/4',
      },
      {
        // importance — Outlook's low wins: S/4 gets importanceToPriority.low (9).
        field: 'importance',
        kind: 'appointment',
        winner: 'exchange',
        s4: { priority: '1' },
        outlook: (a) => (a.Importance = ews.Importance.Low),
        inS4: (s4) => s4.priority === '9',
        inOutlook: (item) => item.props.Importance === 'Low',
      },
      {
        // status — S/4 completes the task, Outlook puts it in progress.
        field: 'status',
        kind: 'task',
        winner: 'exchange',
        s4: { status: 'E0003' },
        outlook: (t) => (t.Status = ews.TaskStatus.InProgress),
        inS4: (s4) => s4.status === 'E0002',
        inOutlook: (item) => item.props.Status === 'InProgress',
      },
      {
        // percentComplete
        field: 'percentComplete',
        kind: 'task',
        winner: 'exchange',
        s4: { percentComplete: 25 },
        outlook: (t) => (t.PercentComplete = 75),
        inS4: (s4) => s4.percentComplete === 75,
        inOutlook: (item) => item.props.PercentComplete === '75',
      },
      {
        // due — S/4 moves the due day to +6, Outlook to +7.
        field: 'due',
        kind: 'task',
        winner: 's4',
        s4: { due: inDays(day + 14, 12) },
        outlook: (t) => (t.DueDate = ews.DateTime.Parse(inDays(day + 15, 12))),
        inS4: (s4) => typeof s4.due === 'string' && dateOf(s4.due) === dateOf(inDays(day + 14, 12)),
        inOutlook: (item) => item.props.DueDate?.startsWith(dateOf(inDays(day + 14, 12))) === true,
      },
    ];
    await changeSettings(system, (s) => {
      s.conflicts!.policy = 'merge';
      // Every default turned around, so a field that ignored its owner would show the default's winner.
      s.conflicts!.fieldOwners = {
        subject: 's4',
        body: 's4',
        start: 's4',
        end: 's4',
        isAllDay: 's4',
        location: 's4',
        isPrivate: 's4',
        attendees: 'exchange',
        status: 'exchange',
        importance: 'exchange',
        percentComplete: 'exchange',
        due: 's4',
      };
    });
    await runConflicts(cases, day);
  });

  it('setting:conflicts.fieldOwners.isPrivate, setting:conflicts.fieldOwners.isAllDay and setting:conflicts.fieldOwners.attendees: when an S/4 appointment adopts the look-alike a user made by hand, the owner decides where they differ', async () => {
    // A flag changed on both sides since the last sync ends equal on both, and attendee lists then
    // merge as sets, so these conflict only where no last sync exists: the first pairing. Before a user's initial load has run, an S/4
    // event adopts the one unstamped item with the same subject, start and end (docs/sync-engine.md).
    await changeSettings(system, (s) => {
      s.appointments!.syncPrivate = true;
      s.conflicts!.policy = 'merge';
      s.conflicts!.fieldOwners = {
        ...s.conflicts!.fieldOwners!,
        isPrivate: 's4',
        isAllDay: 's4',
        start: 's4',
        end: 's4',
        attendees: 'exchange',
      };
    });
    const api = adminApi(system);
    const aliceId = await mailboxIdOf(system, ALICE);
    const user = await api<{ initialLoad?: { state: string } | null }>('GET', `/users/${aliceId}`);
    expect(user.body.initialLoad?.state, 'Alice’s initial load has not run').not.toBe('done');
    const privateStart = inDays(50, 9);
    const privateEnd = inDays(50, 10);
    const allDay = berlinMidnight(51);
    const nextDay = berlinMidnight(52);
    // Tandem does not hear of the Outlook items (their copy to S/4 would come first) until S/4's are paired with them.
    await ewsPush('pause');
    let privateS4 = '';
    let allDayS4 = '';
    let privateItem = '';
    let allDayItem = '';
    let invitedS4 = '';
    let invitedItem = '';
    try {
      privateItem = await outlookAppointment(system, ALICE, {
        subject: 'Look-alike, private in S/4',
        start: privateStart,
        end: privateEnd,
        categories: ['S/4HANA'],
      });
      // Outlook: a timed appointment from midnight to midnight (Berlin); S/4: the same day all-day.
      allDayItem = await outlookAppointment(system, ALICE, {
        subject: 'Look-alike, all-day in S/4',
        start: allDay,
        end: nextDay,
        categories: ['S/4HANA'],
      });
      // Outlook: nobody invited; S/4: Bob as attendee.
      invitedItem = await outlookAppointment(system, ALICE, {
        subject: 'Look-alike, Bob invited in S/4',
        start: inDays(53, 9),
        end: inDays(53, 10),
        categories: ['S/4HANA'],
      });
      const partners = [{ partnerFunction: '00000014', businessPartner: 'EMP001' }];
      invitedS4 = (
        await system.s4.createAppointment({
          processType: 'ZVIS',
          subject: 'Look-alike, Bob invited in S/4',
          start: inDays(53, 9),
          end: inDays(53, 10),
          timeZone: 'Europe/Berlin',
          partners: [...partners, { partnerFunction: '00000032', businessPartner: 'EMP002' }],
        })
      ).uuid;
      privateS4 = (
        await system.s4.createAppointment({
          processType: 'ZVIS',
          subject: 'Look-alike, private in S/4',
          start: privateStart,
          end: privateEnd,
          timeZone: 'Europe/Berlin',
          isPrivate: true,
          partners,
        })
      ).uuid;
      allDayS4 = (
        await system.s4.createAppointment({
          processType: 'ZVIS',
          subject: 'Look-alike, all-day in S/4',
          start: allDay,
          end: nextDay,
          timeZone: 'Europe/Berlin',
          isAllDay: true,
          partners,
        })
      ).uuid;
      for (const [uuid, itemId] of [
        [privateS4, privateItem],
        [allDayS4, allDayItem],
        [invitedS4, invitedItem],
      ] as const)
        await waitFor(
          async () =>
            (await linksWhere(system, `s4_key = $1 AND state = 'linked'`, [uuid]))[0]?.exchange_item_id === itemId ||
            undefined,
          'the S/4 appointment paired with the Outlook look-alike',
          LOADED,
        );
      const outlook = (id: string) => system.ews.listItems(ALICE).find((item) => item.id === id)!;
      // S/4 owns the flags: the Outlook items turn private and all-day; under the default owner (Exchange) S/4 would follow Outlook.
      await waitFor(
        async () => outlook(privateItem).props.Sensitivity === 'Private' || undefined,
        'Private in Outlook',
      );
      await waitFor(async () => outlook(allDayItem).props.IsAllDayEvent === 'true' || undefined, 'all-day in Outlook');
      expect((await system.s4.getAppointment(privateS4))!.isPrivate).toBe(true);
      expect((await system.s4.getAppointment(allDayS4))!.isAllDay).toBe(true);
      // Exchange owns the attendees here: Outlook's empty list wins, Bob leaves the S/4 partners (a union would have invited him in Outlook).
      await waitFor(
        async () => !(await system.s4.getAppointment(invitedS4))!.partners.some(isBobAttendee) || undefined,
        'Bob to leave the S/4 attendees',
      );
      expect(outlook(invitedItem).props.RequiredAttendees ?? '').not.toContain('bob@demo.example');
      const overwritten = (rows: JournalRow[]) =>
        rows.flatMap((r) => (r.details.overwritten as { field: string }[]).map((o) => o.field));
      const journal = await journalEventually(
        system,
        `s4_key = ANY($1) AND outcome = 'conflict'`,
        [[privateS4, allDayS4, invitedS4]],
        (rows) => ['isPrivate', 'isAllDay', 'attendees'].every((f) => overwritten(rows).includes(f)),
        'the three conflicts in the journal',
      );
      expect(overwritten(journal)).toEqual(expect.arrayContaining(['isPrivate', 'isAllDay', 'attendees']));
    } finally {
      await ewsPush('resume');
    }
    // The held-back notifications are echoes of what is now on both sides.
    await settle(4_000);
    expect((await system.s4.getAppointment(privateS4))!.isPrivate).toBe(true);
    expect((await system.s4.getAppointment(allDayS4))!.isAllDay).toBe(true);
    expect(system.ews.listItems(ALICE).filter((i) => i.subject?.startsWith('Look-alike'))).toHaveLength(3);
    expect((await system.s4.getAppointment(invitedS4))!.partners.some(isBobAttendee)).toBe(false);
    expect(
      system.ews.listItems(ALICE).find((item) => item.id === invitedItem)!.props.RequiredAttendees ?? '',
    ).not.toContain('bob@demo.example');
    expect(await system.s4.findAppointmentsByExternalReference(privateItem)).toEqual([]);
  });
});
