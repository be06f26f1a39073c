import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { END_OF_TIME } from '../../../src/emulators/s4/rules.js';
import { jobsProcessed } from '../../../src/observability/metrics.js';
import { withTenant } from '../../../src/store/transaction.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import {
  adminApi,
  inDays,
  journalWhere,
  linksWhere,
  outlookAppointment,
  settle,
  startSubscribedSystem,
} from './support.js';

// Initial loads run in chunks of two plans here (one job each), so this file also proves that a
// load resumes correctly from its checkpoint.
process.env.INITIAL_LOAD_CHUNK = '2';

const CAROL = 'carol@demo.example';
const CAROL_BP = 'EMP003';
const DAVE = 'dave@demo.example';
const DAVE_BP = 'EMP004';
const ERIN = 'erin@demo.example';
const ERIN_BP = 'EMP005';

let system: RunningSystem;
let api: ReturnType<typeof adminApi>;
beforeAll(async () => {
  system = await startSubscribedSystem({ ewsMailboxes: [CAROL, DAVE, ERIN] });
  api = adminApi(system);
}, 120_000);
afterAll(async () => system.stop());

const calendarOf = (mailbox: string) => system.ews.listItems(mailbox).filter((item) => item.folder === 'calendar');
const tasksOf = (mailbox: string) => system.ews.listItems(mailbox).filter((item) => item.folder === 'tasks');

/** A new colleague as HR maintains them in S/4: an employee BP (role BUP003) with the S/4 user and e-mail. */
function addEmployeeInS4(bp: string, firstName: string, smtp: string, addressId: string): void {
  const store = system.s4Emulator.store;
  const now = Date.now();
  const user = firstName.toUpperCase();
  store.insert('A_BusinessPartner', {
    BusinessPartner: bp,
    BusinessPartnerCategory: '1',
    BusinessPartnerGrouping: 'BP01',
    BusinessPartnerUUID: store.newGuid(),
    FirstName: firstName,
    LastName: 'Clark',
    BusinessPartnerFullName: `${firstName} Clark`,
    OrganizationBPName1: '',
    OrganizationBPName2: '',
    SearchTerm1: user,
    CorrespondenceLanguage: 'EN',
    BusinessPartnerIsBlocked: false,
    CreatedByUser: 'HR',
    LastChangedByUser: 'HR',
    CreationDate: now,
    LastChangeDate: now,
    LastChangeTime: 0,
  });
  store.insert('A_BusinessPartnerRole', {
    BusinessPartner: bp,
    BusinessPartnerRole: 'BUP003',
    ValidFrom: Date.UTC(2020, 0, 1),
    ValidTo: END_OF_TIME,
  });
  store.insert('A_BuPaIdentification', {
    BusinessPartner: bp,
    BPIdentificationType: 'ZUSER',
    BPIdentificationNumber: user,
    BPIdnNmbrIssuingInstitute: '',
    ValidityStartDate: Date.UTC(2020, 0, 1),
    ValidityEndDate: END_OF_TIME,
  });
  store.insert('A_BusinessPartnerAddress', {
    BusinessPartner: bp,
    AddressID: addressId,
    ValidityStartDate: Date.UTC(2020, 0, 1),
    ValidityEndDate: END_OF_TIME,
    StreetName: 'Dietmar-Hopp-Allee',
    HouseNumber: '16',
    PostalCode: '69190',
    CityName: 'Walldorf',
    Country: 'DE',
    Region: 'BW',
    Language: 'EN',
  });
  store.insert('A_AddressEmailAddress', {
    AddressID: addressId,
    Person: '',
    OrdinalNumber: '001',
    IsDefaultEmailAddress: true,
    EmailAddress: smtp,
    SearchEmailAddress: smtp.toUpperCase().slice(0, 20),
  });
}

interface UserView {
  id: string;
  status: string;
  initialLoad: { state: string; done: number; total: number | null; error?: string | null } | null;
}

