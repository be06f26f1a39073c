import { describe, expect, it } from 'vitest';
import type { Appointment } from '../../../src/connectors/exchange/types.js';
import type { SyncLink } from '../../../src/sync/actions.js';
import { appointmentTargets } from '../../../src/sync/appointments/appointment-scope.js';
import {
  decideAppointment,
  type AppointmentAction,
  type AppointmentDecisionInput,
} from '../../../src/sync/appointments/decide-appointment.js';
import { s4AppointmentToCanonical } from '../../../src/sync/appointments/appointment-mapping.js';
import type { CanonicalAppointment } from '../../../src/sync/appointments/canonical-appointment.js';
import { canonicalHash } from '../../../src/sync/canonical/hash.js';
import { exAppt, lookup, NOW, s4Appt, settings } from './fixtures.js';

const ALICE = 'alice@demo.example';
const BOB = 'bob@demo.example';

function run(over: Partial<AppointmentDecisionInput>): AppointmentAction[] {
  return decideAppointment({
    settings: settings(),
    lookup,
    now: NOW,
    mailbox: ALICE,
    mailboxPartnerId: 'EMP001',
    ...over,
  });
}
const types = (a: AppointmentAction[]) => a.map((x) => x.type);
function find<T extends AppointmentAction['type']>(
  a: AppointmentAction[],
  t: T,
): Extract<AppointmentAction, { type: T }> {
  const x = a.find((y) => y.type === t);
  if (!x) throw new Error(`no ${t} in ${types(a).join(',')}`);
  return x as Extract<AppointmentAction, { type: T }>;
}

/** Plays the worker: creates the item from the create action the way Exchange would store it. */
function materialise(
  actions: AppointmentAction[],
  id = 'EX-1',
): { item: Appointment; link: SyncLink<CanonicalAppointment> } {
  const create = find(actions, 'createExchangeItem');
  const commit = find(actions, 'commitSnapshot');
  const d = create.draft;
  const item: Appointment = {
    ...d,
    id,
    changeKey: 'ck1',
    type: 'single',
    // Exchange turns the text body into HTML and reorders nothing else here.
    body: {
      type: 'html',
      content: `<html><body>${d.body.content
        .split('\n')
        .map((l) => `<p>${l}&nbsp;</p>`)
        .join('')}</body></html>`,
    },
    attendees: [...d.attendees].reverse().map((a) => ({ ...a, email: a.email.toUpperCase() })),
    hasAttachments: false,
    stamp: create.stamp,
    lastModified: NOW,
  };
  const link: SyncLink<CanonicalAppointment> = {
    kind: 'appointment',
    mailbox: create.mailbox,
    s4Key: create.stamp.s4Key,
    state: 'linked',
    origin: 's4',
    role: 'owner',
    marker: create.marker,
    exchangeId: id,
    changeKey: 'ck1',
    s4Etag: 'e1',
    snapshot: commit.snapshot,
    snapshotHash: commit.hash,
  };
  return { item, link };
}

