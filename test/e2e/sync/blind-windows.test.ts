import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/service.js';
import type { RunningSystem } from '../../support/system.js';
import { inDays, linksWhere, outlookAppointment, startSubscribedSystem } from './support.js';

/**
 * Bounded blind windows for Outlook → S/4: a push subscription Exchange lost is noticed by its
 * missing heartbeat (EWS "StatusFrequency": a status notification every StatusFrequency minutes when
 * nothing happened) and replaced, and what happened meanwhile is caught up.
 */

const ALICE = 'alice@demo.example';
const systems: RunningSystem[] = [];
afterAll(async () => {
  for (const system of systems) await system.stop();
});

async function reachesS4(system: RunningSystem, itemId: string, timeoutMs: number): Promise<string> {
  return waitFor(
    async () =>
      (await linksWhere(system, `exchange_item_id = $1 AND state = 'linked' AND s4_key IS NOT NULL`, [itemId]))[0]
        ?.s4_key ?? undefined,
    'the Outlook appointment to reach S/4',
    timeoutMs,
  );
}

describe('blind windows after Exchange loses subscriptions', { timeout: 120_000 }, () => {
  it('after the Exchange server forgets every subscription, an Outlook change reaches S/4 within 2 minutes (Exchange clock 20× faster)', async () => {
    const system = await startSubscribedSystem();
    systems.push(system);
    const emulatorBase = new URL(system.ews.ewsUrl).origin;
    // A Mailbox server restart: subscriptions vanish silently — no more pushes, no more heartbeats.
    const forgotten = (await fetch(`${emulatorBase}/_emulator/push/forget`, { method: 'POST' }).then((r) =>
      r.json(),
    )) as { forgotten: number };
    expect(forgotten.forgotten).toBeGreaterThanOrEqual(6);
    const forgottenAt = Date.now();
    const itemId = await outlookAppointment(system, ALICE, {
      subject: 'Planned after the Exchange restart',
      start: inDays(3, 9),
      end: inDays(3, 10),
      categories: ['S/4HANA'],
    });

    // Two minutes of Exchange time are 6 s here; allow 3 s for what does not scale (Subscribe, catch-up, the S/4 write) and load.
    const bound = 120_000 * system.ews.timeScale + 3_000;
    const s4Key = await reachesS4(system, itemId, bound + 10_000);
    const elapsed = Date.now() - forgottenAt;
    expect((await system.s4.getAppointment(s4Key))?.subject).toBe('Planned after the Exchange restart');
    expect(elapsed).toBeLessThan(bound);
    // Every folder is subscribed again on the Exchange side.
    await waitFor(
      async () => system.ews.subscriptions().length >= 6 || undefined,
      'every folder subscribed again',
      20_000,
    );
  });

  it('a restarted demo (emulators start empty, the database still holds "active" subscriptions) syncs Outlook → S/4 within seconds, in real time', async () => {
    const first = await startSubscribedSystem({ ewsTimeScale: 1 });
    const system = await first.restart();
    systems.push(system);
    const startedAt = Date.now();
    await waitFor(
      async () => system.ews.subscriptions().length >= 6 || undefined,
      'the folders to be subscribed on the new Exchange',
      20_000,
    );
    const itemId = await outlookAppointment(system, ALICE, {
      subject: 'Planned right after the restart',
      start: inDays(4, 9),
      end: inDays(4, 10),
      categories: ['S/4HANA'],
    });
    const s4Key = await reachesS4(system, itemId, 20_000);
    expect((await system.s4.getAppointment(s4Key))?.subject).toBe('Planned right after the restart');
    // Real time: a missing heartbeat would take 90 s to notice; this is the restart being recognised.
    expect(Date.now() - startedAt).toBeLessThan(15_000);

    // And S/4 → Outlook at once too.
    const activity = await system.s4.createAppointment({
      processType: 'ZVIS',
      subject: 'S/4 right after the restart',
      start: inDays(5, 9),
      end: inDays(5, 10),
      timeZone: 'Europe/Berlin',
      partners: [{ partnerFunction: '00000014', businessPartner: 'EMP001' }],
    });
    await waitFor(
      async () => system.ews.listItems(ALICE).find((i) => i.subject === 'S/4 right after the restart') || undefined,
      'the activity in Outlook',
      15_000,
    );
    await waitFor(
      async () => (await linksWhere(system, `s4_key = $1 AND state = 'linked'`, [activity.uuid]))[0],
      'the activity linked',
      10_000,
    );
  });
});
