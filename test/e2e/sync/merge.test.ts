import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { inDays, journalWhere, settle, startSubscribedSystem } from './support.js';

let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem();
}, 120_000);
afterAll(async () => system.stop());

const ALICE = 'alice@demo.example';
const calendarOf = (mailbox: string) => system.ews.listItems(mailbox).filter((item) => item.folder === 'calendar');

/** S/4 stops posting events (as when the event mesh lags): the worker learns of S/4 edits only by reading S/4. */
async function s4Events(action: 'pause' | 'resume'): Promise<void> {
  const response = await fetch(`${system.s4Emulator.url}/_emulator/events/${action}`, { method: 'POST' });
  expect(response.status).toBe(200);
}

/** An S/4 appointment for Alice, synced to her calendar and linked. */
async function linkedAppointment(subject: string, days: number) {
  const created = await system.s4.createAppointment({
    processType: 'ZVIS',
    subject,
    start: inDays(days, 9),
    end: inDays(days, 10),
    timeZone: 'Europe/Berlin',
    location: 'Walldorf',
    status: 'E0001',
    priority: '5',
    partners: [{ partnerFunction: '00000014', businessPartner: 'EMP001' }],
  });
  const item = await waitFor(
    async () => calendarOf(ALICE).find((i) => i.subject === subject),
    `“${subject}” in Alice’s calendar`,
  );
  // Let change tracking report our own create back (journalled 'unchanged'), so the next edits are the only news on both sides.
  await waitFor(
    async () => (await journalWhere(system, 's4_key = $1', [created.uuid])).length >= 2 || undefined,
    'change tracking to report the create back',
  );
  return { uuid: created.uuid, itemId: item.id };
}

async function editInOutlook(itemId: string, edit: (appointment: ews.Appointment) => void): Promise<void> {
  const service = makeService(system.ews, { impersonate: ALICE });
  const appointment = await ews.Appointment.Bind(service, new ews.ItemId(itemId));
  edit(appointment);
  await appointment.Update(
    ews.ConflictResolutionMode.AlwaysOverwrite,
    ews.SendInvitationsOrCancellationsMode.SendToNone,
  );
}