describe('S/4 → Exchange scope and fan-out', () => {
  it('targets the responsible as owner and attendee employees that are appointment users', () => {
    const a = s4Appt({
      partners: [
        { partnerFunction: '00000014', businessPartner: 'EMP001' },
        { partnerFunction: '00000032', businessPartner: 'EMP002' }, // user with appointments
        { partnerFunction: '00000032', businessPartner: 'EMP003' }, // user, tasks only
        { partnerFunction: '00000032', businessPartner: 'EMP004' }, // no Tandem user
        { partnerFunction: '00000015', businessPartner: 'CP100' },
      ],
    });
    expect(appointmentTargets(a, settings().appointments, lookup)).toEqual([
      { mailbox: ALICE, partnerId: 'EMP001', role: 'owner' },
      { mailbox: BOB, partnerId: 'EMP002', role: 'attendee' },
    ]);
  });

  it('creates the item with body, attendees, category stamp and no invitations in the draft', () => {
    const a = s4Appt({
      partners: [
        { partnerFunction: '00000014', businessPartner: 'EMP001' },
        { partnerFunction: '00000032', businessPartner: 'EMP002' },
        { partnerFunction: '00000015', businessPartner: 'CP100' },
      ],
    });
    const actions = run({ s4: a });
    expect(types(actions)).toEqual(['createExchangeItem', 'commitSnapshot']);
    const c = find(actions, 'createExchangeItem');
    expect(c.marker).toBe('S4-UUID-1');
    expect(c.stamp.s4Key).toBe('S4-UUID-1');
    expect(c.draft.body).toEqual({ type: 'text', content: 'Discuss the offer' });
    expect(c.draft.categories).toEqual(['S/4HANA']);
    expect(c.draft.sensitivity).toBe('normal');
    expect(c.draft.attendees.map((x) => x.email)).toEqual(['bob@demo.example', 'paula@customer.example']);
    expect(c.journal).toMatchObject({ outcome: 'synced', reason: 'created.exchange' });
  });

  it('skips process types that are not configured', () => {
    const actions = run({ s4: s4Appt({ processType: 'ZOTH' }) });
    expect(actions).toEqual([
      expect.objectContaining({ type: 'noop', journal: { outcome: 'skipped', reason: 'filtered.processType' } }),
    ]);
  });

  it('skips private activities unless enabled, and keeps them private when enabled', () => {
    expect(find(run({ s4: s4Appt({ isPrivate: true }) }), 'noop').reason).toBe('filtered.private');
    const s = settings({ appointments: { syncPrivate: true } });
    const actions = decideAppointment({
      settings: s,
      lookup,
      now: NOW,
      mailbox: ALICE,
      mailboxPartnerId: 'EMP001',
      s4: s4Appt({ isPrivate: true }),
    });
    expect(find(actions, 'createExchangeItem').draft.sensitivity).toBe('private');
  });

  it('sends a private activity to the responsible only, never to attendees', () => {
    const s = settings({ appointments: { syncPrivate: true } });
    const a = s4Appt({
      isPrivate: true,
      partners: [
        { partnerFunction: '00000014', businessPartner: 'EMP001' },
        { partnerFunction: '00000032', businessPartner: 'EMP002' },
      ],
    });
    expect(appointmentTargets(a, s.appointments, lookup).map((t) => t.mailbox)).toEqual([ALICE]);
  });

  it('does not bring in activities outside the sync window', () => {
    const actions = run({ s4: s4Appt({ start: '2025-01-10T09:00:00Z', end: '2025-01-10T10:00:00Z' }) });
    expect(find(actions, 'noop').reason).toBe('outOfWindow');
  });

  it('contact persons go into the body block when configured, and that block is not a user edit', () => {
    const s = settings({ appointments: { contactPersonsAs: 'body' } });
    const a = s4Appt({
      partners: [
        { partnerFunction: '00000014', businessPartner: 'EMP001' },
        { partnerFunction: '00000015', businessPartner: 'CP100' },
      ],
    });
    const created = decideAppointment({
      settings: s,
      lookup,
      now: NOW,
      mailbox: ALICE,
      mailboxPartnerId: 'EMP001',
      s4: a,
    });
    const draft = find(created, 'createExchangeItem').draft;
    expect(draft.attendees).toEqual([]);
    expect(draft.body.content).toContain('Paula Meier <paula@customer.example>');
    const { item, link } = materialise(created);
    const again = decideAppointment({
      settings: s,
      lookup,
      now: NOW,
      mailbox: ALICE,
      mailboxPartnerId: 'EMP001',
      s4: a,
      exchange: item,
      link,
    });
    expect(types(again)).toEqual(['noop']);
  });
});

describe('echo detection', () => {
  it('our own write coming back (HTML body, upper-cased attendees, new change key) is an echo', () => {
    const a = s4Appt({
      partners: [
        { partnerFunction: '00000014', businessPartner: 'EMP001' },
        { partnerFunction: '00000032', businessPartner: 'EMP002' },
      ],
    });
    const { item, link } = materialise(run({ s4: a }));
    const actions = run({ s4: a, exchange: { ...item, changeKey: 'ck2' }, link });
    expect(types(actions)).toEqual(['noop', 'commitSnapshot']);
    expect(actions[0]!.journal).toEqual({ outcome: 'echo', reason: 'echo' });
  });

  it('our own S/4 write coming back (new etag, same content) is an echo', () => {
    const { item, link } = materialise(run({ s4: s4Appt() }));
    const edited = { ...item, changeKey: 'ck2', location: 'Room 7' };
    const first = run({ s4: s4Appt(), exchange: edited, link });
    expect(find(first, 'updateS4').changes).toEqual({ location: 'Room 7' });
    const committed = { ...link, changeKey: 'ck2', snapshot: find(first, 'commitSnapshot').snapshot };
    const echo = run({ s4: s4Appt({ location: 'Room 7', etag: 'e2' }), exchange: edited, link: committed });
    expect(types(echo)).toEqual(['noop', 'commitSnapshot']);
    expect(echo[0]!.journal).toEqual({ outcome: 'echo', reason: 'echo' });
  });

  it('partners without e-mail stay in S/4 and are no Outlook edit', () => {
    const a = s4Appt({
      partners: [
        { partnerFunction: '00000014', businessPartner: 'EMP001' },
        { partnerFunction: '00000015', businessPartner: 'CP101' },
        { partnerFunction: '00000015', businessPartner: 'CP100' },
      ],
    });
    const created = run({ s4: a });
    expect(find(created, 'commitSnapshot').snapshot.attendees).toEqual(['bp:CP101', 'paula@customer.example']);
    expect(find(created, 'createExchangeItem').draft.attendees.map((x) => x.email)).toEqual(['paula@customer.example']);
    const { item, link } = materialise(created);
    expect(types(run({ s4: a, exchange: item, link }))).toEqual(['noop']);
    // Outlook removes Paula: only Paula's partner entry goes.
    const u = find(run({ s4: a, exchange: { ...item, changeKey: 'ck2', attendees: [] }, link }), 'updateS4');
    expect(u.changes.partners).toEqual({
      add: [],
      remove: [{ partnerFunction: '00000015', businessPartner: 'CP100' }],
    });
  });

  it('unchanged on both sides with the same versions is nothing at all', () => {
    const a = s4Appt();
    const { item, link } = materialise(run({ s4: a }));
    expect(run({ s4: a, exchange: item, link })).toEqual([
      expect.objectContaining({ type: 'noop', reason: 'unchanged' }),
    ]);
  });

  it('an item holding exactly what we wrote while the snapshot is older (lost commit) is not a user edit', () => {
    const a = s4Appt();
    const { item, link } = materialise(run({ s4: a }));
    // S/4 changed the subject, we wrote it to Exchange, then crashed before committing the snapshot.
    const a2 = s4Appt({ subject: 'Visit ACME (moved)', etag: 'e2' });
    const written = run({ s4: a2, exchange: item, link });
    const upd = find(written, 'updateExchangeItem');
    const item2: Appointment = { ...item, subject: 'Visit ACME (moved)', changeKey: 'ck2', stamp: upd.stamp };
    const actions = run({ s4: a2, exchange: item2, link });
    expect(types(actions)).not.toContain('updateS4');
    expect(types(actions)).not.toContain('updateExchangeItem');
    expect(find(actions, 'commitSnapshot').snapshot.subject).toBe('Visit ACME (moved)');
    // S/4 changes the subject again: Exchange holds our write, so it is no conflict and S/4's value goes out.
    const a3 = s4Appt({ subject: 'Visit ACME (final)', etag: 'e3' });
    const next = run({ s4: a3, exchange: item2, link });
    expect(types(next)).not.toContain('updateS4');
    expect(find(next, 'updateExchangeItem').changes).toEqual({ subject: 'Visit ACME (final)' });
    // S/4 reverts to the committed value: Exchange still holds our (now stale) write and is refreshed.
    const reverted = run({ s4: s4Appt({ etag: 'e4' }), exchange: item2, link });
    expect(find(reverted, 'updateExchangeItem').changes).toEqual({ subject: 'Visit ACME' });
    // Whereas a user edit to a different subject is a true conflict (subject owned by Exchange).
    const userEdit = run({ s4: a3, exchange: { ...item2, subject: 'User title' }, link });
    expect(find(userEdit, 'updateS4').journal.outcome).toBe('conflict');
  });
});

