import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S4AppointmentInput } from '../../../src/connectors/s4/index.js';
import { DEMO } from '../../../src/emulators/s4/index.js';
import { withTenant } from '../../../src/store/transaction.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import {
  changeSettings,
  inDays,
  journalWhere,
  outlookAppointment,
  outlookSeries,
  startSubscribedSystem,
} from './support.js';

/**
 * Which appointments sync at all — appointments on or off, the process types, the sync window —
 * changed through the admin API and observed in S/4 and Outlook. Where a setting keeps an
 * appointment out, the journal says so once (support's "why did this not sync").
 */
let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem();
}, 120_000);
afterAll(async () => system.stop());

const ALICE = 'alice@demo.example';
const DAY = 86_400_000;
const calendarOf = (mailbox: string) => system.ews.listItems(mailbox).filter((item) => item.folder === 'calendar');
const inCalendar = (subject: string) =>
  waitFor(async () => calendarOf(ALICE).find((i) => i.subject === subject), `“${subject}” in Alice’s calendar`);

/** An S/4 appointment of Alice's (employee responsible) `days` from today, one hour at 09:00 UTC. */
function s4Appointment(subject: string, days: number, extra: Partial<S4AppointmentInput> = {}) {
  return system.s4.createAppointment({
    processType: 'ZVIS',
    subject,
    start: inDays(days, 9),
    end: inDays(days, 10),
    timeZone: 'Europe/Berlin',
    partners: [{ partnerFunction: '00000014', businessPartner: DEMO.employees.alice }],
    ...extra,
  });
}

/** The journal entries about an S/4 activity, once there is one. */
const entriesOf = (column: 's4_key' | 'exchange_item_id', key: string) =>
  waitFor(async () => {
    const rows = await journalWhere(system, `${column} = $1`, [key]);
    return rows.length > 0 ? rows : undefined;
  }, `the journal entry of ${key}`);

/** Waits until the worker has handled `count` S/4 events about the activity (its inbox rows are done). */
const eventsHandled = (uuid: string, count: number) =>
  waitFor(
    async () =>
      withTenant(
        'demo',
        async (tx) =>
          (
            await tx.query<{ open: number; done: number }>(
              `SELECT count(*) FILTER (WHERE status <> 'done')::int AS open, count(*) FILTER (WHERE status = 'done')::int AS done
                 FROM inbox WHERE subject = $1`,
              [`s4:appointment:${uuid.toLowerCase()}`],
            )
          ).rows[0]!,
        system.db.pool,
      ).then((n) => (n.open === 0 && n.done >= count) || undefined),
    `${count} S/4 events of ${uuid} to be handled`,
  );

