import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S4Appointment } from '../../../src/connectors/s4/index.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import {
  changeSettings,
  journalEventually,
  journalWhere,
  linksWhere,
  outlookSeries,
  settle,
  startSubscribedSystem,
} from './support.js';

/**
 * Outlook series → S/4, one activity per occurrence (setting `appointments.recurringToS4`), on the
 * EWS backend: occurrences across a daylight-saving change in Europe/Berlin, a moved occurrence,
 * a deleted one, and the setting off.
 */
let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem();
}, 120_000);
afterAll(async () => system.stop());

const ALICE = 'alice@demo.example';
const DAY = 86_400_000;

/** The last Sunday of a month (the EU changes clocks then, at 01:00 UTC). */
function lastSunday(year: number, month: number): Date {
  const last = new Date(Date.UTC(year, month, 0));
  return new Date(last.getTime() - last.getUTCDay() * DAY);
}

/**
 * The next EU clock change whose series (Monday two weeks before it, weekly, four times) lies in
 * the sync window, with the UTC hour of 09:00 Berlin before and after: +01:00 in winter, +02:00 in summer.
 */
function nextClockChange(): { mondayBefore: Date; before: number; after: number } {
  const year = new Date().getUTCFullYear();
  const changes = [year, year + 1].flatMap((y) => [
    { at: lastSunday(y, 3), before: 8, after: 7 },
    { at: lastSunday(y, 10), before: 7, after: 8 },
  ]);
  const change = changes.find((c) => c.at.getTime() - 13 * DAY > Date.now() - 20 * DAY)!;
  return { mondayBefore: new Date(change.at.getTime() - 13 * DAY), before: change.before, after: change.after };
}

const at = (day: Date, hour: number) =>
  new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hour)).toISOString();
const activitiesOf = async (seriesId: string) =>
  (
    await system.s4.listAppointmentsOfEmployee('EMP001', {
      from: new Date(Date.now() - 60 * DAY).toISOString(),
      to: new Date(Date.now() + 400 * DAY).toISOString(),
    })
  )
    .filter((a) => a.externalReference?.startsWith(`${seriesId}@`))
    .sort((a, b) => a.start.localeCompare(b.start));
const minute = (iso: string) => new Date(iso).toISOString().slice(0, 16);