describe('one side changed', () => {
  it('S/4 changed → update only the changed Exchange fields, with a new stamp hash', () => {
    const { item, link } = materialise(run({ s4: s4Appt() }));
    const actions = run({ s4: s4Appt({ location: 'Online', etag: 'e2' }), exchange: item, link });
    const u = find(actions, 'updateExchangeItem');
    expect(u.changes).toEqual({ location: 'Online' });
    expect(u.changeKey).toBe('ck1');
    expect(u.stamp.hash).not.toBe(item.stamp!.hash);
    expect(u.journal).toMatchObject({ outcome: 'synced', fields: ['location'] });
    expect(find(actions, 'commitSnapshot').snapshot.location).toBe('Online');
  });

  it('Exchange changed → update only the changed S/4 fields under its etag', () => {
    const { item, link } = materialise(run({ s4: s4Appt() }));
    const moved = { ...item, changeKey: 'ck2', start: '2026-03-10T11:00:00Z', end: '2026-03-10T12:00:30Z' };
    const actions = run({ s4: s4Appt(), exchange: moved, link });
    const u = find(actions, 'updateS4');
    expect(u.etag).toBe('e1');
    expect(u.changes).toEqual({
      start: '2026-03-10T11:00:00.000Z',
      end: '2026-03-10T12:00:00.000Z',
      timeZone: 'Europe/Berlin',
      isAllDay: false,
    });
    expect(types(actions)).not.toContain('updateExchangeItem');
  });

  it('Exchange body edits become the configured text type', () => {
    const { item, link } = materialise(run({ s4: s4Appt() }));
    const edited = {
      ...item,
      changeKey: 'ck2',
      body: { type: 'html' as const, content: '<p>Discuss the offer</p><p>Bring samples</p>' },
    };
    const u = find(run({ s4: s4Appt(), exchange: edited, link }), 'updateS4');
    expect(u.changes).toEqual({ text: { textType: 'A002', text: 'Discuss the offer\nBring samples' } });
  });

  it('the same instants in another zone are not an edit (instants are the truth)', () => {
    const { item, link } = materialise(run({ s4: s4Appt() }));
    const other = { ...item, changeKey: 'ck2', timeZone: 'America/New_York' };
    expect(types(run({ s4: s4Appt(), exchange: other, link }))).toEqual(['noop', 'commitSnapshot']);
  });

  it('with Exchange → S/4 off, Outlook edits are neither written to S/4 nor reverted', () => {
    const s = settings({ appointments: { exchangeToS4: 'off' } });
    const go = (over: Partial<AppointmentDecisionInput>) =>
      decideAppointment({ settings: s, lookup, now: NOW, mailbox: ALICE, mailboxPartnerId: 'EMP001', ...over });
    const { item, link } = materialise(go({ s4: s4Appt() }));
    const edited = { ...item, changeKey: 'ck2', subject: 'My own title' };
    const actions = go({ s4: s4Appt({ location: 'Online', etag: 'e2' }), exchange: edited, link });
    expect(types(actions)).not.toContain('updateS4');
    expect(find(actions, 'updateExchangeItem').changes).toEqual({ location: 'Online' });
    expect(
      actions.some(
        (a) => a.type === 'noop' && a.journal.reason === 'exchangeToS4.off' && a.journal.fields?.includes('subject'),
      ),
    ).toBe(true);
    // The stamp describes the item after the write (user's subject kept), so the result is recognised as ours.
    const after = { ...edited, changeKey: 'ck3', location: 'Online', stamp: find(actions, 'updateExchangeItem').stamp };
    const snap = find(actions, 'commitSnapshot').snapshot;
    const next = go({
      s4: s4Appt({ location: 'Online', etag: 'e2' }),
      exchange: after,
      link: { ...link, snapshot: snap, changeKey: 'ck3', s4Etag: 'e2' },
    });
    expect(types(next)).toEqual(['noop']);
  });

  it('an attendee copy is read-only: its edits do not reach S/4', () => {
    const a = s4Appt({
      partners: [
        { partnerFunction: '00000014', businessPartner: 'EMP001' },
        { partnerFunction: '00000032', businessPartner: 'EMP002' },
      ],
    });
    const created = run({ s4: a, mailbox: BOB, mailboxPartnerId: 'EMP002' });
    const { item, link } = materialise(created);
    const actions = run({
      s4: a,
      mailbox: BOB,
      mailboxPartnerId: 'EMP002',
      exchange: { ...item, changeKey: 'ck2', subject: 'Bob was here' },
      link: { ...link, role: 'attendee' },
    });
    expect(types(actions)).not.toContain('updateS4');
    expect(actions.some((x) => x.journal.reason === 'attendeeCopy.readOnly')).toBe(true);
  });
});

