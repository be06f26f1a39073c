import type { ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { createS4Client, type S4Client } from '../../../src/connectors/s4/index.js';
import { DEMO, seedDemoTenant } from '../../../src/demo/seed.js';
import { startEwsEmulator, type EwsEmulator } from '../../../src/emulators/ews/index.js';
import { startS4Emulator, type S4Emulator } from '../../../src/emulators/s4/index.js';
import type { ChangeRecord } from '../../../src/emulators/s4/store.js';
import { INBOX_QUEUE } from '../../../src/queue/queues.js';
import { freePort } from '../../../src/runtime/free-port.js';
import { withTenant } from '../../../src/store/transaction.js';
import { ews, makeService } from '../../integration/ews-emulator/support.js';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from '../../support/database.js';
import { killAll, spawnTandem, waitForHttp } from '../../support/processes.js';
import { deleteRedisPrefix, waitFor } from '../../support/service.js';

/**
 * Issue #19, scale out: 2 `web` and 3 `worker` processes — started as production starts them
 * (`tandem web`, `tandem worker`, src/cli.ts) — on one database and one Redis, with the EWS and S/4
 * emulators in this process. A burst of S/4 appointments plus Outlook changes; one worker is
 * SIGKILLed while it holds jobs. Then quiescence and exactly-once effects, counted at the
 * emulators: one CreateItem per S/4 appointment, one S/4 write per Outlook change.
 */

const BURST = 200;
const OUTLOOK_EDITS = 16;
const OUTLOOK_CREATES = 16;
const USERS = DEMO.users.map((user) => ({ smtp: user.smtpAddress, employee: user.employeeBp }));
/** A killed worker's jobs go to another after this (BullMQ job lock and subject lease, JOB_LEASE_SECONDS). */
const JOB_LEASE_SECONDS = '6';

let db: TestDatabase;
let ewsEmulator: EwsEmulator;
/** Items the EWS emulator starts with (not created through EWS). */
let seededItems = 0;
let s4Emulator: S4Emulator;
let s4: S4Client;
let redis: Redis;
let inboxQueue: Queue;
const prefix = uniqueRedisPrefix('scale-out');
const webs: Array<{ url: string; child: ChildProcess }> = [];
const workers: ChildProcess[] = [];
/** Every commit in the S/4 emulator, as it happened. */
const s4Commits: Array<ChangeRecord & { at: number }> = [];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const ports = [await freePort(), await freePort()];
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  // Real time in the EWS emulator, as `tandem worker` assumes (the test ends long before a heartbeat is due).
  ewsEmulator = await startEwsEmulator({ port: 0 });
  seededItems = itemCount();
  s4Emulator = await startS4Emulator({
    port: 0,
    eventsUrl: `${urls[0]}/s4/events`,
    eventsAuth: DEMO.callback,
    eventRetry: { initialDelayMs: 100, maxDelayMs: 1_000 },
  });
  s4Emulator.store.onCommit((changes) => s4Commits.push(...changes.map((change) => ({ ...change, at: Date.now() }))));
  const env = {
    DATABASE_URL: db.url,
    QUEUE_PREFIX: prefix,
    AUTH_MODE: 'dev',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    // Exchange's notifications go to the second web, S/4's events to the first (then the second).
    PUBLIC_URL: urls[1]!,
    JOB_LEASE_SECONDS,
  };
  await seedDemoTenant(db.pool, loadConfig({ ...process.env, ...env }), {
    ewsUrl: ewsEmulator.ewsUrl,
    s4Url: s4Emulator.url,
  });
  for (const [i, port] of ports.entries())
    webs.push({ url: urls[i]!, child: spawnTandem(['web'], { ...env, PORT: String(port) }) });
  for (let i = 0; i < 3; i++) workers.push(spawnTandem(['worker'], env));
  await Promise.all(webs.map((web) => waitForHttp(`${web.url}/health`)));
  inboxQueue = new Queue(INBOX_QUEUE, { connection: redis.duplicate(), prefix });
  // Each BullMQ worker names its connection: all three inbox workers are connected.
  await waitFor(async () => (await inboxQueue.getWorkersCount()) >= 3 || undefined, 'three inbox workers', 60_000);
  await waitFor(async () => (await activeSubscriptions()) >= 6 || undefined, 'six active subscriptions', 60_000);
  s4 = createS4Client({
    kind: 'url',
    url: s4Emulator.url,
    username: 'TANDEM_COMM',
    password: 'demo-password',
    sapClient: '100',
  });
}, 120_000);

afterAll(async () => {
  await killAll([...webs.map((web) => web.child), ...workers]);
  await inboxQueue?.close();
  await Promise.all([ewsEmulator?.close(), s4Emulator?.close()]);
  if (redis) {
    await deleteRedisPrefix(redis, prefix);
    await redis.quit();
  }
  await db?.drop();
});

