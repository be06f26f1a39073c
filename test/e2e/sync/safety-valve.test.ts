import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { withTenant } from '../../../src/store/transaction.js';
import {
  adminApi,
  changeSettings,
  inDays,
  journalWhere,
  linksWhere,
  settle,
  startSubscribedSystem,
} from './support.js';

let system: RunningSystem;
let api: ReturnType<typeof adminApi>;
beforeAll(async () => {
  system = await startSubscribedSystem();
  api = adminApi(system);
}, 120_000);
afterAll(async () => system.stop());

const ALICE = 'alice@demo.example';
const BOB = 'bob@demo.example';
const calendarOf = (mailbox: string) => system.ews.listItems(mailbox).filter((item) => item.folder === 'calendar');

interface Pending {
  id: number;
  scope: string;
  kind: string;
  s4Key: string | null;
  exchangeItemId: string | null;
  summary: string;
}
const pendingDeletions = async () => (await api<{ items: Pending[] }>('GET', '/safety-valve')).body.items;

/** Appointments for Alice (EMP001) or Bob (EMP002) on days of their own, waited for in their calendars. */
let nextDay = 30;
async function appointmentsFor(owners: Array<[typeof ALICE | typeof BOB, string]>) {
  const created = [];
  for (const [mailbox, subject] of owners) {
    nextDay += 1;
    created.push(
      await system.s4.createAppointment({
        processType: 'ZVIS',
        subject,
        start: inDays(nextDay, 9),
        end: inDays(nextDay, 10),
        timeZone: 'Europe/Berlin',
        partners: [{ partnerFunction: '00000014', businessPartner: mailbox === ALICE ? 'EMP001' : 'EMP002' }],
      }),
    );
  }
  await waitFor(
    async () => owners.every(([m, s]) => calendarOf(m).some((i) => i.subject === s)) || undefined,
    'the appointments in the calendars',
  );
  return created;
}

async function deleteInS4(appointments: Array<{ uuid: string }>) {
  for (const appointment of appointments) {
    const latest = (await system.s4.getAppointment(appointment.uuid))!;
    await system.s4.deleteAppointment(latest.uuid, latest.etag);
  }
}

/**
 * Moves every executed deletion `minutes` into the past: how the valve sees them once that much
 * time has gone by (the window is counted from the journal's times), without waiting for it.
 */
const deletionsHappenedAgo = (minutes: number) =>
  withTenant(
    'demo',
    (tx) => tx.query(`UPDATE journal SET at = at - make_interval(mins => $1) WHERE outcome = 'deleted'`, [minutes]),
    system.db.pool,
  );