describe('both sides changed: three-way merge', () => {
  const both = (pol?: object, exOver: Partial<Appointment> = {}, s4Over = {}) => {
    const s = settings(pol ? { conflicts: pol } : {});
    const go = (over: Partial<AppointmentDecisionInput>) =>
      decideAppointment({ settings: s, lookup, now: NOW, mailbox: ALICE, mailboxPartnerId: 'EMP001', ...over });
    const { item, link } = materialise(go({ s4: s4Appt() }));
    return go({ s4: s4Appt({ etag: 'e2', ...s4Over }), exchange: { ...item, changeKey: 'ck2', ...exOver }, link });
  };

  it('different fields on each side merge without conflict', () => {
    const actions = both(undefined, { location: 'Room 1' }, { priority: '1' });
    expect(find(actions, 'updateExchangeItem').changes).toEqual({ importance: 'high' });
    expect(find(actions, 'updateS4').changes).toEqual({ location: 'Room 1' });
    expect(find(actions, 'commitSnapshot').journal.outcome).toBe('merged');
  });

  it('S/4 is written before Exchange, and says what both sides agree on should the Exchange write fail', () => {
    // The Exchange write stamps the item with a hash of all it holds, Outlook's move included; a
    // stamped item's differences from the snapshot count as Tandem's. So S/4 must hold the move first.
    const actions = both(undefined, { location: 'Room 1' }, { priority: '1' });
    expect(types(actions)).toEqual(['updateS4', 'updateExchangeItem', 'commitSnapshot']);
    const { agreed } = find(actions, 'updateS4');
    const base = materialise(run({ s4: s4Appt() })).link.snapshot!;
    // S/4 now holds Outlook's location; S/4's own priority is still news for Exchange.
    expect(agreed?.snapshot).toEqual({ ...base, location: 'Room 1' });
    expect(agreed?.hash).toBe(canonicalHash({ ...base, location: 'Room 1' }));
  });

  it('an S/4 write with no Exchange write after it carries no agreed snapshot (its commit follows at once)', () => {
    const actions = both(undefined, { location: 'Room 1' });
    expect(types(actions)).toEqual(['updateS4', 'commitSnapshot']);
    expect(find(actions, 'updateS4').agreed).toBeUndefined();
  });

  it('the same change on both sides is taken without writing anything', () => {
    const actions = both(undefined, { location: 'Room 1' }, { location: 'Room 1' });
    expect(types(actions)).toEqual(['commitSnapshot']);
    expect(find(actions, 'commitSnapshot').snapshot.location).toBe('Room 1');
  });

  it('a true conflict goes to the field owner (location: Exchange) and journals the losing value', () => {
    const actions = both(undefined, { location: 'Room 1' }, { location: 'Room 2' });
    expect(find(actions, 'updateS4').changes).toEqual({ location: 'Room 1' });
    expect(find(actions, 'updateS4').journal).toMatchObject({
      outcome: 'conflict',
      reason: 'conflict.merge',
      overwritten: [{ field: 'location', side: 's4', value: 'Room 2' }],
    });
  });

  it('owners are configurable per field', () => {
    const actions = both({ fieldOwners: { location: 's4' } }, { location: 'Room 1' }, { location: 'Room 2' });
    expect(find(actions, 'updateExchangeItem').changes).toEqual({ location: 'Room 2' });
    expect(types(actions)).not.toContain('updateS4');
  });

  it('s4Wins and exchangeWins decide every conflicting field', () => {
    const s4w = both({ policy: 's4Wins' }, { location: 'Room 1', subject: 'A' }, { location: 'Room 2', subject: 'B' });
    expect(find(s4w, 'updateExchangeItem').changes).toEqual({ subject: 'B', location: 'Room 2' });
    expect(find(s4w, 'commitSnapshot').journal.reason).toBe('conflict.s4Wins');
    const exw = both(
      { policy: 'exchangeWins' },
      { location: 'Room 1', importance: 'low' },
      { location: 'Room 2', priority: '1' },
    );
    expect(find(exw, 'updateS4').changes).toEqual({ location: 'Room 1', priority: '9' });
  });

  it('attendee lists merge as sets', () => {
    const s = settings();
    const go = (over: Partial<AppointmentDecisionInput>) =>
      decideAppointment({ settings: s, lookup, now: NOW, mailbox: ALICE, mailboxPartnerId: 'EMP001', ...over });
    const p = (...ids: string[]) => [
      { partnerFunction: '00000014', businessPartner: 'EMP001' },
      ...ids.map((id) => ({ partnerFunction: id.startsWith('CP') ? '00000015' : '00000032', businessPartner: id })),
    ];
    const { item, link } = materialise(go({ s4: s4Appt({ partners: p('EMP002', 'CP100') }) }));
    // S/4 removes Bob, Outlook adds Dave: both apply; Paula stays.
    const ex = {
      ...item,
      changeKey: 'ck2',
      attendees: [...item.attendees, { email: 'dave@demo.example', type: 'required' as const }],
    };
    const actions = go({ s4: s4Appt({ etag: 'e2', partners: p('CP100') }), exchange: ex, link });
    expect(find(actions, 'commitSnapshot').snapshot.attendees).toEqual(['dave@demo.example', 'paula@customer.example']);
    expect(find(actions, 'updateExchangeItem').changes.attendees?.map((x) => x.email)).toEqual([
      'dave@demo.example',
      'paula@customer.example',
    ]);
    expect(find(actions, 'updateS4').changes.partners).toEqual({
      add: [{ partnerFunction: '00000032', businessPartner: 'EMP004' }],
      remove: [],
    });
  });
});