describe('recurring Outlook series → S/4 end to end (setting:appointments.recurringToS4)', { timeout: 180_000 }, () => {
  it('setting:appointments.recurringToS4 off: a series with the category stays out of S/4 and says so in the journal', async () => {
    const change = nextClockChange();
    const seriesId = await outlookSeries(system, ALICE, {
      subject: 'Weekly (recurring off)',
      start: at(change.mondayBefore, change.before),
      end: at(change.mondayBefore, change.before + 1),
      timeZone: 'Europe/Berlin',
      occurrences: 3,
      categories: ['S/4HANA'],
    });
    const entry = await waitFor(
      async () => (await journalWhere(system, 'exchange_item_id = $1', [seriesId]))[0],
      'the journal entry for the series',
    );
    expect(entry).toMatchObject({ outcome: 'skipped', reason: 'filtered.recurring' });
    await settle(2_000);
    expect(await activitiesOf(seriesId)).toEqual([]);
  });

  it('setting:appointments.recurringToS4 occurrences: one activity per occurrence across the clock change; a moved occurrence moves its activity; a deleted one deletes it', async () => {
    const change = nextClockChange();
    await changeSettings(system, (s) => {
      s.appointments!.recurringToS4 = 'occurrences';
    });

    // The series created while the setting was off comes in without being touched: switching the
    // setting on runs the series pass for every user at once.
    const earlier = (await journalWhere(system, `reason = 'filtered.recurring'`, []))[0]!.exchange_item_id!;
    await waitFor(
      async () => (await activitiesOf(earlier)).length === 3 || undefined,
      'the earlier series to come in after the switch',
      60_000,
    );

    const start = at(change.mondayBefore, change.before);
    const seriesId = await outlookSeries(system, ALICE, {
      subject: 'Weekly across the clock change',
      start,
      end: at(change.mondayBefore, change.before + 1),
      timeZone: 'Europe/Berlin',
      occurrences: 4,
      categories: ['S/4HANA'],
    });
    const activities = await waitFor(async () => {
      const a = await activitiesOf(seriesId);
      return a.length === 4 ? a : undefined;
    }, 'four activities');
    // 09:00 in Berlin every Monday: before the change at one UTC hour, after it at the other.
    const mondays = [0, 7, 14, 21].map((d) => new Date(change.mondayBefore.getTime() + d * DAY));
    const expected = mondays.map((d, i) => at(d, i < 2 ? change.before : change.after));
    expect(activities.map((a) => minute(a.start))).toEqual(expected.map(minute));
    expect(activities.map((a) => a.subject)).toEqual(Array(4).fill('Weekly across the clock change'));
    expect(
      activities.every((a) =>
        a.partners.some((p) => p.partnerFunction === '00000014' && p.businessPartner === 'EMP001'),
      ),
    ).toBe(true);
    // Keyed by series and original start: the link and the S/4 external reference.
    expect(activities.map((a) => a.externalReference)).toEqual(
      expected.map((e) => `${seriesId}@${new Date(e).toISOString().slice(0, 16)}:00.000Z`),
    );
    const links = await linksWhere(system, 'exchange_item_id LIKE $1', [`${seriesId}@%`]);
    expect(links.filter((l) => l.state === 'linked')).toHaveLength(4);
    // Nothing of the series is copied back into Alice's calendar as single items.
    await settle(3_000);
    expect(
      system.ews
        .listItems(ALICE)
        .filter((i) => i.folder === 'calendar' && i.subject === 'Weekly across the clock change'),
    ).toHaveLength(1);

    // Move the second occurrence two hours later in Outlook: an exception.
    const service = makeService(system.ews, { impersonate: ALICE });
    const second = await ews.Appointment.BindToOccurrence(service, new ews.ItemId(seriesId), 2);
    second.Start = ews.DateTime.Parse(new Date(Date.parse(expected[1]!) + 2 * 3_600_000).toISOString());
    second.End = ews.DateTime.Parse(new Date(Date.parse(expected[1]!) + 3 * 3_600_000).toISOString());
    await second.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
    const movedKey = activities[1]!.uuid;
    await waitFor(
      async () =>
        minute((await system.s4.getAppointment(movedKey))!.start) ===
          minute(new Date(Date.parse(expected[1]!) + 2 * 3_600_000).toISOString()) || undefined,
      'the moved occurrence’s activity to move',
    );
    expect((await system.s4.getAppointment(activities[0]!.uuid))!.start).toBe(activities[0]!.start);

    // Delete the third occurrence: its activity is deleted (onOutlookDelete = delete), the others stay.
    const third = await ews.Appointment.BindToOccurrence(service, new ews.ItemId(seriesId), 3);
    await third.Delete(ews.DeleteMode.MoveToDeletedItems, ews.SendCancellationsMode.SendToNone);
    await waitFor(
      async () => (await system.s4.getAppointment(activities[2]!.uuid)) === undefined || undefined,
      'the deleted occurrence’s activity to go',
    );
    const left: S4Appointment[] = await activitiesOf(seriesId);
    expect(left.map((a) => a.uuid)).toEqual([activities[0]!.uuid, activities[1]!.uuid, activities[3]!.uuid]);
    const journal = await journalEventually(
      system,
      'exchange_item_id = $1',
      [activities[2]!.externalReference],
      (rows) => rows.some((r) => r.outcome === 'deleted'),
      'the deleted occurrence in the journal',
    );
    expect(journal.map((r) => r.reason)).toContain('created.s4');
  });
});
