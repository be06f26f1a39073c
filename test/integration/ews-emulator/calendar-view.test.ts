import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEwsEmulator, type EwsEmulator } from '../../../src/emulators/ews/index.js';
import { errorName, ews, makeService, rejection, utc } from './support.js';

// The typings declare only the no-argument constructors; the runtime has the documented overloads.
const WeeklyPattern = ews.Recurrence.WeeklyPattern as unknown as new (
  start: ews.DateTime,
  interval: number,
  days: ews.DayOfTheWeek[],
) => InstanceType<typeof ews.Recurrence.WeeklyPattern>;
const DailyPattern = ews.Recurrence.DailyPattern as unknown as new (
  start: ews.DateTime,
  interval: number,
) => InstanceType<typeof ews.Recurrence.DailyPattern>;

let emu: EwsEmulator;
let svc: ews.ExchangeService;

beforeAll(async () => {
  emu = await startEwsEmulator({ log: false });
  svc = makeService(emu, { impersonate: 'bob@demo.example' });
});
afterAll(async () => {
  await emu.close();
});

describe('recurring series through CalendarView', () => {
  it('expands a weekly series in W. Europe time across DST, with an exception and a deleted occurrence', async () => {
    const berlin = ews.TimeZoneInfo.FindSystemTimeZoneById('W. Europe Standard Time');
    const appt = new ews.Appointment(svc);
    appt.Subject = 'Weekly visit';
    appt.StartTimeZone = berlin;
    appt.EndTimeZone = berlin;
    appt.Start = utc(2026, 3, 16, 8); // 09:00 CET
    appt.End = utc(2026, 3, 16, 9);
    const pattern = new WeeklyPattern(utc(2026, 3, 16, 8), 1, [ews.DayOfTheWeek.Monday]);
    pattern.NumberOfOccurrences = 4;
    appt.Recurrence = pattern;
    await appt.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);

    const view = new ews.CalendarView(utc(2026, 3, 1), utc(2026, 5, 1));
    const before = await svc.FindAppointments(ews.WellKnownFolderName.Calendar, view);
    // 09:00 local every Monday: 08:00Z in CET, 07:00Z after the switch to CEST on 29 March 2026.
    expect(before.Items.map((a) => a.Start.ToISOString())).toEqual([
      '2026-03-16T08:00:00.000Z',
      '2026-03-23T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-04-06T07:00:00.000Z',
    ]);
    expect(before.Items.every((a) => a.AppointmentType === ews.AppointmentType.Occurrence)).toBe(true);

    const second = await ews.Appointment.BindToOccurrence(svc, appt.Id, 2);
    second.Subject = 'Weekly visit (moved)';
    second.Start = utc(2026, 3, 24, 10);
    second.End = utc(2026, 3, 24, 11);
    await second.Update(ews.ConflictResolutionMode.AutoResolve, ews.SendInvitationsOrCancellationsMode.SendToNone);
    const third = await ews.Appointment.BindToOccurrence(svc, appt.Id, 3);
    await third.Delete(ews.DeleteMode.HardDelete, ews.SendCancellationsMode.SendToNone);

    const after = await svc.FindAppointments(ews.WellKnownFolderName.Calendar, view);
    expect(after.Items.map((a) => [a.Subject, a.Start.ToISOString(), ews.AppointmentType[a.AppointmentType]])).toEqual([
      ['Weekly visit', '2026-03-16T08:00:00.000Z', 'Occurrence'],
      ['Weekly visit (moved)', '2026-03-24T10:00:00.000Z', 'Exception'],
      ['Weekly visit', '2026-04-06T07:00:00.000Z', 'Occurrence'],
    ]);

    const master = await ews.Appointment.Bind(svc, appt.Id);
    expect(master.AppointmentType).toBe(ews.AppointmentType.RecurringMaster);
    expect(master.ModifiedOccurrences.Count).toBe(1);
    expect(master.ModifiedOccurrences._getItem(0).OriginalStart.ToISOString()).toBe('2026-03-23T08:00:00.000Z');
    expect(master.DeletedOccurrences.Count).toBe(1);
    expect(master.DeletedOccurrences._getItem(0).OriginalStart.ToISOString()).toBe('2026-03-30T07:00:00.000Z');
    expect(master.LastOccurrence.Start.ToISOString()).toBe('2026-04-06T07:00:00.000Z');
    // Exchange returns the full TimeZoneDefinition, which ews-javascript-api needs to rebuild the zone.
    expect(master.StartTimeZone.Id).toBe('W. Europe Standard Time');

    const deleted = await rejection(ews.Appointment.BindToOccurrence(svc, appt.Id, 3));
    expect(errorName(deleted)).toBe('ErrorCalendarOccurrenceIsDeletedFromRecurrence');
    const outOfRange = await rejection(ews.Appointment.BindToOccurrence(svc, appt.Id, 9));
    expect(errorName(outOfRange)).toBe('ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange');

    // A plain FindItem returns the master, not the occurrences.
    const plain = await svc.FindItems(ews.WellKnownFolderName.Calendar, new ews.ItemView(10));
    expect(plain.Items.map((i) => i.Id.UniqueId)).toEqual([appt.Id.UniqueId]);
  });

  it('limits CalendarView to MaxEntriesReturned and reports that more items exist', async () => {
    const appt = new ews.Appointment(svc);
    appt.Subject = 'Daily standup';
    appt.Start = utc(2027, 1, 4, 9);
    appt.End = utc(2027, 1, 4, 9, 15);
    const pattern = new DailyPattern(utc(2027, 1, 4, 9), 1);
    pattern.NumberOfOccurrences = 10;
    appt.Recurrence = pattern;
    await appt.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
    const res = await svc.FindAppointments(
      ews.WellKnownFolderName.Calendar,
      new ews.CalendarView(utc(2027, 1, 1), utc(2027, 2, 1), 3),
    );
    expect(res.Items.length).toBe(3);
    expect(res.MoreAvailable).toBe(true);
    expect(res.TotalCount).toBe(10);
  });
});