describe('leaving scope', () => {
  it('process type changed → the stamped item is removed from the mailbox', () => {
    const { item, link } = materialise(run({ s4: s4Appt() }));
    const actions = run({ s4: s4Appt({ processType: 'ZOTH', etag: 'e2' }), exchange: item, link });
    expect(types(actions)).toEqual(['deleteExchangeItem', 'unlink']);
    expect(actions[0]!.journal).toEqual({ outcome: 'deleted', reason: 'leftScope.filtered.processType' });
  });

  it('responsible changed → removed from the old responsible, created for the new one', () => {
    const { item, link } = materialise(run({ s4: s4Appt() }));
    const moved = s4Appt({ etag: 'e2', partners: [{ partnerFunction: '00000014', businessPartner: 'EMP002' }] });
    const old = run({ s4: moved, exchange: item, link });
    expect(types(old)).toEqual(['deleteExchangeItem', 'unlink']);
    expect(old[0]!.journal.reason).toBe('leftScope.filtered.notPartner');
    expect(types(run({ s4: moved, mailbox: BOB, mailboxPartnerId: 'EMP002' }))).toEqual([
      'createExchangeItem',
      'commitSnapshot',
    ]);
  });

  it('an item without our stamp is never deleted, only unlinked', () => {
    const { item, link } = materialise(run({ s4: s4Appt() }));
    const { stamp: _s, ...unstamped } = item;
    const actions = run({ s4: s4Appt({ processType: 'ZOTH' }), exchange: unstamped, link });
    expect(types(actions)).toEqual(['unlink']);
    expect(actions[0]!.journal.reason).toBe('leftScope.filtered.processType.itemNotStamped');
  });

  it('a linked item that ages out of the window stays', () => {
    const past = s4Appt({ start: '2025-01-10T09:00:00Z', end: '2025-01-10T10:00:00Z' });
    const created = decideAppointment({
      settings: settings(),
      lookup,
      now: '2025-01-01T00:00:00Z',
      mailbox: ALICE,
      mailboxPartnerId: 'EMP001',
      s4: past,
    });
    const { item, link } = materialise(created);
    expect(types(run({ s4: past, exchange: item, link }))).toEqual(['noop']);
  });
});

