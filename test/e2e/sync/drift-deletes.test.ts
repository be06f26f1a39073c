import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { inDays, journalEventually, journalWhere, linksWhere, settle, startSubscribedSystem } from './support.js';

/**
 * The deletion sweep of the drift check: an S/4 appointment or task deleted while its delete event
 * is lost leaves Outlook within a drift interval or two, journalled `drift.missingInS4`; while S/4
 * fails the sweep's reads, nothing is deleted.
 */
const ALICE = 'alice@demo.example';
const INTERVAL_S = 5;
let system: RunningSystem;
beforeAll(async () => {
  system = await startSubscribedSystem({ env: { DRIFT_CHECK_SECONDS: String(INTERVAL_S) } });
}, 120_000);
afterAll(async () => system.stop());

const responsible = [{ partnerFunction: '00000014', businessPartner: 'EMP001' }];
const itemIn = (folder: 'calendar' | 'tasks', subject: string) =>
  system.ews.listItems(ALICE).find((i) => i.folder === folder && i.subject === subject);
const linkedLink = (uuid: string) =>
  waitFor(async () => (await linksWhere(system, `s4_key = $1 AND state = 'linked'`, [uuid]))[0], 'the link');
/**
 * Loses S/4's Deleted event of this object (only that one: a Changed event of Tandem's own
 * write-back, emitted late on a loaded machine, must not take its place) and waits until it is dropped.
 */
async function loseDeleteEvent(uuid: string, remove: () => Promise<void>): Promise<void> {
  const isOurDelete = (event: { type: string; data?: unknown }) =>
    event.type.endsWith('.Deleted.v1') &&
    JSON.stringify(event.data ?? {})
      .toLowerCase()
      .includes(uuid.toLowerCase());
  system.s4Emulator.outbox.drop(1, isOurDelete);
  await remove();
  await waitFor(
    async () => system.s4Emulator.events().some((e) => e.state === 'dropped' && isOurDelete(e.event)) || undefined,
    'S/4 to drop the delete event',
  );
}
/** Makes the sweep's existence reads (and only those) fail with `status` until cleared; resolves once `attempts` have failed. */
async function failSweepReads(status: number, attempts: number): Promise<void> {
  system.s4Emulator.faults.clear();
  system.s4Emulator.injectFault({
    count: 10_000,
    status,
    method: 'GET',
    pathContains: 'A_AppointmentActivity',
    queryContains: '$select=ActivityUUID',
  });
  await waitFor(
    async () => ((system.s4Emulator.faults.list()[0]?.remaining ?? 10_000) <= 10_000 - attempts ? true : undefined),
    `${attempts} failed sweep reads`,
    60_000,
  );
}
const missingJournal = (uuid: string) =>
  journalWhere(system, `outcome = 'drift' AND reason = 'drift.missingInS4' AND s4_key = $1`, [uuid]);

describe('S/4 deletion sweep', { timeout: 180_000 }, () => {
  it('an appointment deleted in S/4 while its event is lost leaves Outlook; failed sweep reads (503, 404) delete nothing', async () => {
    const created = await system.s4.createAppointment({
      processType: 'ZVIS',
      subject: 'Sweep: deleted in S/4',
      start: inDays(3, 9),
      end: inDays(3, 10),
      timeZone: 'Europe/Berlin',
      partners: responsible,
    });
    await waitFor(async () => itemIn('calendar', 'Sweep: deleted in S/4'), 'the appointment in Outlook');
    await linkedLink(created.uuid);

    // S/4 is sick for the sweep from before the delete on: a 5xx is never "deleted".
    await failSweepReads(503, 3);
    const current = (await system.s4.getAppointment(created.uuid))!;
    await loseDeleteEvent(created.uuid, () => system.s4.deleteAppointment(created.uuid, current.etag));
    await failSweepReads(503, 6);
    await settle(INTERVAL_S * 1_000);
    expect(itemIn('calendar', 'Sweep: deleted in S/4')).toBeDefined();
    expect(await missingJournal(created.uuid)).toEqual([]);

    // Nor is a 404 on the whole entity set (a service not activated, a wrong destination path).
    await failSweepReads(404, 2);
    await settle(INTERVAL_S * 1_000);
    expect(itemIn('calendar', 'Sweep: deleted in S/4')).toBeDefined();
    expect(await linksWhere(system, `s4_key = $1 AND state = 'linked'`, [created.uuid])).toHaveLength(1);
    expect(await missingJournal(created.uuid)).toEqual([]);

    // S/4 answers again: the sweep finds the appointment gone and the lost delete is made up for.
    const healing = Date.now();
    system.s4Emulator.faults.clear();
    await waitFor(
      async () => !itemIn('calendar', 'Sweep: deleted in S/4') || undefined,
      'the Outlook copy deleted',
      90_000,
    );
    const tookMs = Date.now() - healing;
    const rows = await journalEventually(
      system,
      `s4_key = $1`,
      [created.uuid],
      (found) => found.some((r) => r.outcome === 'drift') && found.some((r) => r.reason.startsWith('deleted.')),
      'the drift and delete journal entries',
    );
    expect(rows.filter((r) => r.outcome === 'drift')).toEqual([
      expect.objectContaining({ reason: 'drift.missingInS4', mailbox_id: expect.any(String) }),
    ]);
    expect(await linksWhere(system, `s4_key = $1 AND state = 'linked'`, [created.uuid])).toEqual([]);
    console.info(`deletion sweep: Outlook copy gone ${tookMs} ms after S/4 answered again`);

    // Healed is quiet: later sweeps find nothing more to queue or journal.
    await settle((INTERVAL_S + 1) * 1_000);
    expect(await missingJournal(created.uuid)).toHaveLength(1);
  });

  it('a task deleted in S/4 while its event is lost leaves Outlook (existence read through ZTANDEM_TASK_SRV)', async () => {
    const created = await system.s4.createTask({
      processType: 'ZTSK',
      subject: 'Sweep: task deleted in S/4',
      start: inDays(2, 8),
      due: inDays(4, 15),
      timeZone: 'Europe/Berlin',
      status: 'E0001',
      priority: '5',
      percentComplete: 0,
      partners: responsible,
    });
    await waitFor(async () => itemIn('tasks', 'Sweep: task deleted in S/4'), 'the task in Outlook');
    await linkedLink(created.uuid);
    const current = (await system.s4.getTask(created.uuid))!;
    await loseDeleteEvent(created.uuid, () => system.s4.deleteTask(created.uuid, current.etag));
    await waitFor(
      async () => !itemIn('tasks', 'Sweep: task deleted in S/4') || undefined,
      'the Outlook task deleted',
      (INTERVAL_S * 2 + 10) * 1_000,
    );
    expect(await missingJournal(created.uuid)).toEqual([
      expect.objectContaining({ outcome: 'drift', reason: 'drift.missingInS4' }),
    ]);
  });
});
