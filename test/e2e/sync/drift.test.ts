import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../../../src/emulators/s4/index.js';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { inDays, journalWhere, linksWhere, settle, startSubscribedSystem, waitForQuiet } from './support.js';

/**
 * The S/4 drift check: S/4 changes whose events never arrive still reach Outlook within the check
 * interval (5 s here, DRIFT_CHECK_SECONDS; 5 minutes by default), journalled as `drift`.
 */
const ALICE = 'alice@demo.example';
const INTERVAL_S = 5;
let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem({ env: { DRIFT_CHECK_SECONDS: String(INTERVAL_S) } });
}, 120_000);
afterAll(async () => system.stop());

const dropNextEvents = (count: number) =>
  fetch(`${system.s4Emulator.url}/_emulator/events/drop`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count }),
  });
const BOB = 'bob@demo.example';
const bobsContact = (name: string) =>
  system.ews.listItems(BOB).find((i) => i.kind === 'Contact' && i.folder === 'Tandem' && i.props.DisplayName === name);
const outlookItem = (subject: string) =>
  system.ews.listItems(ALICE).find((i) => i.folder === 'calendar' && i.subject === subject);
// The interval, the overlap's first read and the worker's 5-second user cache; the bound is the interval plus processing.
const WITHIN_MS = (INTERVAL_S * 2 + 8) * 1_000;

describe('S/4 drift check', { timeout: 90_000 }, () => {
  it('an S/4 change and a new activity whose events were dropped reach Outlook within the drift interval', async () => {
    const responsible = [{ partnerFunction: '00000014', businessPartner: 'EMP001' }];
    const synced = await system.s4.createAppointment({
      processType: 'ZVIS',
      subject: 'Drift: before',
      start: inDays(3, 9),
      end: inDays(3, 10),
      timeZone: 'Europe/Berlin',
      partners: responsible,
    });
    await waitFor(async () => outlookItem('Drift: before'), 'the activity in Outlook (its event arrives)');
    await waitFor(
      async () => (await linksWhere(system, `s4_key = $1 AND state = 'linked'`, [synced.uuid]))[0],
      'the link',
    );

    // S/4's event sender loses the next two events.
    expect((await dropNextEvents(2)).status).toBe(200);
    const fresh = (await system.s4.getAppointment(synced.uuid))!;
    await system.s4.updateAppointment(synced.uuid, fresh.etag, { subject: 'Drift: after' });
    const created = await system.s4.createAppointment({
      processType: 'ZVIS',
      subject: 'Drift: never announced',
      start: inDays(4, 9),
      end: inDays(4, 10),
      timeZone: 'Europe/Berlin',
      partners: responsible,
    });
    const changedAt = Date.now();
    await waitFor(
      async () => system.s4Emulator.events().filter((e) => e.state === 'dropped').length >= 2 || undefined,
      'S/4 to drop both events',
    );

    await waitFor(
      async () => outlookItem('Drift: after') && outlookItem('Drift: never announced'),
      'both changes in Outlook',
      WITHIN_MS + 10_000,
    );
    expect(Date.now() - changedAt).toBeLessThan(WITHIN_MS);
    expect(outlookItem('Drift: before')).toBeUndefined();

    const drift = await journalWhere(system, `outcome = 'drift'`, []);
    // The changed one is normally a stale link; on a loaded machine a check may have seen it between create and link (missing).
    expect(drift.filter((r) => r.s4_key === synced.uuid).map((r) => r.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^drift\.(staleLink|missingLink)$/)]),
    );
    expect(drift).toEqual(
      expect.arrayContaining([expect.objectContaining({ s4_key: created.uuid, reason: 'drift.missingLink' })]),
    );

    // Healed is quiet: the next checks re-read the overlap but find nothing to queue or journal.
    const before = drift.length;
    await settle((INTERVAL_S + 1) * 1_000);
    expect(await journalWhere(system, `outcome = 'drift'`, [])).toHaveLength(before);
  });

  it('a contact person changed in S/4 whose event was dropped reaches the contact within the drift interval', async () => {
    // Jan becomes Bob's contact (BUR011), as an S/4 user maintains it; its events arrive.
    const related = await fetch(`${system.s4Emulator.url}/ui/relationships`, {
      method: 'POST',
      body: new URLSearchParams({ bp1: DEMO.contacts.jan, bp2: DEMO.employees.bob, category: 'BUR011' }),
      redirect: 'manual',
    });
    expect(related.status).toBe(303);
    await waitFor(async () => bobsContact('Jan Jansen'), 'Jan in Bob’s contacts');
    // The contact link holds the partner's change stamp (LastChangeDate + LastChangeTime) it was synced at.
    await waitFor(
      async () =>
        (await linksWhere(system, `kind = 'contact' AND s4_key = $1 AND state = 'linked'`, [DEMO.contacts.jan]))[0],
      'the contact link',
    );
    // The echo of the contact's creation reads the partner again: processed after the rename, it
    // would bring the new name itself and leave the drift check nothing to find (seen once in a
    // fresh-clone CI run on a loaded machine). Let it pass first.
    await waitForQuiet(system, 'the contact’s echo and every event processed');

    // S/4 loses the partner's Changed event (only that one).
    const isRename = (event: { type: string }) => event.type.endsWith('.BusinessPartner.Changed.v1');
    system.s4Emulator.outbox.drop(1, isRename);
    system.s4Emulator.modify('A_BusinessPartner', { BusinessPartner: DEMO.contacts.jan }, { LastName: 'Jansen-Drift' });
    const changedAt = Date.now();
    await waitFor(
      async () => system.s4Emulator.events().some((e) => e.state === 'dropped' && isRename(e.event)) || undefined,
      'S/4 to drop the business partner event',
    );

    await waitFor(async () => bobsContact('Jan Jansen-Drift'), 'the new name in Bob’s contacts', WITHIN_MS + 10_000);
    expect(Date.now() - changedAt).toBeLessThan(WITHIN_MS);
    expect(bobsContact('Jan Jansen')).toBeUndefined();
    // The rename can show in Outlook a moment before the drift run's journal entry is visible (seen
    // once in a full run on a loaded machine): wait for the entry rather than read once.
    const drift = await waitFor(async () => {
      const rows = await journalWhere(system, `outcome = 'drift' AND s4_key = $1`, [DEMO.contacts.jan]);
      return rows.length > 0 ? rows : undefined;
    }, 'the drift journal entry of the contact');
    expect(drift).toEqual([expect.objectContaining({ reason: 'drift.staleLink', mailbox_id: expect.any(String) })]);

    // Healed is quiet: the overlap re-reads the change, the link now holds its stamp.
    await settle((INTERVAL_S + 1) * 1_000);
    expect(await journalWhere(system, `outcome = 'drift' AND s4_key = $1`, [DEMO.contacts.jan])).toHaveLength(1);
  });
});