describe('Exchange → S/4', () => {
  const outlookItem = (over: Partial<Appointment> = {}) => exAppt({ id: 'EX-NEW', ...over });

  it('an item with the sync category creates an S/4 activity carrying the marker', () => {
    const actions = run({
      exchange: outlookItem({
        attendees: [
          { email: 'Bob@Demo.example', type: 'required' },
          { email: 'stranger@x.example', type: 'optional' },
        ],
      }),
    });
    expect(types(actions)).toEqual(['createS4', 'commitSnapshot']);
    const c = find(actions, 'createS4');
    expect(c.marker).toBe('EX-NEW');
    expect(c.write).toMatchObject({
      processType: 'ZVIS',
      externalReference: 'EX-NEW',
      subject: 'Visit ACME',
      status: 'E0001',
      priority: '5',
      text: { textType: 'A002', text: 'Discuss the offer' },
      unresolvedAttendees: ['stranger@x.example'],
      partners: {
        add: [
          { partnerFunction: '00000014', businessPartner: 'EMP001', isMain: true },
          { partnerFunction: '00000032', businessPartner: 'EMP002' },
        ],
        remove: [],
      },
    });
  });

  it('category, tag and private filters', () => {
    expect(find(run({ exchange: outlookItem({ categories: ['Red'] }) }), 'noop').reason).toBe('filtered.category');
    expect(find(run({ exchange: outlookItem({ sensitivity: 'private' }) }), 'noop').reason).toBe('filtered.private');
    const tag = settings({ appointments: { exchangeToS4: 'tag' } });
    const go = (subject: string) =>
      decideAppointment({
        settings: tag,
        lookup,
        now: NOW,
        mailbox: ALICE,
        mailboxPartnerId: 'EMP001',
        exchange: outlookItem({ subject, categories: [] }),
      });
    expect(types(go('Lunch with ACME #s4'))).toEqual(['createS4', 'commitSnapshot']);
    expect(find(go('Lunch #S45'), 'noop').reason).toBe('filtered.tag');
    const off = settings({ appointments: { exchangeToS4: 'off' } });
    expect(
      find(
        decideAppointment({
          settings: off,
          lookup,
          now: NOW,
          mailbox: ALICE,
          mailboxPartnerId: 'EMP001',
          exchange: outlookItem(),
        }),
        'noop',
      ).reason,
    ).toBe('exchangeToS4.off');
  });

  it('an item carrying our stamp without a link is never copied back to S/4', () => {
    expect(find(run({ exchange: outlookItem({ stamp: { s4Key: 'S4-X', hash: 'h' } }) }), 'noop').reason).toBe(
      'stamped.unlinked',
    );
  });

  it('category removed → unlink, keep the S/4 activity', () => {
    const created = run({ exchange: outlookItem() });
    const snap = find(created, 'commitSnapshot').snapshot;
    const link: SyncLink<CanonicalAppointment> = {
      kind: 'appointment',
      mailbox: ALICE,
      s4Key: 'S4-UUID-1',
      state: 'linked',
      origin: 'exchange',
      role: 'owner',
      marker: 'EX-NEW',
      exchangeId: 'EX-NEW',
      changeKey: 'ck1',
      s4Etag: 'e1',
      snapshot: snap,
      snapshotHash: canonicalHash(snap),
    };
    const actions = run({ s4: s4Appt(), exchange: outlookItem({ categories: [], changeKey: 'ck2' }), link });
    expect(actions).toEqual([
      expect.objectContaining({
        type: 'unlink',
        tombstone: false,
        journal: { outcome: 'skipped', reason: 'leftScope.filtered.category' },
      }),
    ]);
  });
});

describe('deletes', () => {
  it('S/4 deleted → the stamped item is removed; never recreated', () => {
    const { item, link } = materialise(run({ s4: s4Appt() }));
    const actions = run({ exchange: item, link });
    expect(types(actions)).toEqual(['deleteExchangeItem', 'unlink']);
    expect(find(actions, 'deleteExchangeItem')).toMatchObject({
      itemId: 'EX-1',
      journal: { outcome: 'deleted', reason: 'deleted.s4' },
    });
  });

  it('Outlook deleted → S/4 delete by default', () => {
    const { link } = materialise(run({ s4: s4Appt() }));
    const actions = run({ s4: s4Appt(), link });
    expect(types(actions)).toEqual(['deleteS4', 'unlink']);
    expect(find(actions, 'deleteS4')).toMatchObject({ s4Key: 'S4-UUID-1', etag: 'e1' });
  });

  it('Outlook deleted → configured status, and a tombstone so it is not recreated', () => {
    const s = settings({ appointments: { onOutlookDelete: 'setStatus', deletedStatus: 'E0003' } });
    const go = (over: Partial<AppointmentDecisionInput>) =>
      decideAppointment({ settings: s, lookup, now: NOW, mailbox: ALICE, mailboxPartnerId: 'EMP001', ...over });
    const { link } = materialise(go({ s4: s4Appt() }));
    const actions = go({ s4: s4Appt(), link });
    expect(actions).toEqual([
      expect.objectContaining({ type: 'setS4Status', status: 'E0003', s4Key: 'S4-UUID-1' }),
      expect.objectContaining({ type: 'unlink', tombstone: true }),
    ]);
    // Afterwards the detached link keeps the object out of this mailbox.
    expect(types(go({ s4: s4Appt({ subject: 'changed' }), link: { ...link, state: 'detached' } }))).toEqual(['noop']);
  });

  it('Outlook deleted with Exchange → S/4 off, or in an attendee copy: S/4 untouched, tombstone', () => {
    const off = settings({ appointments: { exchangeToS4: 'off' } });
    const { link } = materialise(run({ s4: s4Appt() }));
    const a = decideAppointment({
      settings: off,
      lookup,
      now: NOW,
      mailbox: ALICE,
      mailboxPartnerId: 'EMP001',
      s4: s4Appt(),
      link,
    });
    expect(a).toEqual([
      expect.objectContaining({
        type: 'unlink',
        tombstone: true,
        journal: { outcome: 'skipped', reason: 'deleted.exchange.exchangeToS4Off' },
      }),
    ]);
    const withBob = s4Appt({
      partners: [
        { partnerFunction: '00000014', businessPartner: 'EMP001' },
        { partnerFunction: '00000032', businessPartner: 'EMP002' },
      ],
    });
    const b = run({ s4: withBob, mailbox: BOB, mailboxPartnerId: 'EMP002', link: { ...link, mailbox: BOB } });
    expect(b).toEqual([
      expect.objectContaining({
        type: 'unlink',
        tombstone: true,
        journal: { outcome: 'skipped', reason: 'deleted.exchange.attendeeCopy' },
      }),
    ]);
  });

  it('both gone → unlink only', () => {
    const { link } = materialise(run({ s4: s4Appt() }));
    expect(types(run({ link }))).toEqual(['unlink']);
  });
});