describe('concurrent edits on both sides of one linked appointment', { timeout: 60_000 }, () => {
  it('S/4 changes status and priority while Outlook changes subject and location: both sides end with all four', async () => {
    const { uuid, itemId } = await linkedAppointment('Quarterly planning', 5);
    await s4Events('pause');
    try {
      const before = (await system.s4.getAppointment(uuid))!;
      await system.s4.updateAppointment(uuid, before.etag, { status: 'E0002', priority: '1' });
      await editInOutlook(itemId, (a) => {
        a.Subject = 'Quarterly planning (room changed)';
        a.Location = 'Room 4.12';
      });

      // The Outlook change makes the worker read S/4 fresh: it sees both edits and merges them field by field.
      const s4 = await waitFor(async () => {
        const current = await system.s4.getAppointment(uuid);
        return current?.location === 'Room 4.12' ? current : undefined;
      }, 'Outlook’s edits in S/4');
      expect(s4).toMatchObject({
        subject: 'Quarterly planning (room changed)',
        location: 'Room 4.12',
        status: 'E0002',
        priority: '1',
      });
      const item = await waitFor(async () => {
        const found = calendarOf(ALICE).find((i) => i.id === itemId);
        return found?.props.Importance === 'High' ? found : undefined;
      }, 'S/4’s priority as importance in Outlook');
      expect(item).toMatchObject({ subject: 'Quarterly planning (room changed)' });
      expect(item.props.Location).toBe('Room 4.12');
    } finally {
      await s4Events('resume');
    }

    // The late S/4 event and our own writes come back as echoes: nothing changes any more.
    await system.s4Emulator.waitForEvents((entries) => entries.every((e) => e.state !== 'pending'));
    await settle(3_000);
    const journal = await journalWhere(system, 's4_key = $1', [uuid]);
    expect(journal.map((r) => r.outcome)).toContain('merged');
    expect(journal.some((r) => r.outcome === 'conflict')).toBe(false);
    const final = (await system.s4.getAppointment(uuid))!;
    expect(final).toMatchObject({
      subject: 'Quarterly planning (room changed)',
      location: 'Room 4.12',
      status: 'E0002',
      priority: '1',
    });
    expect(calendarOf(ALICE).filter((i) => i.subject?.startsWith('Quarterly planning'))).toHaveLength(1);
  });

  /** Alice's Outlook copy moved to `hour` (UTC) of the appointment's day, an hour long. */
  const moveInOutlook = (itemId: string, days: number, hour: number) =>
    editInOutlook(itemId, (a) => {
      a.Start = ews.DateTime.Parse(inDays(days, hour));
      a.End = ews.DateTime.Parse(inDays(days, hour + 1));
    });

  // Found by the convergence suite (FC_SEED=-705183807 FC_PATH=2): the Exchange write went first
  // and stamped the item with a hash of all it held, the Outlook move included; S/4 then refused
  // its write as stale, and the re-read counted the stamped move as Tandem's own write and undid it.
  it('Outlook moves while S/4 renames, and S/4 refuses Tandem’s first write as stale (412): both sides end renamed and moved', async () => {
    const { uuid, itemId } = await linkedAppointment('Supplier audit', 7);
    await s4Events('pause');
    try {
      const before = (await system.s4.getAppointment(uuid))!;
      await system.s4.updateAppointment(uuid, before.etag, { subject: 'Supplier audit (Plant 2)' });
      // The next update of an appointment meets a concurrent change (SAP Gateway answers a stale If-Match with 412).
      system.s4Emulator.injectFault({
        method: 'MERGE',
        pathContains: 'A_AppointmentActivity',
        status: 412,
        code: '/IWBEP/CM_MGW_RT/022',
        message: 'Entity has been changed by another user (ETag mismatch); read it again',
      });
      await moveInOutlook(itemId, 7, 13);

      const s4 = await waitFor(async () => {
        const current = await system.s4.getAppointment(uuid);
        return current && new Date(current.start).toISOString() === inDays(7, 13) ? current : undefined;
      }, 'the Outlook move in S/4');
      expect(s4.subject).toBe('Supplier audit (Plant 2)');
      expect(system.s4Emulator.faults.list()).toHaveLength(0);
      const item = await waitFor(async () => {
        const found = calendarOf(ALICE).find((i) => i.id === itemId);
        return found?.subject === 'Supplier audit (Plant 2)' ? found : undefined;
      }, 'the S/4 subject in Outlook');
      expect(new Date(item.props.Start as string).toISOString()).toBe(inDays(7, 13));
    } finally {
      await s4Events('resume');
    }
    await system.s4Emulator.waitForEvents((entries) => entries.every((e) => e.state !== 'pending'));
    await settle(3_000);
    expect(new Date((await system.s4.getAppointment(uuid))!.start).toISOString()).toBe(inDays(7, 13));
    expect(new Date(calendarOf(ALICE).find((i) => i.id === itemId)!.props.Start as string).toISOString()).toBe(
      inDays(7, 13),
    );
  });

  it('S/4 takes the Outlook move but Exchange is busy for Tandem’s rename: the next Outlook move is news, not a conflict', async () => {
    const { uuid, itemId } = await linkedAppointment('Board prep', 8);
    await s4Events('pause');
    try {
      const before = (await system.s4.getAppointment(uuid))!;
      await system.s4.updateAppointment(uuid, before.etag, { subject: 'Board prep (final)' });
      // Outlook's push is held while the user moves, so that the fault below is set before Tandem acts.
      system.ews.push.paused = true;
      await moveInOutlook(itemId, 8, 13);
      // Exchange answers Tandem's rename ErrorServerBusy with a back-off too long to wait out in-process:
      // the job goes back to the queue, the S/4 write it made has landed.
      system.ews.failNext({ operation: 'UpdateItem', responseCode: 'ErrorServerBusy', backOffMilliseconds: 61_000 });
      system.ews.push.resume();
      await waitFor(async () => {
        const current = await system.s4.getAppointment(uuid);
        return current && new Date(current.start).toISOString() === inDays(8, 13) ? current : undefined;
      }, 'the first Outlook move in S/4');
      await waitFor(async () => system.ews.faults.pending().length === 0, 'Tandem’s rename to meet the busy Exchange');

      // The user moves again before Tandem's retry: S/4 holds the first move, Outlook the second.
      await moveInOutlook(itemId, 8, 15);
    } finally {
      await s4Events('resume');
    }
    const s4 = await waitFor(async () => {
      const current = await system.s4.getAppointment(uuid);
      return current && new Date(current.start).toISOString() === inDays(8, 15) ? current : undefined;
    }, 'the second Outlook move in S/4');
    expect(s4.subject).toBe('Board prep (final)');
    await waitFor(async () => {
      const found = calendarOf(ALICE).find((i) => i.id === itemId);
      return found?.subject === 'Board prep (final)' ? found : undefined;
    }, 'the S/4 rename in Outlook');
    // The first move is what both sides agreed on once S/4 held it: the second is Outlook's news alone.
    const journal = await journalWhere(system, 's4_key = $1', [uuid]);
    expect(journal.filter((row) => row.outcome === 'conflict')).toEqual([]);
    // Both moves reached S/4, each journalled as it landed (the first before the busy Exchange failed the job).
    expect(journal.filter((row) => row.direction === 'exchange-to-s4' && row.reason === 'changed')).toHaveLength(2);
  });

  it('a true conflict goes to the field’s owner, and the journal keeps the value that lost', async () => {
    const { uuid, itemId } = await linkedAppointment('Budget review', 6);
    await s4Events('pause');
    try {
      // Both change the subject (owned by Exchange) and the priority (owned by S/4), to different values.
      const before = (await system.s4.getAppointment(uuid))!;
      await system.s4.updateAppointment(uuid, before.etag, { subject: 'Budget review (S/4 title)', priority: '1' });
      await editInOutlook(itemId, (a) => {
        a.Subject = 'Budget review (Outlook title)';
        a.Importance = ews.Importance.Low;
      });

      const entry = await waitFor(
        async () => (await journalWhere(system, `s4_key = $1 AND outcome = 'conflict'`, [uuid]))[0],
        'the conflict in the journal',
      );
      expect(entry.reason).toBe('conflict.merge');
      expect(entry.details.overwritten).toEqual(
        expect.arrayContaining([
          { field: 'subject', side: 's4', value: 'Budget review (S/4 title)' },
          { field: 'importance', side: 'exchange', value: 'low' },
        ]),
      );
      const s4 = await waitFor(async () => {
        const current = await system.s4.getAppointment(uuid);
        return current?.subject === 'Budget review (Outlook title)' ? current : undefined;
      }, 'the Outlook subject in S/4');
      expect(s4.priority).toBe('1');
      const item = await waitFor(async () => {
        const found = calendarOf(ALICE).find((i) => i.id === itemId);
        return found?.props.Importance === 'High' ? found : undefined;
      }, 'the S/4 priority in Outlook');
      expect(item.subject).toBe('Budget review (Outlook title)');
    } finally {
      await s4Events('resume');
    }
    await system.s4Emulator.waitForEvents((entries) => entries.every((e) => e.state !== 'pending'));
    await settle(3_000);
    expect(await system.s4.getAppointment(uuid)).toMatchObject({
      subject: 'Budget review (Outlook title)',
      priority: '1',
    });
    expect(calendarOf(ALICE).find((i) => i.id === itemId)).toMatchObject({
      subject: 'Budget review (Outlook title)',
      props: expect.objectContaining({ Importance: 'High' }),
    });
  });
});