async function activeSubscriptions(): Promise<number> {
  return withTenant(
    DEMO.tenantId,
    async (tx) =>
      (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM subscriptions WHERE state = 'active'`)).rows[0]!.n,
    db.pool,
  );
}

const calendar = (smtp: string) => ewsEmulator.listItems(smtp).filter((item) => item.folder === 'calendar');
const allCalendarItems = () =>
  USERS.flatMap((user) => calendar(user.smtp).map((item) => ({ ...item, smtp: user.smtp })));
/** The i-th half hour from tomorrow on, inside the synchronised window (appointments far ahead are not copied). */
const at = (i: number) => {
  const tomorrow = new Date(Date.now() + 86_400_000);
  tomorrow.setUTCHours(6, 0, 0, 0);
  return new Date(tomorrow.getTime() + i * 1_800_000).toISOString();
};
const itemCount = () => USERS.reduce((sum, user) => sum + ewsEmulator.listItems(user.smtp).length, 0);
const calls = (operation: string) => ewsEmulator.calls.get(operation) ?? 0;

/** Runs `work` over `items` with `parallel` at a time (users of S/4 and Outlook do not all act in one instant). */
async function inParallel<T, R>(items: T[], parallel: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]!, i);
      }
    }),
  );
  return results;
}

async function openInbox(): Promise<{ open: number; dead: number }> {
  return withTenant(
    DEMO.tenantId,
    async (tx) =>
      (
        await tx.query<{ open: number; dead: number }>(
          `SELECT count(*) FILTER (WHERE status <> 'done' AND status <> 'dead')::int AS open,
                  count(*) FILTER (WHERE status = 'dead')::int AS dead FROM inbox`,
        )
      ).rows[0]!,
    db.pool,
  );
}

/** The worker process holding the most running inbox jobs now (BullMQ records each job's worker name, host:pid). */
async function busiestWorker(): Promise<{ child: ChildProcess; jobs: number } | undefined> {
  const active = await inboxQueue.getActive();
  let best: { child: ChildProcess; jobs: number } | undefined;
  for (const child of workers) {
    const jobs = active.filter((job) => job.processedBy?.endsWith(`:${child.pid}`)).length;
    if (jobs > 0 && (!best || jobs > best.jobs)) best = { child, jobs };
  }
  return best;
}

describe('scale out: 2 web + 3 worker processes, one worker SIGKILLed mid-burst', { timeout: 120_000 }, () => {
  it('gives every S/4 appointment exactly one Outlook item and every Outlook change exactly one S/4 write', async () => {
    const subjects = Array.from({ length: BURST }, (_, i) => `Scale-out visit ${i}`);
    // The burst: S/4 users create appointments; the emulator posts each event to the first web,
    // from half-way on to the second (two web instances behind one route).
    const burst = inParallel(subjects, 6, async (subject, i) => {
      if (i === BURST / 2) s4Emulator.setEventsUrl(`${webs[1]!.url}/s4/events`);
      const owner = USERS[i % USERS.length]!;
      const created = await s4.createAppointment({
        processType: 'ZVIS',
        subject,
        start: at(i),
        end: at(i + 1),
        timeZone: 'Europe/Berlin',
        partners: [{ partnerFunction: '00000014', businessPartner: owner.employee }],
      });
      return { uuid: created.uuid, subject, owner };
    });

    // Mid-burst, Outlook users change synced items and create new ones for S/4.
    const arrived = await waitFor(
      async () => {
        const items = allCalendarItems().filter((item) => item.subject?.startsWith('Scale-out visit '));
        return items.length >= OUTLOOK_EDITS * 2 ? items : undefined;
      },
      'the first burst items in Outlook',
      60_000,
    );
    const edits = arrived.slice(0, OUTLOOK_EDITS).map((item) => ({ ...item, newSubject: `${item.subject} (Outlook)` }));
    const editedAt = Date.now();
    await inParallel(edits, 4, async (edit) => {
      const service = makeService(ewsEmulator, { impersonate: edit.smtp });
      const item = await ews.Appointment.Bind(service, new ews.ItemId(edit.id));
      item.Subject = edit.newSubject;
      await item.Update(ews.ConflictResolutionMode.AlwaysOverwrite, ews.SendInvitationsOrCancellationsMode.SendToNone);
    });
    const outlookCreated = await inParallel(
      Array.from({ length: OUTLOOK_CREATES }, (_, i) => i),
      4,
      async (i) => {
        const owner = USERS[i % USERS.length]!;
        const subject = `Planned in Outlook ${i}`;
        const item = new ews.Appointment(makeService(ewsEmulator, { impersonate: owner.smtp }));
        item.Subject = subject;
        item.Start = ews.DateTime.Parse(at(BURST + 2 * i));
        item.End = ews.DateTime.Parse(at(BURST + 2 * i + 1));
        // The category that asks Tandem to copy an Outlook appointment to S/4 (docs/sync-engine.md).
        item.Categories.Add('S/4HANA');
        await item.Save(ews.WellKnownFolderName.Calendar, ews.SendInvitationsMode.SendToNone);
        return { id: item.Id.UniqueId, subject };
      },
    );

    // Kill -9 the worker holding the most jobs right now, with the burst and the changes in flight.
    const victim = await waitFor(busiestWorker, 'a worker holding inbox jobs', 30_000);
    victim.child.kill('SIGKILL');
    await new Promise((resolve) => victim.child.once('exit', resolve));
    const appointments = await burst;

    // Quiescence: every item where it belongs, then no open inbox row and no undelivered S/4 event.
    await waitFor(
      async () => {
        const items = allCalendarItems();
        const burstDone = subjects.every((subject) =>
          items.some((item) => item.subject === subject || item.subject === `${subject} (Outlook)`),
        );
        const outlookDone = outlookCreated.every((created) =>
          s4Emulator.list('A_AppointmentActivity').some((row) => row.ActivityDescription === created.subject),
        );
        const editsDone = edits.every((edit) =>
          s4Emulator.list('A_AppointmentActivity').some((row) => row.ActivityDescription === edit.newSubject),
        );
        return burstDone && outlookDone && editsDone ? true : undefined;
      },
      'every effect of the burst and the Outlook changes',
      90_000,
    );
    await waitFor(
      async () => {
        const inbox = await openInbox();
        const pendingS4 = s4Emulator.events().filter((entry) => entry.state === 'pending').length;
        return (inbox.open === 0 && pendingS4 === 0) || undefined;
      },
      'the inbox to drain',
      60_000,
    );

    // Exactly one Outlook item per S/4 appointment, in its owner's calendar, and one CreateItem each:
    // the killed worker's unfinished creates were resolved, not repeated.
    const items = allCalendarItems();
    for (const appointment of appointments) {
      const copies = items.filter((item) => item.subject?.replace(/ \(Outlook\)$/, '') === appointment.subject);
      expect(
        copies.map((copy) => copy.smtp),
        appointment.subject,
      ).toEqual([appointment.owner.smtp]);
    }
    // Nothing is deleted in this test: every CreateItem Exchange received (Tandem's and the users')
    // left exactly one item, so none was a duplicate created and removed again.
    expect(calls('CreateItem')).toBe(itemCount() - seededItems);

    // The S/4 events that echo Tandem's own writes wrote nothing back: the users' edits are the only updates.
    expect(calls('UpdateItem')).toBe(OUTLOOK_EDITS);

    // Exactly one S/4 write per Outlook change: one commit of each edited activity after the edit,
    // carrying the Outlook subject; one created activity per appointment planned in Outlook.
    const links = await withTenant(
      DEMO.tenantId,
      async (tx) =>
        (
          await tx.query<{ s4_key: string; exchange_item_id: string; mailbox_id: string }>(
            `SELECT s4_key, exchange_item_id, mailbox_id FROM links WHERE kind = 'appointment' AND state = 'linked'`,
          )
        ).rows,
      db.pool,
    );
    for (const edit of edits) {
      const uuid = links.find((link) => link.exchange_item_id === edit.id)?.s4_key;
      const writes = s4Commits.filter(
        (commit) => commit.at >= editedAt && commit.set === 'A_AppointmentActivity' && commit.row.ActivityUUID === uuid,
      );
      expect(
        writes.map((write) => `${write.action} ${String(write.row.ActivityDescription)}`),
        edit.newSubject,
      ).toEqual([`changed ${edit.newSubject}`]);
    }
    for (const created of outlookCreated) {
      const creates = s4Commits.filter(
        (commit) =>
          commit.set === 'A_AppointmentActivity' &&
          commit.action === 'created' &&
          commit.row.ActivityDescription === created.subject,
      );
      expect(creates, created.subject).toHaveLength(1);
    }

    // No duplicate links; every inbox row done (none dead); the victim really held jobs.
    const linkCount = (key: (link: (typeof links)[number]) => string) => new Set(links.map(key)).size === links.length;
    expect(linkCount((link) => `${link.s4_key}/${link.mailbox_id}`)).toBe(true);
    expect(linkCount((link) => link.exchange_item_id)).toBe(true);
    for (const appointment of appointments)
      expect(
        links.filter((link) => link.s4_key === appointment.uuid),
        appointment.subject,
      ).toHaveLength(1);
    for (const created of outlookCreated)
      expect(
        links.filter((link) => link.exchange_item_id === created.id),
        created.subject,
      ).toHaveLength(1);
    expect(await openInbox()).toEqual({ open: 0, dead: 0 });
    expect(victim.jobs).toBeGreaterThan(0);
    const deaths = await withTenant(
      DEMO.tenantId,
      async (tx) =>
        (await tx.query<{ n: number }>(`SELECT coalesce(sum(worker_deaths), 0)::int AS n FROM inbox`)).rows[0]!.n,
      db.pool,
    );
    console.info(
      `scale-out: victim held ${victim.jobs} job(s); ${deaths} inbox row(s) re-claimed after its death; ` +
        `EWS calls ${JSON.stringify(Object.fromEntries(ewsEmulator.calls))}`,
    );
  });
});