describe('refinements', () => {
  it('the mailbox owner is never its own attendee: an attendee copy echoes cleanly', () => {
    const a = s4Appt({
      partners: [
        { partnerFunction: '00000014', businessPartner: 'EMP001' },
        { partnerFunction: '00000032', businessPartner: 'EMP002' },
      ],
    });
    const created = run({ s4: a, mailbox: BOB, mailboxPartnerId: 'EMP002' });
    const c = find(created, 'createExchangeItem');
    expect(c.role).toBe('attendee');
    expect(c.draft.attendees).toEqual([]);
    const { item, link } = materialise(created);
    // Exchange lists Bob himself on his copy; that is not an edit.
    const withSelf = {
      ...item,
      changeKey: 'ck2',
      attendees: [{ email: 'BOB@demo.example', type: 'required' as const }],
    };
    expect(
      types(
        run({
          s4: a,
          mailbox: BOB,
          mailboxPartnerId: 'EMP002',
          exchange: withSelf,
          link: { ...link, role: 'attendee' },
        }),
      ),
    ).toEqual(['noop', 'commitSnapshot']);
  });

  it('made private in Outlook while private sync is off: stop syncing, keep the item, never recreate', () => {
    const { item, link } = materialise(run({ s4: s4Appt() }));
    const actions = run({ s4: s4Appt(), exchange: { ...item, changeKey: 'ck2', sensitivity: 'private' }, link });
    expect(actions).toEqual([
      expect.objectContaining({
        type: 'unlink',
        tombstone: true,
        journal: { outcome: 'skipped', reason: 'leftScope.filtered.private' },
      }),
    ]);
  });

  it('made private in S/4 while private sync is off: removed from the mailbox', () => {
    const { item, link } = materialise(run({ s4: s4Appt() }));
    expect(types(run({ s4: s4Appt({ isPrivate: true, etag: 'e2' }), exchange: item, link }))).toEqual([
      'deleteExchangeItem',
      'unlink',
    ]);
  });

  it('an Outlook-created item whose activity S/4 deleted stays in Outlook and is not copied back again', () => {
    const snap = find(run({ exchange: exAppt({ id: 'EX-NEW' }) }), 'commitSnapshot').snapshot;
    const link: SyncLink<CanonicalAppointment> = {
      kind: 'appointment',
      mailbox: ALICE,
      s4Key: 'S4-UUID-1',
      state: 'linked',
      origin: 'exchange',
      role: 'owner',
      marker: 'EX-NEW',
      exchangeId: 'EX-NEW',
      changeKey: 'ck1',
      s4Etag: 'e1',
      snapshot: snap,
    };
    const gone = run({ exchange: exAppt({ id: 'EX-NEW' }), link });
    expect(gone).toEqual([
      expect.objectContaining({
        type: 'unlink',
        tombstone: true,
        journal: { outcome: 'skipped', reason: 'deleted.s4.itemNotStamped' },
      }),
    ]);
    const later = run({
      exchange: exAppt({ id: 'EX-NEW', changeKey: 'ck9', subject: 'edited' }),
      link: { ...link, state: 'detached' },
    });
    expect(types(later)).toEqual(['noop']);
    expect(types(run({ link: { ...link, state: 'detached' } }))).toEqual(['unlink']);
  });

  it('an Outlook-created item stays when S/4 deletes its activity even after S/4 changes stamped it', () => {
    const snap = find(run({ exchange: exAppt({ id: 'EX-OWN' }) }), 'commitSnapshot').snapshot;
    const link: SyncLink<CanonicalAppointment> = {
      kind: 'appointment',
      mailbox: ALICE,
      s4Key: 'S4-UUID-1',
      state: 'linked',
      origin: 'exchange',
      role: 'owner',
      marker: 'EX-OWN',
      exchangeId: 'EX-OWN',
      changeKey: 'ck2',
      s4Etag: 'e2',
      snapshot: snap,
    };
    // Tandem wrote an S/4 change into the item, and with it its stamp.
    const stamped = exAppt({ id: 'EX-OWN', changeKey: 'ck2', stamp: { s4Key: 'S4-UUID-1', hash: 'h' } });
    expect(run({ exchange: stamped, link })).toEqual([
      expect.objectContaining({
        type: 'unlink',
        tombstone: true,
        journal: { outcome: 'skipped', reason: 'deleted.s4.itemNotStamped' },
      }),
    ]);
  });

  it('occurrences arriving one by one are left to the series decision', () => {
    const s = settings({ appointments: { recurringToS4: 'occurrences' } });
    const a = decideAppointment({
      settings: s,
      lookup,
      now: NOW,
      mailbox: ALICE,
      mailboxPartnerId: 'EMP001',
      exchange: exAppt({ type: 'occurrence', seriesMasterId: 'SER' }),
    });
    expect(find(a, 'noop').reason).toBe('series.viaMaster');
    expect(find(run({ exchange: exAppt({ type: 'exception' }) }), 'noop').reason).toBe('filtered.recurring');
  });
});