describe('safety valve against mass deletion', { timeout: 120_000 }, () => {
  it('setting:safetyValve.maxDeletesPerMailbox: holds deletions past the threshold until an admin confirms or rejects them', async () => {
    const current = await api<{ settings: Record<string, Record<string, unknown>>; version: number }>(
      'GET',
      '/settings',
    );
    const saved = await api<{ settings: { safetyValve: { maxDeletesPerMailbox: number } } }>(
      'PUT',
      `/settings?expectedVersion=${current.body.version}`,
      { ...current.body.settings, safetyValve: { ...current.body.settings.safetyValve, maxDeletesPerMailbox: 2 } },
    );
    expect(saved.status).toBe(200);
    expect(saved.body.settings.safetyValve.maxDeletesPerMailbox).toBe(2);
    const savedAt = Date.now();

    const subjects = ['Valve A', 'Valve B', 'Valve C', 'Valve D'];
    const created = [];
    for (const [i, subject] of subjects.entries()) {
      created.push(
        await system.s4.createAppointment({
          processType: 'ZVIS',
          subject,
          start: inDays(8 + i, 9),
          end: inDays(8 + i, 10),
          timeZone: 'Europe/Berlin',
          partners: [{ partnerFunction: '00000014', businessPartner: 'EMP001' }],
        }),
      );
    }
    await waitFor(
      async () => subjects.every((s) => calendarOf(ALICE).some((i) => i.subject === s)) || undefined,
      'all four in Alice’s calendar',
    );
    // Workers reuse tenant settings for up to five seconds (TenantContexts cacheMs): the new threshold must be in force before the deletes.
    await settle(Math.max(0, savedAt + 6_000 - Date.now()));

    // A mass delete in S/4: two removals go through, the other two wait for an admin.
    for (const appointment of created) {
      const latest = (await system.s4.getAppointment(appointment.uuid))!;
      await system.s4.deleteAppointment(latest.uuid, latest.etag);
    }
    const held = await waitFor(async () => {
      const items = await pendingDeletions();
      return items.length >= 2 ? items : undefined;
    }, 'two held deletions');
    await waitFor(
      async () => calendarOf(ALICE).filter((i) => subjects.includes(i.subject ?? '')).length === 2 || undefined,
      'two removals to go through',
    );
    await settle(2_000);
    expect(await pendingDeletions()).toHaveLength(2);
    const remaining = calendarOf(ALICE).filter((i) => subjects.includes(i.subject ?? ''));
    expect(remaining).toHaveLength(2);
    expect(held.map((p) => p.exchangeItemId).sort()).toEqual(remaining.map((i) => i.id).sort());
    expect(
      held.every(
        (p) =>
          p.scope === 'mailbox' && p.kind === 'appointment' && p.summary === `Remove the appointment from ${ALICE}`,
      ),
    ).toBe(true);
    const pendingJournal = await journalWhere(system, `outcome = 'pending' AND reason = 'safetyValve.mailbox'`, []);
    expect(pendingJournal.map((r) => r.s4_key).sort()).toEqual(held.map((p) => p.s4Key).sort());

    // Confirm one: it leaves the calendar and its link goes.
    const [confirm, reject] = held as [Pending, Pending];
    expect((await api('POST', `/safety-valve/${confirm.id}/confirm`)).status).toBe(200);
    await waitFor(
      async () => !calendarOf(ALICE).some((i) => i.id === confirm.exchangeItemId) || undefined,
      'the confirmed removal',
    );
    await waitFor(
      async () => (await linksWhere(system, 's4_key = $1', [confirm.s4Key])).length === 0 || undefined,
      'the confirmed link to go',
    );

    // Reject the other: the item stays, its link becomes a tombstone, and it is not proposed again.
    expect((await api('POST', `/safety-valve/${reject.id}/reject`)).status).toBe(200);
    await waitFor(
      async () => (await linksWhere(system, 's4_key = $1', [reject.s4Key]))[0]?.state === 'detached' || undefined,
      'the rejected link to become a tombstone',
    );
    expect(await pendingDeletions()).toEqual([]);
    const decisions = (await journalWhere(system, `reason LIKE 'safetyValve.%' AND outcome <> 'pending'`, []))
      .map((r) => `${r.s4_key}:${r.reason}`)
      .sort();
    expect(decisions).toEqual(
      [`${confirm.s4Key}:safetyValve.confirmed`, `${reject.s4Key}:safetyValve.rejected`].sort(),
    );

    // Alice edits the kept item: the worker looks at it again and leaves it alone.
    const before = (await journalWhere(system, 'exchange_item_id = $1', [reject.exchangeItemId])).length;
    const service = makeService(system.ews, { impersonate: ALICE });
    const kept = await ews.Appointment.Bind(service, new ews.ItemId(reject.exchangeItemId!));
    kept.Location = 'Still happening';
    await kept.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
    await waitFor(
      async () =>
        (await journalWhere(system, 'exchange_item_id = $1', [reject.exchangeItemId])).length > before || undefined,
      'the worker to see the edit',
    );
    await settle(2_000);
    expect(await pendingDeletions()).toEqual([]);
    expect(calendarOf(ALICE).find((i) => i.id === reject.exchangeItemId)?.props.Location).toBe('Still happening');
  });
  it('setting:safetyValve.maxDeletesPerTenant and setting:safetyValve.windowMinutes: deletions across mailboxes past the tenant limit are held; deletions older than the window no longer count', async () => {
    // The first test's deletions are long past: they must not count here.
    await deletionsHappenedAgo(60);
    await changeSettings(system, (s) => {
      s.safetyValve = { maxDeletesPerMailbox: 50, maxDeletesPerTenant: 3, windowMinutes: 10 };
    });
    const subjects = ['Tenant A', 'Tenant B', 'Tenant C', 'Tenant D'];
    const created = await appointmentsFor([
      [ALICE, subjects[0]!],
      [ALICE, subjects[1]!],
      [BOB, subjects[2]!],
      [BOB, subjects[3]!],
    ]);
    await deleteInS4(created);
    // Two per mailbox stay under the mailbox limit (50), four in the tenant pass its limit (3): one is held.
    const held = await waitFor(async () => {
      const items = await pendingDeletions();
      return items.length >= 1 ? items : undefined;
    }, 'a held deletion');
    const remaining = () =>
      [...calendarOf(ALICE), ...calendarOf(BOB)].filter((i) => subjects.includes(i.subject ?? ''));
    await waitFor(async () => remaining().length === 1 || undefined, 'three removals to go through');
    await settle(2_000);
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ scope: 'tenant', kind: 'appointment', exchangeItemId: remaining()[0]!.id });
    expect(await journalWhere(system, `outcome = 'pending' AND reason = 'safetyValve.tenant'`, [])).toHaveLength(1);
    expect((await api('POST', `/safety-valve/${held[0]!.id}/confirm`)).status).toBe(200);
    await waitFor(async () => remaining().length === 0 || undefined, 'the confirmed removal');

    // Five minutes later with a four-minute window: the three deletions no longer count, so three more pass.
    // Under the ten-minute window they would still count and hold all three.
    await changeSettings(system, (s) => {
      s.safetyValve = { maxDeletesPerMailbox: 50, maxDeletesPerTenant: 3, windowMinutes: 4 };
    });
    const more = ['Window A', 'Window B', 'Window C'];
    const next = await appointmentsFor([
      [ALICE, more[0]!],
      [BOB, more[1]!],
      [BOB, more[2]!],
    ]);
    await deletionsHappenedAgo(5);
    await deleteInS4(next);
    await waitFor(
      async () => ![...calendarOf(ALICE), ...calendarOf(BOB)].some((i) => more.includes(i.subject ?? '')) || undefined,
      'all three removals',
    );
    expect(await pendingDeletions()).toEqual([]);
  });
});