describe('which appointments sync, end to end', { timeout: 120_000 }, () => {
  it('setting:appointments.processTypes: an unlisted process type stays out of Outlook (journalled once); once listed it arrives with its own body text type, and Outlook edits go back to that text', async () => {
    const before = await s4Appointment('Trade fair meeting, unlisted', 20, {
      processType: 'ZMTG',
      texts: [{ textType: 'A003', text: 'Stand 4' }],
    });
    const skipped = await entriesOf('s4_key', before.uuid);
    expect(skipped[0]).toMatchObject({ outcome: 'skipped', reason: 'filtered.processType' });
    // A second change of the same activity: the answer stands and is not journalled again.
    const latest = (await system.s4.getAppointment(before.uuid))!;
    await system.s4.updateAppointment(before.uuid, latest.etag, { location: 'Hall 4' });
    await eventsHandled(before.uuid, 2);
    expect(await journalWhere(system, 's4_key = $1', [before.uuid])).toHaveLength(1);

    await changeSettings(system, (s) => {
      s.appointments!.processTypes = [
        { processType: 'ZVIS', textType: 'A002' },
        { processType: 'ZMTG', textType: 'A003' },
      ];
    });
    expect(calendarOf(ALICE).some((i) => i.subject === 'Trade fair meeting, unlisted')).toBe(false);

    const listed = await s4Appointment('Trade fair meeting, listed', 21, {
      processType: 'ZMTG',
      texts: [
        { textType: 'A002', text: 'Not this text' },
        { textType: 'A003', text: 'Stand 7' },
      ],
    });
    const item = await inCalendar('Trade fair meeting, listed');
    expect(item.props.Body).toContain('Stand 7');
    expect(item.props.Body).not.toContain('Not this text');

    const mine = await ews.Appointment.Bind(makeService(system.ews, { impersonate: ALICE }), new ews.ItemId(item.id));
    mine.Body = new ews.MessageBody(ews.BodyType.Text, 'Stand 7, bring the banner');
    await mine.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
    const updated = await waitFor(async () => {
      const a = await system.s4.getAppointment(listed.uuid);
      return a?.texts.some((t) => t.textType === 'A003' && t.text.includes('bring the banner')) ? a : undefined;
    }, 'the body in the A003 text');
    expect(updated.texts.find((t) => t.textType === 'A002')?.text).toBe('Not this text');
  });

  it('setting:syncWindow.daysBack and setting:syncWindow.daysAhead: S/4 appointments outside the window stay out (journalled outOfWindow), an Outlook series reaches S/4 only inside it', async () => {
    await changeSettings(system, (s) => {
      s.syncWindow = { daysBack: 5, daysAhead: 20 };
      s.appointments!.recurringToS4 = 'occurrences';
    });
    // Under the default window (30 days back, 365 ahead) all four would arrive.
    const created = await Promise.all(
      (
        [
          ['Eight days ago', -8],
          ['Three days ago', -3],
          ['In fifteen days', 15],
          ['In twenty-five days', 25],
        ] as const
      ).map(([subject, days]) => s4Appointment(subject, days)),
    );
    await inCalendar('Three days ago');
    await inCalendar('In fifteen days');
    for (const outside of [created[0]!, created[3]!]) {
      const [entry] = await entriesOf('s4_key', outside.uuid);
      expect(entry).toMatchObject({ outcome: 'skipped', reason: 'outOfWindow' });
    }
    expect(calendarOf(ALICE).some((i) => i.subject === 'Eight days ago' || i.subject === 'In twenty-five days')).toBe(
      false,
    );

    // Weekly from 14 days ago, seven times: -14, -7, 0, 7, 14, 21, 28 days; inside the window only 0, 7 and 14.
    const start = inDays(-14, 9);
    const seriesId = await outlookSeries(system, ALICE, {
      subject: 'Weekly inside the window',
      start,
      end: inDays(-14, 10),
      timeZone: 'Europe/Berlin',
      occurrences: 7,
      categories: ['S/4HANA'],
    });
    const inS4 = async () =>
      (
        await system.s4.listAppointmentsOfEmployee(DEMO.employees.alice, {
          from: new Date(Date.now() - 60 * DAY).toISOString(),
          to: new Date(Date.now() + 60 * DAY).toISOString(),
        })
      )
        .filter((a) => a.externalReference?.startsWith(`${seriesId}@`))
        .map((a) => Math.round((Date.parse(a.start) - Date.parse(start)) / DAY))
        .sort((a, b) => a - b);
    await waitFor(async () => ((await inS4()).length >= 3 ? true : undefined), 'the occurrences in S/4');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await inS4()).toEqual([14, 21, 28]);
  });

  it('setting:appointments.exchangeToS4 all: an Outlook appointment with neither category nor tag reaches S/4', async () => {
    const before = await outlookAppointment(system, ALICE, {
      subject: 'Plain visit under category',
      start: inDays(3, 9),
      end: inDays(3, 10),
    });
    expect((await entriesOf('exchange_item_id', before))[0]).toMatchObject({
      outcome: 'skipped',
      reason: 'filtered.category',
    });
    await changeSettings(system, (s) => {
      s.appointments!.exchangeToS4 = 'all';
    });
    const plain = await outlookAppointment(system, ALICE, {
      subject: 'Plain visit under all',
      start: inDays(3, 11),
      end: inDays(3, 12),
    });
    const activity = await waitFor(
      async () => (await system.s4.findAppointmentsByExternalReference(plain))[0],
      'the activity of the unmarked item',
    );
    expect(activity.subject).toBe('Plain visit under all');
  });

  it('setting:appointments.enabled: off, neither S/4 appointments nor Outlook appointments sync, and both are journalled as disabled', async () => {
    await changeSettings(system, (s) => {
      s.appointments!.enabled = false;
    });
    const fromS4 = await s4Appointment('Visit while appointments are off', 4);
    const fromOutlook = await outlookAppointment(system, ALICE, {
      subject: 'Outlook visit while appointments are off',
      start: inDays(4, 12),
      end: inDays(4, 13),
      categories: ['S/4HANA'],
    });
    expect((await entriesOf('s4_key', fromS4.uuid))[0]).toMatchObject({ outcome: 'skipped', reason: 'disabled' });
    expect((await entriesOf('exchange_item_id', fromOutlook))[0]).toMatchObject({
      outcome: 'skipped',
      reason: 'disabled',
    });
    expect(calendarOf(ALICE).some((i) => i.subject === 'Visit while appointments are off')).toBe(false);
    expect(await system.s4.findAppointmentsByExternalReference(fromOutlook)).toEqual([]);
  });
});
