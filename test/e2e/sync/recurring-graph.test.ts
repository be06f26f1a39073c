import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphClient } from '../../support/graph-outlook.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { changeSettings, journalWhere, linksWhere, settle, startGraphSystem } from './support.js';

/**
 * Outlook series → S/4, one activity per occurrence (setting `appointments.recurringToS4`), on the
 * Microsoft Graph backend. Alice's series is made, changed and cut by another Graph client, as
 * her Outlook would: Graph names occurrences by opaque ids under their `seriesMasterId` ("List
 * instances", learn.microsoft.com/graph/api/event-list-instances), and a deleted occurrence is
 * simply missing from the instances ("Delete event", learn.microsoft.com/graph/api/event-delete).
 */
let system: RunningSystem;
beforeAll(async () => {
  system = await startGraphSystem();
}, 120_000);
afterAll(async () => system?.stop());

const ALICE = 'alice@demo.example';
const DAY = 86_400_000;
const graphTime = (iso: string) => ({ dateTime: iso.slice(0, 19), timeZone: 'UTC' });
const minute = (iso: string) => new Date(iso).toISOString().slice(0, 16);
const activitiesOf = async (seriesId: string) =>
  (
    await system.s4.listAppointmentsOfEmployee('EMP001', {
      from: new Date(Date.now() - 60 * DAY).toISOString(),
      to: new Date(Date.now() + 400 * DAY).toISOString(),
    })
  )
    .filter((a) => a.externalReference?.startsWith(`${seriesId}@`))
    .sort((a, b) => a.start.localeCompare(b.start));

describe('recurring Outlook series → S/4 end to end on Microsoft Graph (setting:appointments.recurringToS4)', () => {
  it(
    'setting:appointments.recurringToS4 occurrences: one activity per occurrence; a changed occurrence updates its activity; a deleted one deletes it',
    { timeout: 240_000 },
    async () => {
      await changeSettings(system, (s) => {
        s.appointments!.recurringToS4 = 'occurrences';
      });
      const outlook = await graphClient(system.graph!);
      const first = new Date(Date.now() + 7 * DAY);
      first.setUTCHours(7, 0, 0, 0);
      const start = first.toISOString();
      const created = await outlook('POST', `/users/${ALICE}/events`, {
        subject: 'Weekly pipeline review',
        start: graphTime(start),
        end: graphTime(new Date(Date.parse(start) + 1_800_000).toISOString()),
        categories: ['S/4HANA'],
        recurrence: {
          pattern: {
            type: 'weekly',
            interval: 1,
            daysOfWeek: [first.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' }).toLowerCase()],
          },
          range: { type: 'numbered', startDate: start.slice(0, 10), numberOfOccurrences: 4 },
        },
      });
      expect(created.status).toBe(201);
      const seriesId = created.json.id as string;

      const activities = await waitFor(
        async () => {
          const a = await activitiesOf(seriesId);
          return a.length === 4 ? a : undefined;
        },
        'four activities, one per occurrence',
        90_000,
      );
      const expected = [0, 7, 14, 21].map((d) => new Date(Date.parse(start) + d * DAY).toISOString());
      expect(activities.map((a) => minute(a.start))).toEqual(expected.map(minute));
      expect(activities.map((a) => a.subject)).toEqual(Array(4).fill('Weekly pipeline review'));
      expect(activities.map((a) => a.externalReference)).toEqual(
        expected.map((e) => `${seriesId}@${new Date(e).toISOString()}`),
      );
      const links = await linksWhere(system, 'exchange_item_id LIKE $1', [`${seriesId}@%`]);
      expect(links.filter((l) => l.state === 'linked')).toHaveLength(4);

      // Alice changes the second occurrence in Outlook (it becomes an exception): its activity follows, the others stay.
      const end = new Date(Date.parse(start) + 60 * DAY).toISOString();
      const listed = await outlook(
        'GET',
        `/users/${ALICE}/events/${seriesId}/instances?startDateTime=${start}&endDateTime=${end}`,
      );
      const instances = listed.json.value as Array<{ id: string; seriesMasterId: string; type: string }>;
      expect(instances).toHaveLength(4);
      expect(instances.every((i) => i.seriesMasterId === seriesId && i.type === 'occurrence')).toBe(true);
      const moved = new Date(Date.parse(expected[1]!) + 2 * 3_600_000).toISOString();
      const patched = await outlook('PATCH', `/users/${ALICE}/events/${instances[1]!.id}`, {
        subject: 'Weekly pipeline review (room 4)',
        start: graphTime(moved),
        end: graphTime(new Date(Date.parse(moved) + 1_800_000).toISOString()),
      });
      expect(patched.status).toBe(200);
      const second = await waitFor(
        async () => {
          const current = await system.s4.getAppointment(activities[1]!.uuid);
          return current?.subject === 'Weekly pipeline review (room 4)' ? current : undefined;
        },
        'the changed occurrence’s activity to follow',
        90_000,
      );
      expect(minute(second.start)).toBe(minute(moved));
      expect(second.externalReference).toBe(activities[1]!.externalReference);
      expect((await system.s4.getAppointment(activities[0]!.uuid))!.subject).toBe('Weekly pipeline review');
      expect((await system.s4.getAppointment(activities[2]!.uuid))!.subject).toBe('Weekly pipeline review');

      // Alice deletes the third occurrence: its activity is deleted (onOutlookDelete = delete), the others stay.
      expect((await outlook('DELETE', `/users/${ALICE}/events/${instances[2]!.id}`)).status).toBe(204);
      await waitFor(
        async () => (await system.s4.getAppointment(activities[2]!.uuid)) === undefined || undefined,
        'the deleted occurrence’s activity to go',
        90_000,
      );
      await settle(3_000);
      const left = await activitiesOf(seriesId);
      expect(left.map((a) => a.uuid)).toEqual([activities[0]!.uuid, activities[1]!.uuid, activities[3]!.uuid]);
      const journal = await journalWhere(system, 'exchange_item_id = $1', [activities[2]!.externalReference]);
      expect(journal.map((r) => r.reason)).toContain('created.s4');
      expect(journal.some((r) => r.outcome === 'deleted')).toBe(true);
      // Nothing of the series is copied back into Alice's calendar as single items.
      expect(
        system
          .graph!.exportMailbox(ALICE)
          .appointments.filter((a) => String(a.subject).startsWith('Weekly pipeline review')),
      ).toHaveLength(1);
    },
  );
});