describe('exactly-once creates', () => {
  const creating = (): SyncLink<CanonicalAppointment> => {
    const snap = s4AppointmentToCanonical(s4Appt(), settings().appointments, lookup);
    return {
      kind: 'appointment',
      mailbox: ALICE,
      s4Key: 'S4-UUID-1',
      state: 'creating',
      origin: 's4',
      role: 'owner',
      marker: 'S4-UUID-1',
      snapshot: snap,
      snapshotHash: canonicalHash(snap),
    };
  };

  it('a creating link is first resolved by its marker', () => {
    expect(run({ s4: s4Appt(), link: creating() })).toEqual([
      expect.objectContaining({ type: 'resolvePendingCreate', side: 'exchange', marker: 'S4-UUID-1', mailbox: ALICE }),
    ]);
  });

  it('nothing found by the marker → create (once)', () => {
    expect(types(run({ s4: s4Appt(), link: creating(), exchangeSearchedByMarker: true }))).toEqual([
      'createExchangeItem',
      'commitSnapshot',
    ]);
  });

  it('found by the marker → adopted, not created again, and the create journalled as recovered', () => {
    const { item } = materialise(run({ s4: s4Appt() }));
    const actions = run({ s4: s4Appt(), exchange: item, link: creating() });
    expect(types(actions)).toEqual(['noop', 'noop', 'commitSnapshot']);
    expect(find(actions, 'commitSnapshot')).toMatchObject({ exchangeId: 'EX-1', s4Key: 'S4-UUID-1' });
    // The first run's created.exchange entry was rolled back with its commit; this is the create's only entry.
    expect(actions[0]!.journal).toMatchObject({ outcome: 'synced', reason: 'created.exchange.recovered' });
  });

  it('an S/4 create from Outlook is resolved on the S/4 side by the Exchange id', () => {
    const link: SyncLink<CanonicalAppointment> = { ...creating(), origin: 'exchange', marker: 'EX-NEW' };
    delete link.s4Key;
    expect(run({ exchange: exAppt({ id: 'EX-NEW' }), link })).toEqual([
      expect.objectContaining({ type: 'resolvePendingCreate', side: 's4', marker: 'EX-NEW' }),
    ]);
    expect(types(run({ exchange: exAppt({ id: 'EX-NEW' }), link, s4SearchedByMarker: true }))).toEqual([
      'createS4',
      'commitSnapshot',
    ]);
    // Found: the activity made before the interruption is adopted, its create journalled as recovered.
    const found = run({ s4: s4Appt(), exchange: exAppt({ id: 'EX-NEW' }), link, s4SearchedByMarker: true });
    expect(types(found)).not.toContain('createS4');
    expect(found[0]!.journal).toMatchObject({ outcome: 'synced', reason: 'created.s4.recovered' });
  });
});

describe('all-day items across zones', () => {
  it('an all-day activity keeps its dates when the mailbox is in another zone', () => {
    const a = s4Appt({ isAllDay: true, start: '2026-03-09T23:00:00Z', end: '2026-03-10T22:59:00Z' });
    const created = run({ s4: a });
    const d = find(created, 'createExchangeItem').draft;
    expect(d).toMatchObject({ isAllDay: true, start: '2026-03-09T23:00:00.000Z', end: '2026-03-10T23:00:00.000Z' });
    expect(find(created, 'commitSnapshot').snapshot).toMatchObject({ start: '2026-03-10', end: '2026-03-11' });
    const { item, link } = materialise(created);
    // Exchange reports it in the mailbox's zone, London: same dates.
    const london = {
      ...item,
      changeKey: 'ck2',
      timeZone: 'Europe/London',
      start: '2026-03-10T00:00:00Z',
      end: '2026-03-11T00:00:00Z',
    };
    expect(types(run({ s4: a, exchange: london, link }))).toEqual(['noop', 'commitSnapshot']);
  });

  it("an all-day activity is written at the mailbox zone's midnights", () => {
    const a = s4Appt({ isAllDay: true, start: '2026-03-09T23:00:00Z', end: '2026-03-10T23:00:00Z' });
    const created = run({ s4: a, mailboxTimeZone: 'America/New_York' });
    expect(find(created, 'createExchangeItem').draft).toMatchObject({
      isAllDay: true,
      timeZone: 'America/New_York',
      start: '2026-03-10T04:00:00.000Z',
      end: '2026-03-11T04:00:00.000Z',
    });
    const { item, link } = materialise(created);
    expect(types(run({ s4: a, exchange: item, link, mailboxTimeZone: 'America/New_York' }))).toEqual(['noop']);
  });

  it('a timed activity keeps its instants whatever the mailbox zone', () => {
    const created = run({ s4: s4Appt(), mailboxTimeZone: 'America/New_York' });
    expect(find(created, 'createExchangeItem').draft).toMatchObject({
      start: '2026-03-10T09:00:00.000Z',
      end: '2026-03-10T10:00:00.000Z',
      timeZone: 'Europe/Berlin',
    });
  });
});