describe('initial load of a new user with items on both sides', { timeout: 60_000 }, () => {
  it('matches what exists on both sides, copies one-sided items once, and reports progress until done', async () => {
    addEmployeeInS4(CAROL_BP, 'Carol', CAROL, '29998');
    const responsible = [{ partnerFunction: '00000014', businessPartner: CAROL_BP }];
    // On both sides already: Carol copied it into Outlook by hand (same subject, start and end).
    const both = await system.s4.createAppointment({
      processType: 'ZVIS',
      subject: 'Kick-off Northwind',
      start: inDays(3, 8),
      end: inDays(3, 9),
      timeZone: 'Europe/Berlin',
      partners: responsible,
    });
    const copy = await outlookAppointment(system, CAROL, {
      subject: 'Kick-off Northwind',
      start: inDays(3, 8),
      end: inDays(3, 9),
    });
    // Only in S/4.
    const s4Only = await system.s4.createAppointment({
      processType: 'ZVIS',
      subject: 'Site visit Tailspin',
      start: inDays(4, 12),
      end: inDays(4, 14),
      timeZone: 'Europe/Berlin',
      location: 'Tailspin, Leipzig',
      partners: responsible,
    });
    const s4Task = await system.s4.createTask({
      processType: 'ZTSK',
      subject: 'Prepare Northwind offer',
      due: inDays(5, 15),
      timeZone: 'Europe/Berlin',
      partners: responsible,
    });
    // Carol only attends this one: Bob is responsible.
    const attended = await system.s4.createAppointment({
      processType: 'ZVIS',
      subject: 'Contoso steering committee',
      start: inDays(5, 9),
      end: inDays(5, 10),
      timeZone: 'Europe/Berlin',
      partners: [
        { partnerFunction: '00000014', businessPartner: 'EMP002' },
        { partnerFunction: '00000032', businessPartner: CAROL_BP },
      ],
    });
    // Only in Outlook: one marked for S/4, one private to Outlook.
    const marked = await outlookAppointment(system, CAROL, {
      subject: 'Northwind follow-up call',
      start: inDays(6, 9),
      end: inDays(6, 10),
      categories: ['S/4HANA'],
    });
    const personal = await outlookAppointment(system, CAROL, {
      subject: 'Dentist',
      start: inDays(6, 14),
      end: inDays(6, 15),
    });

    // These items predate Carol as a Tandem user: their S/4 events were handled (for nobody) before she is added.
    await system.s4Emulator.waitForEvents(
      (entries) => entries.length > 0 && entries.every((e) => e.state === 'delivered'),
    );
    await waitFor(
      async () =>
        (await withTenant(
          'demo',
          async (tx) =>
            (
              await tx.query<{ n: number }>(
                `SELECT count(*)::int AS n FROM inbox WHERE source = 's4' AND status <> 'done'`,
              )
            ).rows[0]!.n,
          system.db.pool,
        )) === 0 || undefined,
      'S/4 events to be handled',
    );

    // The admin adds Carol; her initial load starts by itself, with no further call.
    const environments = await api<{ items: Array<{ id: string }> }>('GET', '/environments');
    const created = await api<UserView>('POST', '/users', {
      smtpAddress: CAROL,
      environmentId: environments.body.items[0]!.id,
      s4User: 'CAROL',
      employeeBp: CAROL_BP,
    });
    expect(created.status).toBe(201);
    expect(created.body.initialLoad?.state).toBe('queued');

    const user = await waitFor(
      async () => {
        const view = (await api<UserView>('GET', `/users/${created.body.id}`)).body;
        if (view.initialLoad?.state === 'failed')
          throw new Error(`initial load failed: ${view.initialLoad.error ?? ''}`);
        return view.initialLoad?.state === 'done' ? view : undefined;
      },
      'the initial load to finish',
      45_000,
    );
    expect(user.initialLoad!.total).toBeGreaterThanOrEqual(4);
    expect(user.initialLoad!.done).toBe(user.initialLoad!.total);
    // It ran as several jobs (chunks of two), each resuming from the previous one's checkpoint.
    const continued = (await jobsProcessed.get()).values
      .filter((v) => v.labels.outcome === 'continued')
      .reduce((sum, v) => sum + v.value, 0);
    expect(continued).toBeGreaterThanOrEqual(2);

    // Outlook: the matched item once (not copied again), the S/4-only appointment and task added, the user's own items untouched.
    const calendar = calendarOf(CAROL);
    expect(calendar.filter((i) => i.subject === 'Kick-off Northwind').map((i) => i.id)).toEqual([copy]);
    expect(calendar.filter((i) => i.subject === 'Site visit Tailspin')).toHaveLength(1);
    expect(calendar.find((i) => i.subject === 'Site visit Tailspin')!.props.Location).toBe('Tailspin, Leipzig');
    expect(calendar.filter((i) => i.subject === 'Northwind follow-up call')).toHaveLength(1);
    expect(calendar.filter((i) => i.subject === 'Dentist')).toHaveLength(1);
    expect(calendar.filter((i) => i.subject === 'Contoso steering committee')).toHaveLength(1);
    expect(calendar).toHaveLength(5);
    expect(tasksOf(CAROL).map((t) => t.subject)).toEqual(['Prepare Northwind offer']);

    // S/4: the marked Outlook item became one activity; nothing else was created.
    expect(await system.s4.findAppointmentsByExternalReference(marked)).toHaveLength(1);
    expect(await system.s4.findAppointmentsByExternalReference(personal)).toEqual([]);
    const carols = await system.s4.listAppointmentsOfEmployee(CAROL_BP, { from: inDays(-1, 0), to: inDays(30, 0) });
    expect(carols.map((a) => a.subject).sort()).toEqual([
      'Kick-off Northwind',
      'Northwind follow-up call',
      'Site visit Tailspin',
    ]);

    // A heartbeat late on a loaded machine can make change tracking replay the marked item while the load
    // creates its activity; one of them finishes the link a moment later.
    const links = await waitFor(
      async () => {
        const rows = await linksWhere(system, `mailbox_id = $1 AND state = 'linked'`, [created.body.id]);
        return rows.filter((l) => l.kind === 'appointment').length >= 4 ? rows : undefined;
      },
      "Carol's four appointments linked",
      10_000,
    );
    expect(links.map((l) => l.s4_key)).toEqual(
      expect.arrayContaining([both.uuid, s4Only.uuid, s4Task.uuid, attended.uuid]),
    );
    expect(links.filter((l) => l.kind === 'appointment')).toHaveLength(4);
    expect(links.find((l) => l.s4_key === both.uuid)?.exchange_item_id).toBe(copy);
    const adopted = await journalWhere(system, 's4_key = $1 AND mailbox_id = $2', [both.uuid, created.body.id]);
    expect(adopted[0]).toMatchObject({ outcome: 'synced', reason: 'adopted' });
    expect(adopted.map((r) => r.reason)).not.toContain('created.exchange');

    // Change tracking starts after the load: what it reports next are echoes, never copies.
    await settle(3_000);
    expect(calendarOf(CAROL)).toHaveLength(5);
    expect(
      await system.s4.listAppointmentsOfEmployee(CAROL_BP, { from: inDays(-1, 0), to: inDays(30, 0) }),
    ).toHaveLength(3);

    // After the load every item Tandem wrote has a link, so a new activity is created without first
    // searching the mailbox for a stamped copy (workers see the finished load within their 5 s cache).
    await settle(5_500);
    system.ews.calls.clear();
    const later = await system.s4.createAppointment({
      processType: 'ZVIS',
      subject: 'Northwind contract signing',
      start: inDays(8, 10),
      end: inDays(8, 11),
      timeZone: 'Europe/Berlin',
      partners: responsible,
    });
    await waitFor(
      async () =>
        (
          await linksWhere(system, `mailbox_id = $1 AND s4_key = $2 AND state = 'linked'`, [
            created.body.id,
            later.uuid,
          ])
        )[0],
      "the new activity in Carol's calendar",
    );
    expect(system.ews.calls.get('CreateItem')).toBe(1);
    expect(system.ews.calls.get('FindItem') ?? 0).toBe(0);
  });
  it('S/4 events for the same activities arriving while the load runs neither fail it nor duplicate anything', async () => {
    // S/4 posts its events late (event mesh backlog): they reach the worker while Dave's initial load reconciles the same activities.
    system.s4Emulator.outbox.pause();
    let resumed = false;
    try {
      addEmployeeInS4(DAVE_BP, 'Dave', DAVE, '29999');
      const responsible = [{ partnerFunction: '00000014', businessPartner: DAVE_BP }];
      for (const [i, subject] of ['Dave onboarding', 'Dave shadows Alice', 'Dave meets Contoso'].entries()) {
        await system.s4.createAppointment({
          processType: 'ZVIS',
          subject,
          start: inDays(2 + i, 8),
          end: inDays(2 + i, 9),
          timeZone: 'Europe/Berlin',
          partners: responsible,
        });
      }
      // Dave copied one of them into Outlook by hand: whichever runs first, the event or the load, adopts it.
      const copy = await outlookAppointment(system, DAVE, {
        subject: 'Dave onboarding',
        start: inDays(2, 8),
        end: inDays(2, 9),
      });

      const environments = await api<{ items: Array<{ id: string }> }>('GET', '/environments');
      const created = await api<UserView>('POST', '/users', {
        smtpAddress: DAVE,
        environmentId: environments.body.items[0]!.id,
        employeeBp: DAVE_BP,
      });
      expect(created.status).toBe(201);
      system.s4Emulator.outbox.resume();
      resumed = true;

      await waitFor(
        async () => {
          const view = (await api<UserView>('GET', `/users/${created.body.id}`)).body;
          if (view.initialLoad?.state === 'failed')
            throw new Error(`initial load failed: ${view.initialLoad.error ?? ''}`);
          return view.initialLoad?.state === 'done' || undefined;
        },
        'Dave’s initial load to finish',
        45_000,
      );
      await system.s4Emulator.waitForEvents((entries) => entries.every((e) => e.state === 'delivered'));
      await waitFor(
        async () =>
          (await withTenant(
            'demo',
            async (tx) =>
              (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbox WHERE status <> 'done'`)).rows[0]!.n,
            system.db.pool,
          )) === 0 || undefined,
        'the worker to be idle',
      );
      await settle(2_000);

      expect(
        calendarOf(DAVE)
          .map((i) => i.subject)
          .sort(),
      ).toEqual(['Dave meets Contoso', 'Dave onboarding', 'Dave shadows Alice']);
      expect(calendarOf(DAVE).find((i) => i.subject === 'Dave onboarding')!.id).toBe(copy);
      expect(
        await system.s4.listAppointmentsOfEmployee(DAVE_BP, { from: inDays(-1, 0), to: inDays(30, 0) }),
      ).toHaveLength(3);
      expect(
        await linksWhere(system, `mailbox_id = $1 AND kind = 'appointment' AND state = 'linked'`, [created.body.id]),
      ).toHaveLength(3);
    } finally {
      if (!resumed) system.s4Emulator.outbox.resume();
    }
  });

  it('a user added disabled starts nothing; enabling them runs the initial load, which adopts the copy they made by hand', async () => {
    addEmployeeInS4(ERIN_BP, 'Erin', ERIN, '29997');
    const environments = await api<{ items: Array<{ id: string }> }>('GET', '/environments');
    const created = await api<UserView>('POST', '/users', {
      smtpAddress: ERIN,
      environmentId: environments.body.items[0]!.id,
      employeeBp: ERIN_BP,
      enabled: false,
    });
    expect(created.status).toBe(201);
    expect(created.body.initialLoad).toBeNull();
    const copy = await outlookAppointment(system, ERIN, {
      subject: 'Quarterly review Fabrikam',
      start: inDays(7, 10),
      end: inDays(7, 11),
    });
    const activity = await system.s4.createAppointment({
      processType: 'ZVIS',
      subject: 'Quarterly review Fabrikam',
      start: inDays(7, 10),
      end: inDays(7, 11),
      timeZone: 'Europe/Berlin',
      partners: [{ partnerFunction: '00000014', businessPartner: ERIN_BP }],
    });
    await settle(1_500);
    expect(calendarOf(ERIN).map((i) => i.id)).toEqual([copy]);
    expect((await api<UserView>('GET', `/users/${created.body.id}`)).body.initialLoad).toBeNull();

    const enabled = await api<UserView>('PATCH', `/users/${created.body.id}`, { enabled: true });
    expect(enabled.body.initialLoad?.state).toBe('queued');
    await waitFor(
      async () =>
        (await api<UserView>('GET', `/users/${created.body.id}`)).body.initialLoad?.state === 'done' || undefined,
      "Erin's initial load",
      45_000,
    );

    expect(
      calendarOf(ERIN)
        .filter((i) => i.subject === 'Quarterly review Fabrikam')
        .map((i) => i.id),
    ).toEqual([copy]);
    expect(
      (await linksWhere(system, 'mailbox_id = $1 AND s4_key = $2', [created.body.id, activity.uuid]))[0]
        ?.exchange_item_id,
    ).toBe(copy);
    const journal = await journalWhere(system, 's4_key = $1 AND mailbox_id = $2', [activity.uuid, created.body.id]);
    expect(journal.map((r) => r.reason)).toContain('adopted');
    expect(journal.map((r) => r.reason)).not.toContain('created.exchange');
  });
});
